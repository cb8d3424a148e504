/**
 * PyTorch → TensorFlow.js weight layouts. PyTorch keeps conv kernels as OIHW and dense weights as
 * [out, in]; tfjs keeps HWIO, depthwise [kh, kw, channels, 1] and dense [in, out].
 */
export type Layout = 'same' | 'conv' | 'depthwise' | 'dense';

/** The tfjs shape of a PyTorch tensor of `shape` in `layout` (undefined when the rank does not fit). */
export function convertedShape(shape: readonly number[], layout: Layout): number[] | undefined {
  switch (layout) {
    case 'same':
      return [...shape];
    case 'conv':
      return shape.length === 4 ? [shape[2], shape[3], shape[1], shape[0]] : undefined;
    case 'depthwise':
      return shape.length === 4 && shape[1] === 1 ? [shape[2], shape[3], shape[0], 1] : undefined;
    case 'dense':
      return shape.length === 2 ? [shape[1], shape[0]] : undefined;
  }
}

/** Moves values of a PyTorch tensor into the tfjs layout (`convertedShape` must be defined). */
export function convertLayout(data: Float32Array, shape: readonly number[], layout: Layout): Float32Array {
  if (layout === 'same') return data;
  if (layout === 'dense') {
    const [o, i] = shape;
    const out = new Float32Array(data.length);
    for (let r = 0; r < o; r++) for (let c = 0; c < i; c++) out[c * o + r] = data[r * i + c];
    return out;
  }
  // conv: [O, I, H, W] → [H, W, I, O]; depthwise: [C, 1, H, W] → [H, W, C, 1] (same loop with O=C, I=1 then swap).
  const [O, I, H, W] = shape;
  const out = new Float32Array(data.length);
  if (layout === 'conv') {
    for (let o = 0; o < O; o++)
      for (let i = 0; i < I; i++)
        for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) out[((h * W + w) * I + i) * O + o] = data[((o * I + i) * H + h) * W + w];
  } else {
    for (let c = 0; c < O; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) out[(h * W + w) * O + c] = data[(c * H + h) * W + w];
  }
  return out;
}
