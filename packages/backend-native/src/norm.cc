// Normalisation kernels: FusedBatchNorm forward (parameters scalar, per
// channel or full-size) and gradients, Kiln's LayerNorm (forward and
// gradient), Softmax / LogSoftmax over the last axis (forward and gradient).
#include "native_common.h"
#include <algorithm>
#include <cmath>
#include <vector>

namespace kiln {
namespace {


// batchNorm(x, mean, variance, offset|null, scale|null, eps, channels, out):
// each parameter has 1, `channels` (last dim) or n elements.
Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  Args a(info, "batchNorm", 8);
  auto x = a.F32(0);
  int64_t n = x.len;
  float eps = a.Flt(5);
  int64_t c = a.Int(6, 1);
  a.Require(n % c == 0, "channels do not divide the size of x");
  auto o = a.F32(7, n);
  auto take = [&](int i, bool opt) {
    auto s = opt ? a.OptF32(i) : a.F32(i);
    if (s && s.len != 1 && s.len != c && s.len != n) a.Range("parameter " + std::to_string(i) + " must have 1, channels or n elements");
    return s;
  };
  auto m = take(1, false), v = take(2, false), off = take(3, true), sc = take(4, true);
  bool full = m.len == n || v.len == n || off.len == n || sc.len == n;
  auto at = [n, c](const Span<float>& s, int64_t i, float dflt) {
    if (!s) return dflt;
    if (s.len == 1) return s.data[0];
    if (s.len == n) return s.data[i];
    return s.data[i % c];
  };
  if (full && n != c) {
#pragma omp parallel for schedule(static) if (n > kPar)
    for (int64_t i = 0; i < n; i++) {
      float mul = at(sc, i, 1.f) / std::sqrt(at(v, i, 0.f) + eps);
      o.data[i] = (x.data[i] - at(m, i, 0.f)) * mul + at(off, i, 0.f);
    }
    return info.Env().Undefined();
  }
  std::vector<float> mul(c), add(c);
  for (int64_t j = 0; j < c; j++) {
    mul[j] = at(sc, j, 1.f) / std::sqrt(at(v, j, 0.f) + eps);
    add[j] = at(off, j, 0.f) - at(m, j, 0.f) * mul[j];
  }
  int64_t rows = n / c;
  int use = RowThreads(n, rows);
#pragma omp parallel for schedule(static) num_threads(use)
  for (int t = 0; t < use; t++) ChannelAffine(x.data, mul.data(), add.data(), c, rows * t / use, rows * (t + 1) / use, o.data);
  return info.Env().Undefined();
}

// batchNormGrad(x, dy, mean, variance, scale|null, eps, channels, dx, dmean,
// dvar, dscale, doffset): the tfjs FusedBatchNorm gradient with per-channel
// parameters in one pass over x and dy.
Napi::Value BatchNormGrad(const Napi::CallbackInfo& info) {
  Args a(info, "batchNormGrad", 12);
  auto xs = a.F32(0);
  int64_t n = xs.len;
  int64_t c = a.Int(6, 1);
  a.Require(n % c == 0, "channels do not divide the size of x");
  const float* x = xs.data;
  const float* dy = a.F32(1, n).data;
  const float* mean = a.F32(2, c).data;
  const float* var = a.F32(3, c).data;
  const float* scale = a.OptF32(4, c).data;
  float eps = a.Flt(5);
  float* dx = a.F32(7, n).data;
  float *dmean = a.F32(8, c).data, *dvar = a.F32(9, c).data, *dscale = a.F32(10, c).data, *doff = a.F32(11, c).data;
  int64_t rows = n / c;
  std::vector<float> inv(c), mul(c);
  for (int64_t j = 0; j < c; j++) {
    inv[j] = 1.f / std::sqrt(var[j] + eps);
    mul[j] = inv[j] * (scale ? scale[j] : 1.f);
  }
  int use = RowThreads(n, rows);
  std::vector<double> sdy(static_cast<size_t>(use) * c, 0.0), sdx(static_cast<size_t>(use) * c, 0.0);
#pragma omp parallel for schedule(static) num_threads(use)
  for (int t = 0; t < use; t++) {
    int64_t r0 = rows * t / use, r1 = rows * (t + 1) / use;
    std::vector<float> sa(c, 0.f), sb(c, 0.f);
    for (int64_t r = r0; r < r1; r++) {
      const float* px = x + r * c;
      const float* pd = dy + r * c;
      float* po = dx + r * c;
      for (int64_t j = 0; j < c; j++) {
        float d = pd[j];
        po[j] = d * mul[j];
        sa[j] += d;
        sb[j] += d * (px[j] - mean[j]);
      }
      if (((r - r0) & 255) == 255) {  // flush float partials to double
        for (int64_t j = 0; j < c; j++) {
          sdy[t * c + j] += sa[j];
          sdx[t * c + j] += sb[j];
          sa[j] = sb[j] = 0.f;
        }
      }
    }
    for (int64_t j = 0; j < c; j++) {
      sdy[t * c + j] += sa[j];
      sdx[t * c + j] += sb[j];
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

// batchNormGradFull(x, dy, mean, variance, scale|null, eps, dx, dmean, dvar,
// dscale): the same gradient when every parameter has x's shape (tfjs-layers'
// LayerNormalization tiles them), elementwise; doffset is dy itself.
Napi::Value BatchNormGradFull(const Napi::CallbackInfo& info) {
  Args a(info, "batchNormGradFull", 10);
  auto xs = a.F32(0);
  int64_t n = xs.len;
  const float *x = xs.data, *dy = a.F32(1, n).data, *m = a.F32(2, n).data, *v = a.F32(3, n).data;
  const float* s = a.OptF32(4, n).data;
  float eps = a.Flt(5);
  float *dx = a.F32(6, n).data, *dm = a.F32(7, n).data, *dv = a.F32(8, n).data, *ds = a.F32(9, n).data;
#pragma omp parallel for schedule(static) if (n > kPar)
  for (int64_t i = 0; i < n; i++) {
    float inv = 1.f / std::sqrt(v[i] + eps), sc = s ? s[i] : 1.f, d = dy[i], xc = x[i] - m[i];
    dx[i] = d * sc * inv;
    dm[i] = -d * sc * inv;
    dv[i] = -0.5f * d * sc * xc * inv * inv * inv;
    ds[i] = d * xc * inv;
  }
  return info.Env().Undefined();
}

// Mean and 1/sqrt(var + eps) of one row (two passes, biased variance).
// `omp simd reduction` lets the sums vectorize without -ffast-math.
inline void RowStats(const float* p, int64_t cols, float eps, float* mean, float* rstd) {
  double s = 0;
#pragma omp simd reduction(+ : s)
  for (int64_t j = 0; j < cols; j++) s += p[j];
  float mu = static_cast<float>(s / cols);
  double q = 0;
#pragma omp simd reduction(+ : q)
  for (int64_t j = 0; j < cols; j++) {
    float d = p[j] - mu;
    q += d * d;
  }
  *mean = mu;
  *rstd = 1.f / std::sqrt(static_cast<float>(q / cols) + eps);
}

KILN_SIMD void LayerNormRows(const float* x, const float* g, const float* b, int64_t cols, float eps, int64_t r0,
                             int64_t r1, float* y) {
  for (int64_t r = r0; r < r1; r++) {
    const float* p = x + r * cols;
    float* q = y + r * cols;
    float mu, rs;
    RowStats(p, cols, eps, &mu, &rs);
    for (int64_t j = 0; j < cols; j++) q[j] = (p[j] - mu) * rs * g[j] + b[j];
  }
}

// layerNorm(x, gamma, beta, cols, eps, y): over the last axis of `cols`.
Napi::Value LayerNorm(const Napi::CallbackInfo& info) {
  Args a(info, "layerNorm", 6);
  auto x = a.F32(0);
  int64_t cols = a.Int(3, 1);
  a.Require(x.len % cols == 0, "cols do not divide the size of x");
  const float *g = a.F32(1, cols).data, *b = a.F32(2, cols).data;
  float eps = a.Flt(4);
  float* y = a.F32(5, x.len).data;
  int64_t rows = x.len / cols;
  int use = RowThreads(x.len, rows);
#pragma omp parallel for schedule(static) num_threads(use)
  for (int t = 0; t < use; t++) LayerNormRows(x.data, g, b, cols, eps, rows * t / use, rows * (t + 1) / use, y);
  return info.Env().Undefined();
}

// Rows [r0, r1) of the LayerNorm gradient; dgamma/dbeta partials added into tg/tb.
KILN_SIMD void LayerNormGradRows(const float* x, const float* g, const float* dy, int64_t cols, float eps, int64_t r0,
                                 int64_t r1, float* dx, double* tg, double* tb) {
  std::vector<float> xh(cols);
  for (int64_t r = r0; r < r1; r++) {
    const float* p = x + r * cols;
    const float* d = dy + r * cols;
    float* o = dx + r * cols;
    float mu, rs;
    RowStats(p, cols, eps, &mu, &rs);
    double s1 = 0, s2 = 0;
#pragma omp simd reduction(+ : s1, s2)
    for (int64_t j = 0; j < cols; j++) {
      xh[j] = (p[j] - mu) * rs;
      float gd = d[j] * g[j];
      s1 += gd;
      s2 += gd * xh[j];
      tg[j] += d[j] * xh[j];
      tb[j] += d[j];
    }
    float m1 = static_cast<float>(s1 / cols), m2 = static_cast<float>(s2 / cols);
    for (int64_t j = 0; j < cols; j++) o[j] = rs * (d[j] * g[j] - m1 - xh[j] * m2);
  }
}

// layerNormGrad(x, gamma, dy, cols, eps, dx, dgamma, dbeta)
Napi::Value LayerNormGrad(const Napi::CallbackInfo& info) {
  Args a(info, "layerNormGrad", 8);
  auto x = a.F32(0);
  int64_t cols = a.Int(3, 1);
  a.Require(x.len % cols == 0, "cols do not divide the size of x");
  const float* g = a.F32(1, cols).data;
  const float* dy = a.F32(2, x.len).data;
  float eps = a.Flt(4);
  float* dx = a.F32(5, x.len).data;
  float *dg = a.F32(6, cols).data, *db = a.F32(7, cols).data;
  int64_t rows = x.len / cols;
  int use = RowThreads(x.len, rows);
  std::vector<double> pg(static_cast<size_t>(use) * cols, 0.0), pb(static_cast<size_t>(use) * cols, 0.0);
#pragma omp parallel for schedule(static) num_threads(use)
  for (int t = 0; t < use; t++) {
    LayerNormGradRows(x.data, g, dy, cols, eps, rows * t / use, rows * (t + 1) / use, dx, pg.data() + static_cast<size_t>(t) * cols,
                      pb.data() + static_cast<size_t>(t) * cols);
  }
  for (int64_t j = 0; j < cols; j++) {
    double sg = 0, sb = 0;
    for (int t = 0; t < use; t++) sg += pg[t * cols + j], sb += pb[t * cols + j];
    dg[j] = static_cast<float>(sg);
    db[j] = static_cast<float>(sb);
  }
  return info.Env().Undefined();
}

KILN_SIMD void SoftmaxRows(const float* x, int64_t cols, bool lg, int64_t r0, int64_t r1, float* y) {
  for (int64_t r = r0; r < r1; r++) {
    const float* p = x + r * cols;
    float* q = y + r * cols;
    float mx = -INFINITY;
#pragma omp simd reduction(max : mx)
    for (int64_t j = 0; j < cols; j++) mx = std::max(mx, p[j]);
    float s = 0.f;
    if (lg) {
#pragma omp simd reduction(+ : s)
      for (int64_t j = 0; j < cols; j++) s += FastExp(p[j] - mx);
      float ls = std::log(s) + mx;
      for (int64_t j = 0; j < cols; j++) q[j] = p[j] - ls;
    } else {
#pragma omp simd reduction(+ : s)
      for (int64_t j = 0; j < cols; j++) {
        float e = FastExp(p[j] - mx);
        s += e;
        q[j] = e;
      }
      float inv = 1.f / s;
      for (int64_t j = 0; j < cols; j++) q[j] *= inv;
    }
  }
}

// softmax(x, cols, out, log): softmax (or log-softmax) over the last axis.
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  Args a(info, "softmax", 4);
  auto x = a.F32(0);
  int64_t cols = a.Int(1, 1);
  a.Require(x.len % cols == 0, "cols do not divide the size of x");
  float* y = a.F32(2, x.len).data;
  bool lg = a.Bool(3);
  int64_t rows = x.len / cols;
  int use = RowThreads(x.len, rows);
#pragma omp parallel for schedule(static) num_threads(use)
  for (int t = 0; t < use; t++) SoftmaxRows(x.data, cols, lg, rows * t / use, rows * (t + 1) / use, y);
  return info.Env().Undefined();
}

// softmaxGrad(y, dy, cols, dx, log): y is the forward output.
// softmax: dx = y·(dy − Σ dy·y); log-softmax: dx = dy − exp(y)·Σ dy.
Napi::Value SoftmaxGrad(const Napi::CallbackInfo& info) {
  Args a(info, "softmaxGrad", 5);
  auto y = a.F32(0);
  const float* dy = a.F32(1, y.len).data;
  int64_t cols = a.Int(2, 1);
  a.Require(y.len % cols == 0, "cols do not divide the size of y");
  float* dx = a.F32(3, y.len).data;
  bool lg = a.Bool(4);
  int64_t rows = y.len / cols;
#pragma omp parallel for schedule(static) if (y.len > kPar)
  for (int64_t r = 0; r < rows; r++) {
    const float* p = y.data + r * cols;
    const float* d = dy + r * cols;
    float* o = dx + r * cols;
    float s = 0.f;
    if (lg) {
      for (int64_t j = 0; j < cols; j++) s += d[j];
      for (int64_t j = 0; j < cols; j++) o[j] = d[j] - std::exp(p[j]) * s;
    } else {
      for (int64_t j = 0; j < cols; j++) s += d[j] * p[j];
      for (int64_t j = 0; j < cols; j++) o[j] = p[j] * (d[j] - s);
    }
  }
  return info.Env().Undefined();
}

}  // namespace

void InitNorm(Napi::Env env, Napi::Object exports) {
  exports.Set("batchNorm", Fn(env, BatchNorm));
  exports.Set("batchNormGrad", Fn(env, BatchNormGrad));
  exports.Set("batchNormGradFull", Fn(env, BatchNormGradFull));
  exports.Set("layerNorm", Fn(env, LayerNorm));
  exports.Set("layerNormGrad", Fn(env, LayerNormGrad));
  exports.Set("softmax", Fn(env, Softmax));
  exports.Set("softmaxGrad", Fn(env, SoftmaxGrad));
}

}  // namespace kiln
