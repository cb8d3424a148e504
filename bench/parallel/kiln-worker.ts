// Under mpirun: Kiln's MpiCommunicator (the path the trainer uses). Args: FLOATS ITERS sum|mean
import { createMpiCommunicator } from '@kiln/mpi';
import { timeAllReduce } from './timing';

async function main(): Promise<void> {
  const [floats, iters, op] = process.argv.slice(2);
  const comm = createMpiCommunicator();
  await timeAllReduce(comm, Number(floats), Number(iters), op === 'mean');
  await comm.close();
}

void main();
