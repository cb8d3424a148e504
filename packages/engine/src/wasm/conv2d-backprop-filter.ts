import { backend_util, Conv2DBackpropFilter, type KernelBackend, type KernelConfig, type KernelFunc, type TensorInfo } from '@kiln/contracts/tf';
import { type ExplicitPadding, WasmOps } from './wasm-ops';

/**
 * dW for Conv2D on wasm, via the batch↔channel transpose trick so the heavy lifting is one
 * XNNPACK convolution:
 *   dW[a,b,ci,co] = Σ_{n,i,j} x[n, i·s + a·d − top, j·s + b·d − left, ci] · dy[n,i,j,co]
 * is a convolution of xᵀ = [Ci, H, W, N] with dyᵀ = [Ho, Wo, N, Co] used as the filter, where the
 * forward stride becomes the dilation and the forward dilation the stride. Output [Ci, fh, fw, Co]
 * is transposed back to HWIO.
 */
function conv2DBackpropFilterWasm(args: Parameters<KernelFunc>[0]): TensorInfo {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as {
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
  if (dataFormat === 'NCHW') {
    throw new Error(`wasm backend Conv2DBackpropFilter does not support dataFormat:'NCHW'. Please use 'NHWC'.`);
  }
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const ops = new WasmOps(args.backend as KernelBackend);
  const [n, inH, inW, inC] = x.shape;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw, outHeight: outH, outWidth: outW } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  // Input extent the gradient actually reads; beyond it (VALID leftovers) rows are cropped.
  const needH = (fh - 1) * dh + (outH - 1) * sh + 1;
  const needW = (fw - 1) * dw + (outW - 1) * sw + 1;
  const bottom = needH - inH - top;
  const right = needW - inW - left;

  const released: TensorInfo[] = [];
  try {
    let xT = ops.transpose(x, [3, 1, 2, 0]); // [Ci, H, W, N]
    released.push(xT);
    if (bottom < 0 || right < 0) {
      xT = ops.slice(xT, [0, 0, 0, 0], [inC, inH + Math.min(bottom, 0), inW + Math.min(right, 0), n]);
      released.push(xT);
    }
    const dyT = ops.transpose(dy, [1, 2, 0, 3]); // [Ho, Wo, N, Co] as an HWIO filter
    released.push(dyT);
    const explicit: ExplicitPadding = [[0, 0], [top, Math.max(bottom, 0)], [left, Math.max(right, 0)], [0, 0]];
    const grad = ops.run('Conv2D', { x: xT, filter: dyT }, {
      strides: [dh, dw],
      dilations: [sh, sw],
      pad: explicit,
      dataFormat: 'NHWC',
    }); // [Ci, fh, fw, Co]
    released.push(grad);
    return ops.transpose(grad, [1, 2, 0, 3]);
  } finally {
    ops.release(...released);
  }
}

export const conv2DBackpropFilterWasmConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilterWasm as unknown as KernelFunc,
};
