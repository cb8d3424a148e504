// Training-mode batch normalisation over every axis but the last (channels
// last), as Kiln's BatchNorm layer runs it: batch statistics and the
// normalised output in one kernel, and the whole gradient (dx, dgamma, dbeta)
// in one more. tfjs composes the same from ~15 small kernels per layer.
#include "native_common.h"
#include <algorithm>
#include <cmath>
#include <vector>

namespace kiln {
namespace {

// Rows per float partial before it is flushed into the double total: short
// enough that float sums stay exact to ~1e-7 relative, long enough to vectorize.
constexpr int64_t kFlush = 64;

// Threads to use and, per thread, two double partial sums of `c` channels.
struct Partials {
  int use;
  int64_t c;
  std::vector<double> v;
  Partials(int64_t rows, int64_t c, int64_t n) : use(RowThreads(n, rows)), c(c) {
    v.assign(static_cast<size_t>(use) * 2 * c, 0.0);
  }
  double* at(int t, int k) { return v.data() + (static_cast<size_t>(t) * 2 + k) * c; }
  // Sum of vector k over threads.
  double total(int k, int64_t j) {
    double s = 0;
    for (int t = 0; t < use; t++) s += at(t, k)[j];
    return s;
  }
};

// Σ (x - shift) and Σ (x - shift)² per channel over rows [r0, r1).
KILN_SIMD void ShiftedSums(const float* x, const float* shift, int64_t c, int64_t r0, int64_t r1, double* s1, double* s2) {
  std::vector<float> a(c, 0.f), b(c, 0.f);
  for (int64_t r = r0; r < r1; r++) {
    const float* p = x + r * c;
    for (int64_t j = 0; j < c; j++) {
      float d = p[j] - shift[j];
      a[j] += d;
      b[j] += d * d;
    }
    if ((r - r0) % kFlush == kFlush - 1 || r + 1 == r1) {
      for (int64_t j = 0; j < c; j++) s1[j] += a[j], s2[j] += b[j], a[j] = b[j] = 0.f;
    }
  }
}

// Σ dy and Σ dy·(x - mean) per channel over rows [r0, r1).
KILN_SIMD void GradSums(const float* x, const float* dy, const float* mean, int64_t c, int64_t r0, int64_t r1,
                        double* s1, double* s2) {
  std::vector<float> a(c, 0.f), b(c, 0.f);
  for (int64_t r = r0; r < r1; r++) {
    const float* p = x + r * c;
    const float* d = dy + r * c;
    for (int64_t j = 0; j < c; j++) {
      a[j] += d[j];
      b[j] += d[j] * (p[j] - mean[j]);
    }
    if ((r - r0) % kFlush == kFlush - 1 || r + 1 == r1) {
      for (int64_t j = 0; j < c; j++) s1[j] += a[j], s2[j] += b[j], a[j] = b[j] = 0.f;
    }
  }
}

// dx = k·dy + a·x + b per channel.
KILN_SIMD void GradDx(const float* x, const float* dy, const float* k, const float* a, const float* b, int64_t c,
                      int64_t r0, int64_t r1, float* dx) {
  for (int64_t r = r0; r < r1; r++) {
    const float* p = x + r * c;
    const float* d = dy + r * c;
    float* o = dx + r * c;
    for (int64_t j = 0; j < c; j++) o[j] = k[j] * d[j] + a[j] * p[j] + b[j];
  }
}

// batchNormTrain(x, gamma, beta, channels, eps, y, mean, variance): batch
// mean and biased variance per channel, y = (x - mean)·rstd·gamma + beta.
Napi::Value BatchNormTrain(const Napi::CallbackInfo& info) {
  Args a(info, "batchNormTrain", 8);
  auto xs = a.F32(0);
  int64_t n = xs.len;
  int64_t c = a.Int(3, 1);
  a.Require(n % c == 0 && n > 0, "channels must divide the (non-zero) size of x");
  const float *x = xs.data, *g = a.F32(1, c).data, *b = a.F32(2, c).data;
  float eps = a.Flt(4);
  a.Require(eps > 0.f, "epsilon must be > 0");
  float* y = a.F32(5, n).data;
  float *mean = a.F32(6, c).data, *var = a.F32(7, c).data;
  int64_t rows = n / c;
  // Shifted by the first row so the one-pass variance does not cancel.
  std::vector<float> shift(x, x + c);
  Partials ps(rows, c, n);
#pragma omp parallel for schedule(static) num_threads(ps.use)
  for (int t = 0; t < ps.use; t++) {
    ShiftedSums(x, shift.data(), c, rows * t / ps.use, rows * (t + 1) / ps.use, ps.at(t, 0), ps.at(t, 1));
  }
  std::vector<float> mul(c), add(c);
  for (int64_t j = 0; j < c; j++) {
    double m1 = ps.total(0, j) / rows, m2 = ps.total(1, j) / rows;
    double v = std::max(0.0, m2 - m1 * m1);
    mean[j] = static_cast<float>(shift[j] + m1);
    var[j] = static_cast<float>(v);
    float rstd = static_cast<float>(1.0 / std::sqrt(v + eps));
    mul[j] = g[j] * rstd;
    add[j] = b[j] - mean[j] * mul[j];
  }
#pragma omp parallel for schedule(static) num_threads(ps.use)
  for (int t = 0; t < ps.use; t++) ChannelAffine(x, mul.data(), add.data(), c, rows * t / ps.use, rows * (t + 1) / ps.use, y);
  return info.Env().Undefined();
}

// batchNormTrainGrad(x, dy, gamma, mean, variance, dmean|null, dvar|null,
// channels, eps, dx, dgamma, dbeta): the gradient of batchNormTrain, also
// through its mean and variance outputs when those have gradients.
Napi::Value BatchNormTrainGrad(const Napi::CallbackInfo& info) {
  Args a(info, "batchNormTrainGrad", 12);
  auto xs = a.F32(0);
  int64_t n = xs.len;
  int64_t c = a.Int(7, 1);
  a.Require(n % c == 0 && n > 0, "channels must divide the (non-zero) size of x");
  const float* x = xs.data;
  const float* dy = a.F32(1, n).data;
  const float *g = a.F32(2, c).data, *mean = a.F32(3, c).data, *var = a.F32(4, c).data;
  const float *dmean = a.OptF32(5, c).data, *dvar = a.OptF32(6, c).data;
  float eps = a.Flt(8);
  a.Require(eps > 0.f, "epsilon must be > 0");
  float* dx = a.F32(9, n).data;
  float *dg = a.F32(10, c).data, *db = a.F32(11, c).data;
  int64_t rows = n / c;
  Partials ps(rows, c, n);
#pragma omp parallel for schedule(static) num_threads(ps.use)
  for (int t = 0; t < ps.use; t++) {
    GradSums(x, dy, mean, c, rows * t / ps.use, rows * (t + 1) / ps.use, ps.at(t, 0), ps.at(t, 1));
  }
  // With s = Σ dy, p = Σ dy·(x - mean), m = rows: dβ = s, dγ = rstd·p,
  // dx = γ·rstd·(dy - s/m - (x - mean)·rstd²·p/m) + dmean/m + dvar·2(x - mean)/m.
  std::vector<float> k(c), ax(c), bx(c);
  for (int64_t j = 0; j < c; j++) {
    double s = ps.total(0, j), p = ps.total(1, j);
    double rstd = 1.0 / std::sqrt(static_cast<double>(var[j]) + eps);
    double kk = g[j] * rstd;
    double aa = -kk * rstd * rstd * p / rows + (dvar ? 2.0 * dvar[j] / rows : 0.0);
    double bb = -kk * s / rows - aa * mean[j] + (dmean ? dmean[j] / static_cast<double>(rows) : 0.0);
    db[j] = static_cast<float>(s);
    dg[j] = static_cast<float>(rstd * p);
    k[j] = static_cast<float>(kk);
    ax[j] = static_cast<float>(aa);
    bx[j] = static_cast<float>(bb);
  }
#pragma omp parallel for schedule(static) num_threads(ps.use)
  for (int t = 0; t < ps.use; t++) {
    GradDx(x, dy, k.data(), ax.data(), bx.data(), c, rows * t / ps.use, rows * (t + 1) / ps.use, dx);
  }
  return info.Env().Undefined();
}

}  // namespace

KILN_SIMD void ChannelAffine(const float* x, const float* mul, const float* add, int64_t c, int64_t r0, int64_t r1,
                             float* y) {
  for (int64_t r = r0; r < r1; r++) {
    const float* p = x + r * c;
    float* q = y + r * c;
    for (int64_t j = 0; j < c; j++) q[j] = p[j] * mul[j] + add[j];
  }
}

void InitBatchNormTrain(Napi::Env env, Napi::Object exports) {
  exports.Set("batchNormTrain", Fn(env, BatchNormTrain));
  exports.Set("batchNormTrainGrad", Fn(env, BatchNormTrainGrad));
}

}  // namespace kiln
