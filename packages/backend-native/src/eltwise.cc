// Elementwise kernels: unary ops, single-pass activation gradients, Select,
// Cast and Fill. Broadcasting binary ops live in broadcast.cc.
#include "native_common.h"
#include <algorithm>
#include <cmath>
#include <cstring>

namespace kiln {
namespace {

constexpr float kSqrt1_2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;
constexpr float kTwoOverSqrtPi = 1.12837916709551257f;
constexpr float kGeluK = 0.79788456080286536f;  // sqrt(2/pi)
constexpr float kGeluC = 0.044715f;

// erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), the formula
// tfjs-cpu uses; cheaper than std::erf (one exp, one division).
inline float Erf(float x) {
  float a = std::fabs(x);
  float t = 1.f / (1.f + 0.3275911f * a);
  float y = 1.f - (((((1.061405429f * t - 1.453152027f) * t) + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f) *
                      t * FastExp(-a * a);
  return x != x ? x : std::copysign(y, x);
}

// tanh = 1 - 2 / (exp(2x) + 1), through FastExp (std::tanh is a slow call);
// saturates cleanly at ±1, NaN stays NaN.
// Near 0 the odd series keeps the relative precision the subtraction loses.
inline float Tanh(float x) {
  float big = 1.f - 2.f / (FastExp(2.f * x) + 1.f);
  float small = x * (1.f - x * x * (1.f / 3.f));
  return std::fabs(x) < 0.02f ? small : big;
}

template <int OP>
inline float U(float v, float alpha, float beta) {
  switch (OP) {
    case kURelu: return v > 0.f ? v : (v == v ? 0.f : v);
    case kURelu6: return v != v ? v : std::min(std::max(v, 0.f), 6.f);
    case kULeakyRelu: return v < 0.f ? alpha * v : v;
    case kUSigmoid: return 1.f / (1.f + FastExp(-v));
    case kUElu: return v >= 0.f ? v : std::expm1(v);
    case kUStep: return v != v ? v : (v > 0.f ? 1.f : alpha);
    case kUSquare: return v * v;
    case kUSqrt: return std::sqrt(v);
    case kUNeg: return -v;
    case kUExp: return std::exp(v);
    case kUAbs: return std::fabs(v);
    case kURsqrt: return 1.f / std::sqrt(v);
    case kULog: return std::log(v);
    case kUErf: return Erf(v);
    case kUFloor: return std::floor(v);
    case kUCeil: return std::ceil(v);
    case kUTanh: return Tanh(v);
    case kUClip: return v != v ? v : std::min(std::max(v, alpha), beta);
    case kUReciprocal: return 1.f / v;
    case kUSoftplus: return v > 20.f ? v : (v < -20.f ? std::exp(v) : std::log1p(std::exp(v)));
    case kULog1p: return std::log1p(v);
    case kUExpm1: return std::expm1(v);
    case kUSign: return v > 0.f ? 1.f : (v < 0.f ? -1.f : (v == v ? 0.f : v));
    case kURound: return std::nearbyint(v);  // banker's rounding, as tfjs
    case kUGelu: return 0.5f * v * (1.f + Erf(v * kSqrt1_2));
    case kUGeluTanh: return 0.5f * v * (1.f + Tanh(kGeluK * (v + kGeluC * v * v * v)));
    default: return v;
  }
}

template <int OP>
KILN_SIMD void RunU(const float* x, float* o, int64_t n, float alpha, float beta) {
#pragma omp parallel for schedule(static) if (n > kPar)
  for (int64_t i = 0; i < n; i++) o[i] = U<OP>(x[i], alpha, beta);
}

#define KILN_UNARY_CASE(OP) case OP: RunU<OP>(x.data, o.data, x.len, alpha, beta); break;

// unary(op, x, out, alpha, beta)
Napi::Value Unary(const Napi::CallbackInfo& info) {
  Args a(info, "unary", 5);
  int op = static_cast<int>(a.Int(0, 0, 255));
  auto x = a.F32(1);
  auto o = a.F32(2, x.len);
  float alpha = a.Flt(3), beta = a.Flt(4);
  switch (op) {
    KILN_UNARY_CASE(kURelu) KILN_UNARY_CASE(kURelu6) KILN_UNARY_CASE(kULeakyRelu)
    KILN_UNARY_CASE(kUSigmoid) KILN_UNARY_CASE(kUElu) KILN_UNARY_CASE(kUStep)
    KILN_UNARY_CASE(kUSquare) KILN_UNARY_CASE(kUSqrt) KILN_UNARY_CASE(kUNeg)
    KILN_UNARY_CASE(kUExp) KILN_UNARY_CASE(kUAbs) KILN_UNARY_CASE(kURsqrt)
    KILN_UNARY_CASE(kULog) KILN_UNARY_CASE(kUErf) KILN_UNARY_CASE(kUFloor)
    KILN_UNARY_CASE(kUCeil) KILN_UNARY_CASE(kUTanh) KILN_UNARY_CASE(kUClip)
    KILN_UNARY_CASE(kUReciprocal) KILN_UNARY_CASE(kUSoftplus) KILN_UNARY_CASE(kULog1p)
    KILN_UNARY_CASE(kUExpm1) KILN_UNARY_CASE(kUSign) KILN_UNARY_CASE(kURound)
    KILN_UNARY_CASE(kUGelu) KILN_UNARY_CASE(kUGeluTanh)
    default: a.Range("unknown unary op " + std::to_string(op));
  }
  return info.Env().Undefined();
}

// NaN-propagating step: tfjs step(NaN) = NaN, so dy * step(x) is NaN too.
inline float StepNaN(float v, bool on) { return v != v ? v : (on ? 1.f : 0.f); }

template <int OP>
inline float G(float v, float d, float alpha, float beta) {
  switch (OP) {
    case kGRelu: return d * StepNaN(v, v > 0.f);
    case kGRelu6: return d * StepNaN(v, v > 0.f && v <= 6.f);
    case kGClip: return (v >= alpha && v <= beta) ? d : 0.f;
    case kGSigmoid: return d * v * (1.f - v);
    case kGTanh: return d * (1.f - v * v);
    case kGErf: return d * kTwoOverSqrtPi * FastExp(-v * v);
    case kGGelu: return d * (0.5f * (1.f + Erf(v * kSqrt1_2)) + v * kInvSqrt2Pi * FastExp(-0.5f * v * v));
    case kGGeluTanh: {
      float t = Tanh(kGeluK * (v + kGeluC * v * v * v));
      return d * (0.5f * (1.f + t) + 0.5f * v * (1.f - t * t) * kGeluK * (1.f + 3.f * kGeluC * v * v));
    }
    case kGElu: return v < 0.f ? d * (v + 1.f) : d;
    case kGLeakyRelu: return v > 0.f ? d : d * alpha;
    default: return d;
  }
}

template <int OP>
KILN_SIMD void RunG(const float* v, const float* dy, float* o, int64_t n, float alpha, float beta) {
#pragma omp parallel for schedule(static) if (n > kPar)
  for (int64_t i = 0; i < n; i++) o[i] = G<OP>(v[i], dy[i], alpha, beta);
}

#define KILN_GRAD_CASE(OP) case OP: RunG<OP>(v.data, dy.data, o.data, v.len, alpha, beta); break;

// unaryGrad(op, v, dy, out, alpha, beta)
Napi::Value UnaryGrad(const Napi::CallbackInfo& info) {
  Args a(info, "unaryGrad", 6);
  int op = static_cast<int>(a.Int(0, 0, 255));
  auto v = a.F32(1);
  auto dy = a.F32(2, v.len);
  auto o = a.F32(3, v.len);
  float alpha = a.Flt(4), beta = a.Flt(5);
  switch (op) {
    KILN_GRAD_CASE(kGRelu) KILN_GRAD_CASE(kGRelu6) KILN_GRAD_CASE(kGClip)
    KILN_GRAD_CASE(kGSigmoid) KILN_GRAD_CASE(kGTanh) KILN_GRAD_CASE(kGErf)
    KILN_GRAD_CASE(kGGelu) KILN_GRAD_CASE(kGGeluTanh) KILN_GRAD_CASE(kGElu)
    KILN_GRAD_CASE(kGLeakyRelu)
    default: a.Range("unknown gradient op " + std::to_string(op));
  }
  return info.Env().Undefined();
}

// select(cond u8, a, b, out): out = cond ? a : b; cond has n elements or one
// per leading row (tfjs Select with a rank-1 condition).
Napi::Value Select(const Napi::CallbackInfo& info) {
  Args a(info, "select", 4);
  auto c = a.U8(0);
  auto x = a.F32(1);
  auto y = a.F32(2, x.len);
  auto o = a.F32(3, x.len);
  int64_t n = x.len;
  if (c.len == 0) {
    a.Require(n == 0, "empty condition for a non-empty tensor");
    return info.Env().Undefined();
  }
  a.Require(n % c.len == 0, "condition length does not divide the tensor size");
  int64_t inner = n / c.len;
#pragma omp parallel for schedule(static) if (n > kPar)
  for (int64_t i = 0; i < n; i++) o.data[i] = c.data[i / inner] ? x.data[i] : y.data[i];
  return info.Env().Undefined();
}

template <typename S, typename D>
void CastLoop(const S* s, D* d, int64_t n, bool toBool) {
#pragma omp parallel for schedule(static) if (n > kPar)
  for (int64_t i = 0; i < n; i++) {
    if (toBool) {
      d[i] = static_cast<D>(s[i] != S(0) ? 1 : 0);
    } else if constexpr (std::is_same<S, float>::value && !std::is_same<D, float>::value) {
      float v = s[i];
      d[i] = std::isfinite(v) && std::fabs(v) < 2147483648.f ? static_cast<D>(static_cast<int64_t>(v)) : D(0);
    } else {
      d[i] = static_cast<D>(s[i]);
    }
  }
}

template <typename S>
void CastTo(const Args& a, const S* s, const Args::Raw& d, int64_t n, bool toBool) {
  switch (d.type) {
    case napi_float32_array: CastLoop(s, reinterpret_cast<float*>(d.data), n, false); break;
    case napi_int32_array: CastLoop(s, reinterpret_cast<int32_t*>(d.data), n, false); break;
    case napi_uint8_array: CastLoop(s, d.data, n, toBool); break;
    default: a.Type("cast: destination must be a Float32Array, Int32Array or Uint8Array");
  }
}

// cast(src, dst, toBool): float32/int32/uint8 in any combination; toBool maps
// nonzero to 1 (dst must be a Uint8Array then); float -> int truncates.
Napi::Value Cast(const Napi::CallbackInfo& info) {
  Args a(info, "cast", 3);
  auto s = a.Any(0), d = a.Any(1);
  bool toBool = a.Bool(2);
  a.Len(1, d.len, s.len);
  if (toBool && d.type != napi_uint8_array) a.Type("cast to bool needs a Uint8Array destination");
  switch (s.type) {
    case napi_float32_array: CastTo(a, reinterpret_cast<const float*>(s.data), d, s.len, toBool); break;
    case napi_int32_array: CastTo(a, reinterpret_cast<const int32_t*>(s.data), d, s.len, toBool); break;
    case napi_uint8_array: CastTo(a, s.data, d, s.len, toBool); break;
    default: a.Type("cast: source must be a Float32Array, Int32Array or Uint8Array");
  }
  return info.Env().Undefined();
}

template <typename T>
void FillLoop(T* d, int64_t n, T v) {
#pragma omp parallel for schedule(static) if (n > kPar)
  for (int64_t i = 0; i < n; i++) d[i] = v;
}

// fill(dst, value)
Napi::Value Fill(const Napi::CallbackInfo& info) {
  Args a(info, "fill", 2);
  auto d = a.Any(0);
  double v = a.Num(1);
  switch (d.type) {
    case napi_float32_array: FillLoop(reinterpret_cast<float*>(d.data), d.len, static_cast<float>(v)); break;
    case napi_int32_array: FillLoop(reinterpret_cast<int32_t*>(d.data), d.len, static_cast<int32_t>(v)); break;
    case napi_uint8_array: FillLoop(d.data, d.len, static_cast<uint8_t>(v != 0 ? 1 : 0)); break;
    default: a.Type("fill: destination must be a Float32Array, Int32Array or Uint8Array");
  }
  return info.Env().Undefined();
}

}  // namespace

void InitEltwise(Napi::Env env, Napi::Object exports) {
  exports.Set("unary", Fn(env, Unary));
  exports.Set("unaryGrad", Fn(env, UnaryGrad));
  exports.Set("select", Fn(env, Select));
  exports.Set("cast", Fn(env, Cast));
  exports.Set("fill", Fn(env, Fill));
}

}  // namespace kiln
