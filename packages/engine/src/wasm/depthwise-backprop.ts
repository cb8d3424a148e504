import {
  backend_util,
  DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@kiln/contracts/tf';
import { WasmOps } from './wasm-ops';

type Pad = 'valid' | 'same' | number | backend_util.ExplicitPadding;
interface DepthwiseAttrs {
  strides: [number, number] | number;
  dilations: [number, number] | number;
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * Depthwise gradients on wasm, one filter tap at a time: each tap (a, b) is a strided window of
 * the (padded) input lined up with dy, so both gradients reduce to wasm's own StridedSlice /
 * Multiply / Sum / PadV2 / Add kernels. A depthwise filter has few taps (9 for 3×3), and each tap
 * costs O(N·Ho·Wo·C·m), the same order as the forward pass.
 */
function geometry(xShape: number[], filterShape: number[], attrs: DepthwiseAttrs) {
  const info = backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw, outHeight: outH, outWidth: outW } = info;
  return { info, fh, fw, sh, sw, dh, dw, outH, outW, top: info.padInfo.top, left: info.padInfo.left };
}

function depthwiseBackpropFilterWasm(args: Parameters<KernelFunc>[0]): TensorInfo {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as unknown as DepthwiseAttrs & { filterShape: [number, number, number, number] };
  const g = geometry(x.shape, attrs.filterShape, attrs);
  const ops = new WasmOps(args.backend as KernelBackend);
  const [n, inH, inW, channels] = x.shape;
  const multiplier = attrs.filterShape[3];
  const bottom = Math.max(0, (g.fh - 1) * g.dh + (g.outH - 1) * g.sh + 1 - inH - g.top);
  const right = Math.max(0, (g.fw - 1) * g.dw + (g.outW - 1) * g.sw + 1 - inW - g.left);
  const released: TensorInfo[] = [];
  try {
    const xPadded = ops.pad(x, [[0, 0], [g.top, bottom], [g.left, right], [0, 0]]);
    released.push(xPadded);
    const dyByMultiplier = multiplier === 1 ? dy : ops.reshape(dy, [n, g.outH, g.outW, channels, multiplier]);
    if (multiplier !== 1) released.push(dyByMultiplier);
    const taps: TensorInfo[] = [];
    for (let a = 0; a < g.fh; a++) {
      for (let b = 0; b < g.fw; b++) {
        const begin = [0, a * g.dh, b * g.dw, 0];
        const end = [n, a * g.dh + (g.outH - 1) * g.sh + 1, b * g.dw + (g.outW - 1) * g.sw + 1, channels];
        let window = ops.stridedSlice(xPadded, begin, end, [1, g.sh, g.sw, 1]); // [N, Ho, Wo, C]
        released.push(window);
        if (multiplier !== 1) {
          window = ops.reshape(window, [n, g.outH, g.outW, channels, 1]);
          released.push(window);
        }
        const product = ops.multiply(window, dyByMultiplier);
        released.push(product);
        const tap = ops.sum(product, [0, 1, 2]); // [C] or [C, m]
        released.push(tap);
        taps.push(tap);
      }
    }
    const stacked = taps.length === 1 ? taps[0] : ops.concat(taps, 0);
    if (taps.length > 1) released.push(stacked);
    return ops.reshape(stacked, attrs.filterShape);
  } finally {
    ops.release(...released);
  }
}

function depthwiseBackpropInputWasm(args: Parameters<KernelFunc>[0]): TensorInfo {
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs as unknown as DepthwiseAttrs & { inputShape: [number, number, number, number] };
  const g = geometry(attrs.inputShape, filter.shape, attrs);
  const ops = new WasmOps(args.backend as KernelBackend);
  const [n, inH, inW, channels] = attrs.inputShape;
  const multiplier = filter.shape[3];
  // Rows of the padded input each output row i touches start at i·s; stretch dy by the stride
  // (zero insertion) so every tap becomes a plain shifted add.
  const upH = g.outH * g.sh;
  const upW = g.outW * g.sw;
  const accH = Math.max((g.fh - 1) * g.dh + upH, g.top + inH);
  const accW = Math.max((g.fw - 1) * g.dw + upW, g.left + inW);
  const depth = channels * multiplier;
  const released: TensorInfo[] = [];
  try {
    let dyUp = dy;
    if (g.sh > 1 || g.sw > 1) {
      const split = ops.reshape(dy, [n, g.outH, 1, g.outW, 1, depth]);
      released.push(split);
      const spread = ops.pad(split, [[0, 0], [0, 0], [0, g.sh - 1], [0, 0], [0, g.sw - 1], [0, 0]]);
      released.push(spread);
      dyUp = ops.reshape(spread, [n, upH, upW, depth]);
      released.push(dyUp);
    }
    if (multiplier !== 1) {
      dyUp = ops.reshape(dyUp, [n, upH, upW, channels, multiplier]);
      released.push(dyUp);
    }
    let acc: TensorInfo | undefined;
    for (let a = 0; a < g.fh; a++) {
      for (let b = 0; b < g.fw; b++) {
        const weights = ops.slice(filter, [a, b, 0, 0], [1, 1, channels, multiplier]);
        released.push(weights);
        const tapWeights = ops.reshape(weights, multiplier === 1 ? [channels] : [channels, multiplier]);
        released.push(tapWeights);
        let contribution = ops.multiply(dyUp, tapWeights);
        released.push(contribution);
        if (multiplier !== 1) {
          contribution = ops.sum(contribution, [4]);
          released.push(contribution);
        }
        const placed = ops.pad(contribution, [
          [0, 0],
          [a * g.dh, accH - a * g.dh - upH],
          [b * g.dw, accW - b * g.dw - upW],
          [0, 0],
        ]);
        released.push(placed);
        if (acc) {
          const next = ops.add(acc, placed);
          released.push(next);
          acc = next;
        } else {
          acc = placed;
        }
      }
    }
    return ops.slice(acc as TensorInfo, [0, g.top, g.left, 0], [n, inH, inW, channels]);
  } finally {
    ops.release(...released);
  }
}

export const depthwiseBackpropFilterWasmConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropFilterWasm as unknown as KernelFunc,
};

export const depthwiseBackpropInputWasmConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropInputWasm as unknown as KernelFunc,
};
