// Public API of @kiln/engine (named exports only).
export { initEngine, planEngine, BACKEND_CHOICES } from './init-engine';
export type { InitEngineOptions, EngineInfo, BackendChoice, BackendCandidate } from './init-engine';
export { parseGpus, resolveDevices, describeDevices } from './gpus';
export type { DeviceRequest, DeviceOptions } from './gpus';
export { probeTfjsNode, probeNative, probeWasm, nvidiaDriverPresent, NATIVE_HINT } from './detect';
export type { BackendProbe, TfjsNodePackage, NativeBackendModule } from './detect';
export { OutOfMemoryError, isOutOfMemoryError, outOfMemorySource, toOutOfMemoryError } from './out-of-memory';
export { registerWasmExtras, WASM_EXTRA_KERNELS } from './wasm/register-wasm-extras';
export { wasmBinaryDir } from './wasm/wasm-paths';
export { launchWorkers, WorkerFailedError } from './parallel/launch-workers';
export type { LaunchWorkersOptions, WorkersResult } from './parallel/launch-workers';
export { getCommunicator, LocalCommunicator, IpcCommunicator, workerIdentity } from './parallel/communicator';
export type { IpcChannel } from './parallel/communicator';
export { CollectiveHub, CollectiveMismatchError } from './parallel/collective-hub';
export { ENV_RANK, ENV_WORLD_SIZE, ENV_DEVICE_KIND, ENV_DEVICE_ID } from './parallel/messages';
export { ENV_COMM_DIR, ENV_SHARED_MIN } from './parallel/shared-files';
export type { CollectiveOp, CollectiveRequest, CollectiveReply } from './parallel/messages';
