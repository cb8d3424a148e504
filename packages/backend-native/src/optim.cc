// Fused optimizer updates (one pass over the parameters instead of ~14 tfjs
// elementwise kernels). Out-of-place: results go to fresh/pooled arrays.
#include "native_common.h"
#include <cmath>

namespace kiln {
namespace {

// adam(value, grad, m, v, outValue, outM, outV, lr, beta1, beta2, eps,
//      oneMinusAccBeta1, oneMinusAccBeta2) -- same formula as tfjs AdamOptimizer.
Napi::Value Adam(const Napi::CallbackInfo& info) {
  const float* w = F32(info[0]);
  const float* g = F32(info[1]);
  const float* m = F32(info[2]);
  const float* v = F32(info[3]);
  float* ow = F32(info[4]);
  float* om = F32(info[5]);
  float* ov = F32(info[6]);
  float lr = Flt(info[7]), b1 = Flt(info[8]), b2 = Flt(info[9]), eps = Flt(info[10]);
  float c1 = Flt(info[11]), c2 = Flt(info[12]);
  int64_t n = F32Len(info[0]);
  float ib1 = 1.f - b1, ib2 = 1.f - b2;
#pragma omp parallel for schedule(static) if (n > 32768)
  for (int64_t i = 0; i < n; i++) {
    float gi = g[i];
    float mi = m[i] * b1 + gi * ib1;
    float vi = v[i] * b2 + gi * gi * ib2;
    om[i] = mi;
    ov[i] = vi;
    ow[i] = ((mi / c1) / (std::sqrt(vi / c2) + eps)) * (-lr) + w[i];
  }
  return info.Env().Undefined();
}

}  // namespace

void InitOptim(Napi::Env env, Napi::Object exports) {
  exports.Set("adam", Fn(env, Adam));
}

}  // namespace kiln
