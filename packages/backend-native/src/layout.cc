// Layout/normalization helpers: general broadcasting binary ops, Tile, and
// FusedBatchNorm (inference form, also used in training by tfjs-layers).
#include "native_common.h"
#include <cmath>
#include <cstring>
#include <algorithm>
#include <vector>

namespace kiln {
namespace {

template <int OP>
inline float Op(float a, float b) {
  switch (OP) {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a * b;
    case 3: return a / b;
    case 4: return a > b ? a : b;
    case 5: return a < b ? a : b;
    default: return (a - b) * (a - b);
  }
}

// Rows of the (collapsed) output: out[r, i] = a[offA(r) + i*sa] op b[...].
template <int OP>
void Strided(const float* a, const float* b, float* o, const std::vector<int64_t>& shape,
             const std::vector<int64_t>& sa, const std::vector<int64_t>& sb) {
  int rank = static_cast<int>(shape.size());
  int64_t inner = shape[rank - 1], ia = sa[rank - 1], ib = sb[rank - 1];
  int64_t rows = 1;
  for (int d = 0; d < rank - 1; d++) rows *= shape[d];
#pragma omp parallel for schedule(static) if (rows * inner > 32768)
  for (int64_t r = 0; r < rows; r++) {
    int64_t rem = r, oa = 0, ob = 0;
    for (int d = rank - 2; d >= 0; d--) {
      int64_t idx = rem % shape[d];
      rem /= shape[d];
      oa += idx * sa[d];
      ob += idx * sb[d];
    }
    const float* pa = a + oa;
    const float* pb = b + ob;
    float* po = o + r * inner;
    if (ia == 1 && ib == 1) {
      for (int64_t i = 0; i < inner; i++) po[i] = Op<OP>(pa[i], pb[i]);
    } else if (ia == 0 && ib == 1) {
      float va = pa[0];
      for (int64_t i = 0; i < inner; i++) po[i] = Op<OP>(va, pb[i]);
    } else if (ia == 1 && ib == 0) {
      float vb = pb[0];
      for (int64_t i = 0; i < inner; i++) po[i] = Op<OP>(pa[i], vb);
    } else {
      for (int64_t i = 0; i < inner; i++) po[i] = Op<OP>(pa[i * ia], pb[i * ib]);
    }
  }
}

std::vector<int64_t> Vec(const Napi::Value& v) {
  auto a = v.As<Napi::Int32Array>();
  return std::vector<int64_t>(a.Data(), a.Data() + a.ElementLength());
}

// binaryStrided(op, a, b, out, shape, stridesA, stridesB)
Napi::Value BinaryStrided(const Napi::CallbackInfo& info) {
  int op = static_cast<int>(Int(info[0]));
  const float* a = F32(info[1]);
  const float* b = F32(info[2]);
  float* o = F32(info[3]);
  auto shape = Vec(info[4]), sa = Vec(info[5]), sb = Vec(info[6]);
  if (shape.empty()) throw Napi::Error::New(info.Env(), "rank 0");
  switch (op) {
    case 0: Strided<0>(a, b, o, shape, sa, sb); break;
    case 1: Strided<1>(a, b, o, shape, sa, sb); break;
    case 2: Strided<2>(a, b, o, shape, sa, sb); break;
    case 3: Strided<3>(a, b, o, shape, sa, sb); break;
    case 4: Strided<4>(a, b, o, shape, sa, sb); break;
    case 5: Strided<5>(a, b, o, shape, sa, sb); break;
    case 6: Strided<6>(a, b, o, shape, sa, sb); break;
    default: throw Napi::Error::New(info.Env(), "bad op");
  }
  return info.Env().Undefined();
}

// tile(x, xShape, reps, out): out dims = xShape[d] * reps[d].
Napi::Value Tile(const Napi::CallbackInfo& info) {
  const float* x = F32(info[0]);
  auto xs = Vec(info[1]), reps = Vec(info[2]);
  float* o = F32(info[3]);
  int rank = static_cast<int>(xs.size());
  std::vector<int64_t> os(rank);
  for (int d = 0; d < rank; d++) os[d] = xs[d] * reps[d];
  int64_t inner = os[rank - 1], xin = xs[rank - 1];
  int64_t rows = 1;
  for (int d = 0; d < rank - 1; d++) rows *= os[d];
  std::vector<int64_t> xstr(rank, 1);
  for (int d = rank - 2; d >= 0; d--) xstr[d] = xstr[d + 1] * xs[d + 1];
#pragma omp parallel for schedule(static) if (rows * inner > 32768)
  for (int64_t r = 0; r < rows; r++) {
    int64_t rem = r, off = 0;
    for (int d = rank - 2; d >= 0; d--) {
      off += (rem % os[d]) % xs[d] * xstr[d];
      rem /= os[d];
    }
    float* po = o + r * inner;
    for (int64_t k = 0; k < reps[rank - 1]; k++) std::memcpy(po + k * xin, x + off, xin * sizeof(float));
  }
  return info.Env().Undefined();
}

// batchNorm(x, mean, variance, offset|null, scale|null, eps, channels, out):
// params have 1 or `channels` (= last dim) entries.
Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  const float* x = F32(info[0]);
  int64_t n = F32Len(info[0]);
  auto opt = [&](int i) -> std::pair<const float*, int64_t> {
    if (info[i].IsNull() || info[i].IsUndefined()) return {nullptr, 0};
    return {F32(info[i]), static_cast<int64_t>(F32Len(info[i]))};
  };
  auto m = opt(1), v = opt(2), off = opt(3), sc = opt(4);
  float eps = Flt(info[5]);
  int64_t c = Int(info[6]);
  float* o = F32(info[7]);
  std::vector<float> mul(c), add(c);
  for (int64_t j = 0; j < c; j++) {
    float mj = m.first[m.second == 1 ? 0 : j];
    float vj = v.first[v.second == 1 ? 0 : j];
    float sj = sc.first ? sc.first[sc.second == 1 ? 0 : j] : 1.f;
    float oj = off.first ? off.first[off.second == 1 ? 0 : j] : 0.f;
    mul[j] = sj / std::sqrt(vj + eps);
    add[j] = oj - mj * mul[j];
  }
  int64_t rows = n / c;
#pragma omp parallel for schedule(static) if (n > 32768)
  for (int64_t r = 0; r < rows; r++) {
    const float* px = x + r * c;
    float* po = o + r * c;
    for (int64_t j = 0; j < c; j++) po[j] = px[j] * mul[j] + add[j];
  }
  return info.Env().Undefined();
}

}  // namespace

