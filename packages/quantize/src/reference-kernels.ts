import * as tf from '@tensorflow/tfjs';
import type { Int8ConvSpec, Int8DenseSpec, Int8Kernels, Int8Op } from './kernels';
import type { Int8Input } from './quant-math';

interface RefConv extends Int8Op {
  spec: Int8ConvSpec;
  w: tf.Tensor4D;
  bias?: tf.Tensor1D;
}
interface RefDense extends Int8Op {
  spec: Int8DenseSpec;
  w: tf.Tensor2D;
  bias?: tf.Tensor1D;
}

/** x rounded to the int8 grid the kernel reads (u8 [0, 255] or s8 [-127, 127]), back in float. */
export function fakeQuantize(x: tf.Tensor, input: Int8Input): tf.Tensor {
  return tf.tidy(() => {
    const lo = input.type === 'u8' ? 0 : -127;
    const hi = input.type === 'u8' ? 255 : 127;
    return tf.mul(tf.clipByValue(tf.round(tf.div(x, input.scale)), lo, hi), input.scale);
  });
}

/** Int8 weights times their per-channel scale (channel = last axis of the flattened layout). */
function dequantized(q: Int8Array, scales: Float32Array): Float32Array {
  const out = new Float32Array(q.length);
  const c = scales.length;
  for (let i = 0; i < q.length; i++) out[i] = q[i] * scales[i % c];
  return out;
}

function activate(y: tf.Tensor, a: string | undefined): tf.Tensor {
  if (a === 'relu') return tf.relu(y);
  if (a === 'relu6') return tf.clipByValue(y, 0, 6);
  return y;
}

/**
 * Fake-quant int8 in tfjs: the input rounded and clamped as the kernel would, weights
 * dequantized, fp32 conv/matmul. It has no int16 saturation (the AVX2 u8·s8 pair sums), so
 * it shows quantization error only; the native kernels are compared against it.
 */
export function referenceInt8Kernels(): Int8Kernels {
  return {
    name: 'reference',
    support: () => ({ available: true, isa: 'reference (fp32 fake-quant)', vnni: false, amx: false }),
    createConv(spec): RefConv {
      const mult = spec.groups === 1 ? spec.outC : spec.outC / spec.inC;
      const w = tf.keep(tf.tensor4d(dequantized(spec.weights, spec.weightScales), [spec.kh, spec.kw, spec.inC, mult]));
      const bias = spec.bias ? tf.keep(tf.tensor1d(spec.bias)) : undefined;
      return { spec, w, bias, dispose: () => tf.dispose([w, ...(bias ? [bias] : [])]) };
    },
    createDense(spec): RefDense {
      const w = tf.keep(tf.tensor2d(dequantized(spec.weights, spec.weightScales), [spec.inFeatures, spec.outFeatures]));
      const bias = spec.bias ? tf.keep(tf.tensor1d(spec.bias)) : undefined;
      return { spec, w, bias, dispose: () => tf.dispose([w, ...(bias ? [bias] : [])]) };
    },
    conv2d(x, op) {
      const { spec, w, bias } = op as RefConv;
      return tf.tidy(() => {
        const q = fakeQuantize(x, spec.input) as tf.Tensor4D;
        const p = spec.pad;
        const padded = tf.pad(q, [[0, 0], [p.top, p.bottom], [p.left, p.right], [0, 0]]);
        const strides: [number, number] = [spec.strideH, spec.strideW];
        const dil: [number, number] = [spec.dilationH, spec.dilationW];
        let y: tf.Tensor4D = spec.groups === 1 ? tf.conv2d(padded, w, strides, 'valid', 'NHWC', dil) : tf.depthwiseConv2d(padded, w, strides, 'valid', 'NHWC', dil);
        if (bias) y = tf.add(y, bias);
        return activate(y, spec.activation) as tf.Tensor4D;
      });
    },
    dense(x, op) {
      const { spec, w, bias } = op as RefDense;
      return tf.tidy(() => {
        const q = fakeQuantize(x, spec.input);
        const flat = tf.reshape(q, [-1, spec.inFeatures]) as tf.Tensor2D;
        let y: tf.Tensor = tf.matMul(flat, w);
        if (bias) y = tf.add(y, bias);
        return tf.reshape(activate(y, spec.activation), [...x.shape.slice(0, -1), spec.outFeatures]);
      });
    },
  };
}
