import { getKernel, registerKernel, type KernelConfig } from '@kiln/contracts/tf';
import { conv2DBackpropFilterWasmConfig } from './conv2d-backprop-filter';
import { depthwiseBackpropFilterWasmConfig, depthwiseBackpropInputWasmConfig } from './depthwise-backprop';

/** Training kernels tfjs-backend-wasm 4.22 lacks; each is built from wasm's own kernels. */
export const WASM_EXTRA_KERNELS: readonly KernelConfig[] = [
  conv2DBackpropFilterWasmConfig,
  depthwiseBackpropFilterWasmConfig,
  depthwiseBackpropInputWasmConfig,
];

/**
 * Registers Kiln's extra wasm kernels (Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter/Input)
 * so every model trains on wasm. Skips kernels wasm already has (a newer tfjs may ship them);
 * returns the names it registered. Safe to call more than once.
 */
export function registerWasmExtras(): string[] {
  const added: string[] = [];
  for (const config of WASM_EXTRA_KERNELS) {
    if (getKernel(config.kernelName, 'wasm')) continue;
    registerKernel(config);
    added.push(config.kernelName);
  }
  return added;
}
