/** IPC messages between worker processes and the parent hub (structured clone, `serialization: 'advanced'`). */

export type CollectiveOp = 'allReduceSum' | 'allReduceMean' | 'broadcast' | 'barrier' | 'allGather';

/** Worker → parent: this rank's contribution to collective number `seq`. */
export interface CollectiveRequest {
  kiln: 'collective';
  op: CollectiveOp;
  seq: number;
  rank: number;
  arrays?: Float32Array[];
  values?: unknown[];
  root?: number;
  /** All-reduce through shared files (see shared-files.ts): the array lengths this rank wrote. */
  sharedLengths?: number[];
}

/** Parent → worker: the result of collective `seq` (or why it failed). */
export interface CollectiveReply {
  kiln: 'collective-result';
  seq: number;
  arrays?: Float32Array[];
  gathered?: unknown[][];
  /** Every rank wrote its file: read and reduce them now. */
  shared?: boolean;
  error?: string;
}

export function isCollectiveRequest(message: unknown): message is CollectiveRequest {
  return typeof message === 'object' && message !== null && (message as { kiln?: unknown }).kiln === 'collective';
}

export function isCollectiveReply(message: unknown): message is CollectiveReply {
  return typeof message === 'object' && message !== null && (message as { kiln?: unknown }).kiln === 'collective-result';
}

/** Environment variables a worker reads its place in the group from. */
export const ENV_RANK = 'KILN_RANK';
export const ENV_WORLD_SIZE = 'KILN_WORLD_SIZE';
export const ENV_DEVICE_KIND = 'KILN_DEVICE_KIND';
export const ENV_DEVICE_ID = 'KILN_DEVICE_ID';
