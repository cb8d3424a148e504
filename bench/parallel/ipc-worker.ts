// Under @kiln/engine's launchWorkers: today's local IPC / shared-file path. Args: FLOATS ITERS sum|mean
import { getCommunicator } from '@kiln/engine';
import { timeAllReduce } from './timing';

async function main(): Promise<void> {
  const [floats, iters, op] = process.argv.slice(2);
  await timeAllReduce(getCommunicator(), Number(floats), Number(iters), op === 'mean');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
