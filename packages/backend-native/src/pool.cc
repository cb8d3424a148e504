// 2D max/avg pooling forward and backward (NHWC), matching tfjs-cpu
// semantics exactly: max picks the first maximum in row-major window order;
// avg forward divides by the number of valid pixels, avg backward by the
// full window size (as tfjs-backend-cpu does). Parallel over batch*rows.
#include "native_common.h"
#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

namespace kiln {
namespace {

// Params (Int32Array): N IH IW C OH OW KH KW SH SW PT PL
struct Q {
  int64_t n, ih, iw, c, oh, ow, kh, kw, sh, sw, pt, pl;
};
Q Read(const Args& a) {
  auto s = a.I32(0);
  a.Len(0, s.len, 12);
  const int32_t* p = s.data;
  Q q{p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11]};
  for (int k = 0; k < 10; k++) a.Require(p[k] > 0, "pool params: entry " + std::to_string(k) + " must be positive");
  a.Require(q.pt >= 0 && q.pl >= 0, "pool params: negative padding");
  // maxPoolGrad keeps per-image offsets in int32.
  a.Require(q.ih * q.iw * q.c < (int64_t(1) << 31), "pool params: image too large");
  a.Product({q.n, q.ih, q.iw, q.c});
  a.Product({q.n, q.oh, q.ow, q.c});
  return q;
}
int64_t XLen(const Q& q) { return q.n * q.ih * q.iw * q.c; }
int64_t YLen(const Q& q) { return q.n * q.oh * q.ow * q.c; }

// Forward pass for one output row (b, oy), accumulating straight into y (no
// scratch), one clone per x86-64 level (KILN_SIMD): max pooling reads 4-9
// floats per output and is memory-bound, so the baseline SSE2 loop with a
// per-row allocation cost ~2x in the int8 forward and in every training step.
KILN_SIMD void MaxFwdRow(const Q& q, const float* x, float* y, int64_t b, int64_t oy) {
  const float ninf = -std::numeric_limits<float>::infinity();
  int64_t r0 = oy * q.sh - q.pt;
  int64_t rmin = std::max<int64_t>(0, r0), rmax = std::min(q.ih, r0 + q.kh);
  for (int64_t ox = 0; ox < q.ow; ox++) {
    int64_t c0 = ox * q.sw - q.pl;
    int64_t cmin = std::max<int64_t>(0, c0), cmax = std::min(q.iw, c0 + q.kw);
    float* __restrict py = y + ((b * q.oh + oy) * q.ow + ox) * q.c;
    for (int64_t d = 0; d < q.c; d++) py[d] = ninf;
    for (int64_t r = rmin; r < rmax; r++) {
      for (int64_t cc = cmin; cc < cmax; cc++) {
        const float* __restrict px = x + ((b * q.ih + r) * q.iw + cc) * q.c;
        // NaN never wins (as before): a window of NaNs gives -inf, like tfjs-cpu.
        for (int64_t d = 0; d < q.c; d++) py[d] = px[d] > py[d] ? px[d] : py[d];
      }
    }
  }
}

KILN_SIMD void AvgFwdRow(const Q& q, const float* x, float* y, int64_t b, int64_t oy) {
  int64_t r0 = oy * q.sh - q.pt;
  int64_t rmin = std::max<int64_t>(0, r0), rmax = std::min(q.ih, r0 + q.kh);
  for (int64_t ox = 0; ox < q.ow; ox++) {
    int64_t c0 = ox * q.sw - q.pl;
    int64_t cmin = std::max<int64_t>(0, c0), cmax = std::min(q.iw, c0 + q.kw);
    float* __restrict py = y + ((b * q.oh + oy) * q.ow + ox) * q.c;
    for (int64_t d = 0; d < q.c; d++) py[d] = 0.f;
    for (int64_t r = rmin; r < rmax; r++) {
      for (int64_t cc = cmin; cc < cmax; cc++) {
        const float* __restrict px = x + ((b * q.ih + r) * q.iw + cc) * q.c;
        for (int64_t d = 0; d < q.c; d++) py[d] += px[d];
      }
    }
    float inv = 1.f / static_cast<float>((rmax - rmin) * (cmax - cmin));
    for (int64_t d = 0; d < q.c; d++) py[d] *= inv;
  }
}

Napi::Value PoolFwd(const Napi::CallbackInfo& info, int mode) {
  Args a(info, mode == 0 ? "maxPool" : "avgPool", 3);
  Q q = Read(a);
  const float* x = a.F32(1, XLen(q)).data;
  float* y = a.F32(2, YLen(q)).data;
  int64_t total = q.n * q.oh;
#pragma omp parallel for schedule(static)
  for (int64_t t = 0; t < total; t++) {
    if (mode == 0) MaxFwdRow(q, x, y, t / q.oh, t % q.oh);
    else AvgFwdRow(q, x, y, t / q.oh, t % q.oh);
  }
  return info.Env().Undefined();
}

// Windows that tile the input (stride = window, no leading padding, e.g. the
// usual 2x2/2): each input pixel is in at most one window, so dx is written
// once per pixel, vectorized over channels, with no zero fill and no scatter.
// `taken` keeps the first maximum in row-major window order, as tfjs does.
KILN_SIMD void MaxGradTiledRow(const Q& q, const float* x, const float* dy, float* dx, int64_t b, int64_t oy) {
  const float ninf = -std::numeric_limits<float>::infinity();
  std::vector<float> best(q.c), taken(q.c);
  int64_t rmin = oy * q.sh, rmax = std::min(q.ih, rmin + q.kh);
  for (int64_t ox = 0; ox < q.ow; ox++) {
    int64_t cmin = ox * q.sw, cmax = std::min(q.iw, cmin + q.kw);
    float* bp = best.data();
    float* tk = taken.data();
    for (int64_t d = 0; d < q.c; d++) bp[d] = ninf, tk[d] = 0.f;
    for (int64_t r = rmin; r < rmax; r++)
      for (int64_t cc = cmin; cc < cmax; cc++) {
        const float* px = x + ((b * q.ih + r) * q.iw + cc) * q.c;
        for (int64_t d = 0; d < q.c; d++) bp[d] = px[d] > bp[d] ? px[d] : bp[d];
      }
    const float* pdy = dy + ((b * q.oh + oy) * q.ow + ox) * q.c;
    for (int64_t r = rmin; r < rmax; r++)
      for (int64_t cc = cmin; cc < cmax; cc++) {
        int64_t off = ((b * q.ih + r) * q.iw + cc) * q.c;
        const float* px = x + off;
        float* pd = dx + off;
        for (int64_t d = 0; d < q.c; d++) {
          bool hit = px[d] == bp[d] && bp[d] > ninf && tk[d] == 0.f;
          pd[d] = hit ? pdy[d] : 0.f;
          tk[d] = hit ? 1.f : tk[d];
        }
      }
  }
}

// maxPoolGrad(params, x, dy, dx): route dy to the first max of each window.
Napi::Value MaxGrad(const Napi::CallbackInfo& info) {
  Args a(info, "maxPoolGrad", 4);
  Q q = Read(a);
  const float* x = a.F32(1, XLen(q)).data;
  const float* dy = a.F32(2, YLen(q)).data;
  float* dx = a.F32(3, XLen(q)).data;
  const float ninf = -std::numeric_limits<float>::infinity();
  if (q.sh == q.kh && q.sw == q.kw && q.pt == 0 && q.pl == 0) {
    // Pixels past the last window (input not a multiple of the stride) get no gradient.
    if (q.oh * q.kh < q.ih || q.ow * q.kw < q.iw) std::memset(dx, 0, XLen(q) * sizeof(float));
    int64_t total = q.n * q.oh;
#pragma omp parallel for schedule(static)
    for (int64_t t = 0; t < total; t++) MaxGradTiledRow(q, x, dy, dx, t / q.oh, t % q.oh);
    return info.Env().Undefined();
  }
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < q.n; b++) {
    float* dxb = dx + b * q.ih * q.iw * q.c;
    std::memset(dxb, 0, q.ih * q.iw * q.c * sizeof(float));
    std::vector<float> best(q.c);
    std::vector<int32_t> pos(q.c);
    const float* xb = x + b * q.ih * q.iw * q.c;
    for (int64_t oy = 0; oy < q.oh; oy++) {
      int64_t r0 = oy * q.sh - q.pt;
      int64_t rmin = std::max<int64_t>(0, r0), rmax = std::min(q.ih, r0 + q.kh);
      for (int64_t ox = 0; ox < q.ow; ox++) {
        int64_t c0 = ox * q.sw - q.pl;
        int64_t cmin = std::max<int64_t>(0, c0), cmax = std::min(q.iw, c0 + q.kw);
        float* bp = best.data();
        int32_t* pp = pos.data();
        for (int64_t d = 0; d < q.c; d++) { bp[d] = ninf; pp[d] = -1; }
        for (int64_t r = rmin; r < rmax; r++) {
          for (int64_t cc = cmin; cc < cmax; cc++) {
            int32_t off = static_cast<int32_t>((r * q.iw + cc) * q.c);
            const float* px = xb + off;
            // Branchless (vectorizable) "first strict maximum" update.
            for (int64_t d = 0; d < q.c; d++) {
              bool gt = px[d] > bp[d];
              bp[d] = gt ? px[d] : bp[d];
              pp[d] = gt ? off + static_cast<int32_t>(d) : pp[d];
            }
          }
        }
        const float* pdy = dy + ((b * q.oh + oy) * q.ow + ox) * q.c;
        for (int64_t d = 0; d < q.c; d++)
          if (pos[d] >= 0) dxb[pos[d]] += pdy[d];
      }
    }
  }
  return info.Env().Undefined();
}

