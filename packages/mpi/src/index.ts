export { MpiCommunicator } from './mpi-communicator.js';
export { createMpiCommunicator, type MpiCommunicatorOptions } from './create.js';
export { detectMpiWorld, suggestedCudaVisibleDevices, type DetectedWorld, type MpiLauncher } from './detect-world.js';
export { abortWorld, finalizeMpi, installAbortOnError, mpiWorld, MpiUnavailableError, startMpi } from './world.js';
export { isMpiAvailable, mpiLoadError } from './load-addon.js';
export { DEFAULT_BUCKET_BYTES, planBuckets } from './buckets.js';
export type { MpiAddon, MpiState, MpiWorldInfo } from './native-addon.js';
export { hasMpirun, mpirunCommand, type MpirunOptions } from './launch.js';