void InitLayout(Napi::Env env, Napi::Object exports) {
  exports.Set("binaryStrided", Fn(env, BinaryStrided));
  exports.Set("tile", Fn(env, Tile));
  exports.Set("batchNorm", Fn(env, BatchNorm));
}

}  // namespace kiln

namespace kiln {
namespace {

// batchNormGrad(x, dy, mean, variance, scale|null, eps, channels,
//               dx, dmean, dvar, dscale, doffset): the tfjs FusedBatchNorm
// gradient (mean/variance/scale per channel) in one pass over x and dy.
Napi::Value BatchNormGrad(const Napi::CallbackInfo& info) {
  const float* x = F32(info[0]);
  const float* dy = F32(info[1]);
  const float* mean = F32(info[2]);
  const float* var = F32(info[3]);
  const float* scale = info[4].IsNull() || info[4].IsUndefined() ? nullptr : F32(info[4]);
  float eps = Flt(info[5]);
  int64_t c = Int(info[6]);
  float* dx = F32(info[7]);
  float *dmean = F32(info[8]), *dvar = F32(info[9]), *dscale = F32(info[10]), *doff = F32(info[11]);
  int64_t n = F32Len(info[0]), rows = n / c;
  std::vector<float> inv(c), mul(c);
  for (int64_t j = 0; j < c; j++) {
    inv[j] = 1.f / std::sqrt(var[j] + eps);
    mul[j] = inv[j] * (scale ? scale[j] : 1.f);
  }
  int nt = std::max(1, NumThreads());
  int use = n > 32768 ? nt : 1;
  std::vector<double> sdy(static_cast<size_t>(use) * c, 0.0), sdx(static_cast<size_t>(use) * c, 0.0);
#pragma omp parallel for schedule(static) num_threads(use)
  for (int t = 0; t < use; t++) {
    int64_t r0 = rows * t / use, r1 = rows * (t + 1) / use;
    std::vector<float> a(c, 0.f), b(c, 0.f);
    for (int64_t r = r0; r < r1; r++) {
      const float* px = x + r * c;
      const float* pd = dy + r * c;
      float* po = dx + r * c;
      for (int64_t j = 0; j < c; j++) {
        float d = pd[j];
        po[j] = d * mul[j];
        a[j] += d;
        b[j] += d * (px[j] - mean[j]);
      }
      if (((r - r0) & 255) == 255) {  // flush float partials to double
        for (int64_t j = 0; j < c; j++) {
          sdy[t * c + j] += a[j];
          sdx[t * c + j] += b[j];
          a[j] = b[j] = 0.f;
        }
      }
    }
    for (int64_t j = 0; j < c; j++) {
      sdy[t * c + j] += a[j];
      sdx[t * c + j] += b[j];
    }
  }
  for (int64_t j = 0; j < c; j++) {
    double sd = 0, sx = 0;
    for (int t = 0; t < use; t++) {
      sd += sdy[t * c + j];
      sx += sdx[t * c + j];
    }
    float s = scale ? scale[j] : 1.f;
    float i3 = inv[j] * inv[j] * inv[j];
    doff[j] = static_cast<float>(sd);
    dmean[j] = static_cast<float>(-inv[j] * s * sd);
    dvar[j] = static_cast<float>(-0.5 * i3 * s * sx);
    dscale[j] = static_cast<float>(inv[j] * sx);
  }
  return info.Env().Undefined();
}

// reluGrad(dy, y, out): dy where y > 0 else 0 (NaN in y propagates as tfjs
// step does: step(NaN) = NaN).
Napi::Value ReluGrad(const Napi::CallbackInfo& info) {
  const float* dy = F32(info[0]);
  const float* y = F32(info[1]);
  float* o = F32(info[2]);
  int64_t n = F32Len(info[0]);
#pragma omp parallel for schedule(static) if (n > 32768)
  for (int64_t i = 0; i < n; i++) {
    float v = y[i];
    float step = v > 0.f ? 1.f : 0.f;  // branchless, exactly dy * step(y)
    step = v != v ? v : step;
    o[i] = dy[i] * step;
  }
  return info.Env().Undefined();
}

}  // namespace

void InitGrads(Napi::Env env, Napi::Object exports) {
  exports.Set("batchNormGrad", Fn(env, BatchNormGrad));
  exports.Set("reluGrad", Fn(env, ReluGrad));
}

}  // namespace kiln
