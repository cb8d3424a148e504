// Worker half of allreduce.bench.ts: times allReduceMean of `n` floats (in `parts` arrays).
import { getCommunicator } from '../src/parallel/communicator';

async function main(): Promise<void> {
  const [n, parts, reps] = process.argv.slice(2).map(Number);
  const comm = getCommunicator();
  const arrays = Array.from({ length: parts }, () => new Float32Array(Math.ceil(n / parts)).fill(comm.rank + 1));
  await comm.allReduceMean(arrays); // warm-up
  const start = performance.now();
  for (let i = 0; i < reps; i++) await comm.allReduceMean(arrays);
  const ms = (performance.now() - start) / reps;
  if (comm.rank === 0) console.log(`allReduceMean ${(n / 1e6).toFixed(1)}M floats in ${parts} arrays, ${comm.worldSize} workers: ${ms.toFixed(1)} ms`);
}

void main();
