// Fused optimizer updates with PyTorch semantics (KilnApplyAdam / ApplySgd /
// ApplyRmsProp): one pass per variable, out of place (inputs unchanged).
#include "native_common.h"
#include <cmath>

namespace kiln {
namespace {


// adam(p, g, m, v, outP, outM, outV, lr, beta1, beta2, eps, step, weightDecay, decoupled)
Napi::Value Adam(const Napi::CallbackInfo& info) {
  Args a(info, "adam", 14);
  auto ps = a.F32(0);
  int64_t n = ps.len;
  const float *p = ps.data, *g = a.F32(1, n).data, *m = a.F32(2, n).data, *v = a.F32(3, n).data;
  float *op = a.F32(4, n).data, *om = a.F32(5, n).data, *ov = a.F32(6, n).data;
  double lr = a.Num(7), b1 = a.Num(8), b2 = a.Num(9), eps = a.Num(10);
  int64_t step = a.Int(11, 1, int64_t(1) << 53);
  double wd = a.Num(12);
  bool decoupled = a.Bool(13);
  double bc1 = 1.0 - std::pow(b1, static_cast<double>(step)), bc2 = 1.0 - std::pow(b2, static_cast<double>(step));
  a.Require(bc1 > 0 && bc2 > 0, "beta1 and beta2 must be below 1");
  const float stepSize = static_cast<float>(lr / bc1), invSqrtBc2 = static_cast<float>(1.0 / std::sqrt(bc2));
  const float fb1 = static_cast<float>(b1), fb2 = static_cast<float>(b2), fe = static_cast<float>(eps);
  const float l2 = decoupled ? 0.f : static_cast<float>(wd);
  const float shrink = decoupled ? static_cast<float>(1.0 - lr * wd) : 1.f;
#pragma omp parallel for schedule(static) if (n > kPar)
  for (int64_t i = 0; i < n; i++) {
    float gi = g[i] + l2 * p[i];
    float mi = fb1 * m[i] + (1.f - fb1) * gi;
    float vi = fb2 * v[i] + (1.f - fb2) * gi * gi;
    om[i] = mi;
    ov[i] = vi;
    op[i] = p[i] * shrink - stepSize * mi / (std::sqrt(vi) * invSqrtBc2 + fe);
  }
  return info.Env().Undefined();
}

// sgd(p, g, velocity|null, outP, outVelocity|null, lr, momentum, dampening,
//     nesterov, weightDecay, firstStep)
Napi::Value Sgd(const Napi::CallbackInfo& info) {
  Args a(info, "sgd", 11);
  auto ps = a.F32(0);
  int64_t n = ps.len;
  const float *p = ps.data, *g = a.F32(1, n).data;
  float lr = a.Flt(5), mom = a.Flt(6), damp = a.Flt(7);
  bool nesterov = a.Bool(8);
  float wd = a.Flt(9);
  bool first = a.Bool(10);
  float* op = a.F32(3, n).data;
  if (mom == 0.f) {
#pragma omp parallel for schedule(static) if (n > kPar)
    for (int64_t i = 0; i < n; i++) op[i] = p[i] - lr * (g[i] + wd * p[i]);
    return info.Env().Undefined();
  }
  const float* vel = first ? a.OptF32(2, n).data : a.F32(2, n).data;
  float* ov = a.F32(4, n).data;
#pragma omp parallel for schedule(static) if (n > kPar)
  for (int64_t i = 0; i < n; i++) {
    float gi = g[i] + wd * p[i];
    float b = first ? gi : mom * vel[i] + (1.f - damp) * gi;
    ov[i] = b;
    op[i] = p[i] - lr * (nesterov ? gi + mom * b : b);
  }
  return info.Env().Undefined();
}

// rmsprop(p, g, squareAvg, momentumBuf|null, gradAvg|null, outP, outSquareAvg,
//         outMomentumBuf|null, outGradAvg|null, lr, alpha, eps, momentum,
//         centered, weightDecay)
Napi::Value RmsProp(const Napi::CallbackInfo& info) {
  Args a(info, "rmsprop", 15);
  auto ps = a.F32(0);
  int64_t n = ps.len;
  const float *p = ps.data, *g = a.F32(1, n).data, *sq = a.F32(2, n).data;
  float lr = a.Flt(9), alpha = a.Flt(10), eps = a.Flt(11), mom = a.Flt(12);
  bool centered = a.Bool(13);
  float wd = a.Flt(14);
  const float* mb = mom > 0.f ? a.F32(3, n).data : nullptr;
  const float* ga = centered ? a.F32(4, n).data : nullptr;
  float *op = a.F32(5, n).data, *osq = a.F32(6, n).data;
  float* omb = mom > 0.f ? a.F32(7, n).data : nullptr;
  float* oga = centered ? a.F32(8, n).data : nullptr;
#pragma omp parallel for schedule(static) if (n > kPar)
  for (int64_t i = 0; i < n; i++) {
    float gi = g[i] + wd * p[i];
    float s = alpha * sq[i] + (1.f - alpha) * gi * gi;
    osq[i] = s;
    float avg;
    if (centered) {
      float ag = alpha * ga[i] + (1.f - alpha) * gi;
      oga[i] = ag;
      avg = std::sqrt(s - ag * ag) + eps;
    } else {
      avg = std::sqrt(s) + eps;
    }
    if (mb) {
      float b = mom * mb[i] + gi / avg;
      omb[i] = b;
      op[i] = p[i] - lr * b;
    } else {
      op[i] = p[i] - lr * gi / avg;
    }
  }
  return info.Env().Undefined();
}

}  // namespace

void InitOptimizers(Napi::Env env, Napi::Object exports) {
  exports.Set("adam", Fn(env, Adam));
  exports.Set("sgd", Fn(env, Sgd));
  exports.Set("rmsprop", Fn(env, RmsProp));
}

}  // namespace kiln
