// Cost of gradient averaging through the parent hub (run: npx tsx bench/allreduce.bench.ts).
import { join } from 'node:path';
import { launchWorkers } from '../src/parallel/launch-workers';

async function main(): Promise<void> {
  for (const [n, parts] of [
    [1.2e6, 20], // small CNN
    [11.7e6, 62], // ResNet-18 sized
  ]) {
    for (const sharedFiles of [true, false]) {
      process.stdout.write(sharedFiles ? 'shared files: ' : 'IPC only:     ');
      await launchWorkers({
        devices: { kind: 'cpu', ids: [0, 1] },
        script: join(__dirname, 'allreduce-worker.ts'),
        args: [String(n), String(parts), '5'],
        sharedFiles,
      });
    }
  }
}

void main();
