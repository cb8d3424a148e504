import type { Int8Activation, Int8ConvSpec } from '../int8.js';

/** Seeded xorshift: uniform [0, 1), integers in [lo, hi], standard normals. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return { next, int, normal };
}

/**
 * Plain float64 NHWC convolution over explicit padding (padded taps read nothing), tfjs weight
 * layouts: conv [kh, kw, inC, outC], depthwise (groups = inC) [kh, kw, inC, outC / inC].
 */
function convRef(x: ArrayLike<number>, w: ArrayLike<number>, s: Int8ConvSpec, n: number) {
  const ekh = (s.kh - 1) * s.dilationH + 1, ekw = (s.kw - 1) * s.dilationW + 1;
  const oh = Math.floor((s.inH + s.pad.top + s.pad.bottom - ekh) / s.strideH) + 1;
  const ow = Math.floor((s.inW + s.pad.left + s.pad.right - ekw) / s.strideW) + 1;
  const dw = s.groups !== 1, mult = s.outC / s.inC;
  const values = new Float64Array(n * oh * ow * s.outC);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++) {
        for (let oc = 0; oc < s.outC; oc++) {
          let acc = 0;
          for (let i = 0; i < s.kh; i++) {
            const iy = y * s.strideH - s.pad.top + i * s.dilationH;
            if (iy < 0 || iy >= s.inH) continue;
            for (let j = 0; j < s.kw; j++) {
              const ix = xo * s.strideW - s.pad.left + j * s.dilationW;
              if (ix < 0 || ix >= s.inW) continue;
              const xb = ((b * s.inH + iy) * s.inW + ix) * s.inC;
              if (dw) {
                acc += x[xb + Math.floor(oc / mult)] * w[(i * s.kw + j) * s.outC + oc];
              } else {
                for (let c = 0; c < s.inC; c++) acc += x[xb + c] * w[((i * s.kw + j) * s.inC + c) * s.outC + oc];
              }
            }
          }
          values[((b * oh + y) * ow + xo) * s.outC + oc] = acc;
        }
      }
    }
  }
  return { values, oh, ow };
}

/** x [rows, k] · w [k, n] in float64. */
function denseRef(x: ArrayLike<number>, w: ArrayLike<number>, rows: number, k: number, n: number): Float64Array {
  const y = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let i = 0; i < k; i++) acc += x[r * k + i] * w[i * n + j];
      y[r * n + j] = acc;
    }
  }
  return y;
}

/** tfjs 'same' padding (before, after) along one axis. */
function samePads(size: number, k: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + (k - 1) * dilation + 1 - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** Symmetric per-output-channel quantization (last dim = channel): scale = max|w| / qmax. */
function quantizePerChannel(w: Float32Array, channels: number, qmax: number) {
  const scales = new Float32Array(channels);
  for (let i = 0; i < w.length; i++) scales[i % channels] = Math.max(scales[i % channels], Math.abs(w[i]));
  for (let c = 0; c < channels; c++) scales[c] = scales[c] / qmax || 1;
  const q = Int8Array.from(w, (v, i) => Math.max(-qmax, Math.min(qmax, Math.round(v / scales[i % channels]))));
  return { q, scales };
}

function act(v: number, a: Int8Activation): number {
  if (a === 'relu') return Math.max(0, v);
  if (a === 'relu6') return Math.min(6, Math.max(0, v));
  return v;
}

export const int8Ref = { rng, convRef, denseRef, samePads, quantizePerChannel, act };
