// The timing loop shared by the Kiln-MPI and IPC workers (same as raw_allreduce.c):
// 2 warm-up calls, a barrier, then ITERS calls; rank 0 prints {"floats","iters","seconds" per call}.
import type { Communicator } from '@kiln/contracts';

export async function timeAllReduce(comm: Communicator, floats: number, iters: number, mean: boolean): Promise<void> {
  let a: Float32Array[] = [new Float32Array(floats).fill(1)];
  const op = (x: Float32Array[]): Promise<Float32Array[]> => (mean ? comm.allReduceMean(x) : comm.allReduceSum(x));
  for (let i = 0; i < 2; i++) a = await op(a);
  await comm.barrier();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iters; i++) a = await op(a);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9 / iters;
  if (comm.rank === 0) console.log(JSON.stringify({ floats, iters, seconds }));
}