// avgPoolGrad(params, dy, dx): dx = sum of covering dy / (kh*kw).
Napi::Value AvgGrad(const Napi::CallbackInfo& info) {
  Args a(info, "avgPoolGrad", 3);
  Q q = Read(a);
  const float* dy = a.F32(1, YLen(q)).data;
  float* dx = a.F32(2, XLen(q)).data;
  float inv = 1.f / static_cast<float>(q.kh * q.kw);
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < q.n; b++) {
    float* dxb = dx + b * q.ih * q.iw * q.c;
    std::memset(dxb, 0, q.ih * q.iw * q.c * sizeof(float));
    for (int64_t oy = 0; oy < q.oh; oy++) {
      int64_t r0 = oy * q.sh - q.pt;
      int64_t rmin = std::max<int64_t>(0, r0), rmax = std::min(q.ih, r0 + q.kh);
      for (int64_t ox = 0; ox < q.ow; ox++) {
        int64_t c0 = ox * q.sw - q.pl;
        int64_t cmin = std::max<int64_t>(0, c0), cmax = std::min(q.iw, c0 + q.kw);
        const float* pdy = dy + ((b * q.oh + oy) * q.ow + ox) * q.c;
        for (int64_t r = rmin; r < rmax; r++)
          for (int64_t cc = cmin; cc < cmax; cc++) {
            float* p = dxb + (r * q.iw + cc) * q.c;
            for (int64_t d = 0; d < q.c; d++) p[d] += pdy[d] * inv;
          }
      }
    }
  }
  return info.Env().Undefined();
}

}  // namespace

void InitPool(Napi::Env env, Napi::Object exports) {
  exports.Set("maxPool", Fn(env, [](const Napi::CallbackInfo& i) { return PoolFwd(i, 0); }));
  exports.Set("avgPool", Fn(env, [](const Napi::CallbackInfo& i) { return PoolFwd(i, 1); }));
  exports.Set("maxPoolGrad", Fn(env, MaxGrad));
  exports.Set("avgPoolGrad", Fn(env, AvgGrad));
}

}  // namespace kiln
