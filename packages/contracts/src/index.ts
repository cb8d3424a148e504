export {
  KILN_KERNELS,
  type KilnKernelName,
  type LayerNormAttrs,
  type GeluAttrs,
  type AdamAttrs,
  type SgdAttrs,
  type RmsPropAttrs,
} from './kernels';
export type { Communicator } from './communicator';
