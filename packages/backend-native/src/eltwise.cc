// Memory-bound helpers: elementwise unary/binary ops and axis reductions.
// These replace tfjs-cpu JS loops on large training tensors.
#include "native_common.h"
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace kiln {
namespace {

constexpr int64_t kPar = 32768;  // parallelize above this many elements

// Binary op codes shared with TS (src/native-elementwise.ts).
enum Bin { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kMax = 4, kMin = 5, kSqDiff = 6, kStepMul = 7 };

template <int OP>
inline float B(float a, float b) {
  if (OP == kAdd) return a + b;
  if (OP == kSub) return a - b;
  if (OP == kMul) return a * b;
  if (OP == kDiv) return a / b;
  if (OP == kMax) return a > b ? a : b;
  if (OP == kMin) return a < b ? a : b;
  if (OP == kSqDiff) return (a - b) * (a - b);
  return b > 0.f ? a : 0.f;  // kStepMul: dy * step(y)
}

// out[i] = a[i % na] op b[i % nb] where na, nb divide n and broadcast is over
// leading dims (suffix broadcast), which covers bias-style broadcasting.
template <int OP>
void Run(const float* a, int64_t na, const float* b, int64_t nb, float* o, int64_t n) {
  if (na == n && nb == n) {
#pragma omp parallel for schedule(static) if (n > kPar)
    for (int64_t i = 0; i < n; i++) o[i] = B<OP>(a[i], b[i]);
  } else if (nb == 1 || na == 1) {
    float s = na == 1 ? a[0] : b[0];
    if (na == 1) {
#pragma omp parallel for schedule(static) if (n > kPar)
      for (int64_t i = 0; i < n; i++) o[i] = B<OP>(s, b[i]);
    } else {
#pragma omp parallel for schedule(static) if (n > kPar)
      for (int64_t i = 0; i < n; i++) o[i] = B<OP>(a[i], s);
    }
  } else {
    int64_t inner = std::min(na, nb);
    int64_t rows = n / inner;
#pragma omp parallel for schedule(static) if (n > kPar)
    for (int64_t r = 0; r < rows; r++) {
      const float* pa = na == n ? a + r * inner : a;
      const float* pb = nb == n ? b + r * inner : b;
      float* po = o + r * inner;
      for (int64_t i = 0; i < inner; i++) po[i] = B<OP>(pa[i], pb[i]);
    }
  }
}

// binary(op, a, b, out)
Napi::Value Binary(const Napi::CallbackInfo& info) {
  int op = static_cast<int>(Int(info[0]));
  const float* a = F32(info[1]);
  const float* b = F32(info[2]);
  float* o = F32(info[3]);
  int64_t na = F32Len(info[1]), nb = F32Len(info[2]), n = F32Len(info[3]);
  switch (op) {
    case kAdd: Run<kAdd>(a, na, b, nb, o, n); break;
    case kSub: Run<kSub>(a, na, b, nb, o, n); break;
    case kMul: Run<kMul>(a, na, b, nb, o, n); break;
    case kDiv: Run<kDiv>(a, na, b, nb, o, n); break;
    case kMax: Run<kMax>(a, na, b, nb, o, n); break;
    case kMin: Run<kMin>(a, na, b, nb, o, n); break;
    case kSqDiff: Run<kSqDiff>(a, na, b, nb, o, n); break;
    case kStepMul: Run<kStepMul>(a, na, b, nb, o, n); break;
    default: throw Napi::Error::New(info.Env(), "bad binary op");
  }
  return info.Env().Undefined();
}

template <int OP>
inline float U(float v, float alpha) {
  switch (OP) {
    case 0: return v > 0.f ? v : (v == v ? 0.f : v);
    case 1: return v != v ? v : std::min(std::max(v, 0.f), 6.f);
    case 2: return v < 0.f ? alpha * v : v;
    case 3: return 1.f / (1.f + std::exp(-v));
    case 4: return v >= 0.f ? v : std::expm1(v);
    case 5: return v != v ? v : (v > 0.f ? 1.f : alpha);
    case 6: return v * v;
    case 7: return std::sqrt(v);
    case 8: return -v;
    case 9: return std::exp(v);
    case 10: return std::fabs(v);
    case 11: return 1.f / std::sqrt(v);
    default: return std::log(v);
  }
}

template <int OP>
void RunU(const float* x, float* o, int64_t n, float alpha) {
#pragma omp parallel for schedule(static) if (n > kPar)
  for (int64_t i = 0; i < n; i++) o[i] = U<OP>(x[i], alpha);
}

// unary(op, x, out, alpha): 0 relu, 1 relu6, 2 leaky(alpha), 3 sigmoid,
// 4 elu, 5 step(alpha), 6 square, 7 sqrt, 8 neg, 9 exp, 10 abs, 11 rsqrt,
// 12 log. NaN propagates as in tfjs-cpu.
Napi::Value Unary(const Napi::CallbackInfo& info) {
  int op = static_cast<int>(Int(info[0]));
  const float* x = F32(info[1]);
  float* o = F32(info[2]);
  float a = Flt(info[3]);
  int64_t n = F32Len(info[1]);
  switch (op) {
    case 0: RunU<0>(x, o, n, a); break;
    case 1: RunU<1>(x, o, n, a); break;
    case 2: RunU<2>(x, o, n, a); break;
    case 3: RunU<3>(x, o, n, a); break;
    case 4: RunU<4>(x, o, n, a); break;
    case 5: RunU<5>(x, o, n, a); break;
    case 6: RunU<6>(x, o, n, a); break;
    case 7: RunU<7>(x, o, n, a); break;
    case 8: RunU<8>(x, o, n, a); break;
    case 9: RunU<9>(x, o, n, a); break;
    case 10: RunU<10>(x, o, n, a); break;
    case 11: RunU<11>(x, o, n, a); break;
    case 12: RunU<12>(x, o, n, a); break;
    default: throw Napi::Error::New(info.Env(), "bad unary op");
  }
  return info.Env().Undefined();
}

// reduce(op, x, outer, mid, inner, out): out[o, i] = red_m x[o, m, i]
// op: 0 sum, 1 max, 2 min, 3 mean.
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  int op = static_cast<int>(Int(info[0]));
  const float* x = F32(info[1]);
  int64_t outer = Int(info[2]), mid = Int(info[3]), inner = Int(info[4]);
  float* o = F32(info[5]);
  if (inner == 1) {
#pragma omp parallel for schedule(static) if (outer * mid > kPar)
    for (int64_t a = 0; a < outer; a++) {
      const float* p = x + a * mid;
      float acc = op == 0 || op == 3 ? 0.f : p[0];
      for (int64_t m = 0; m < mid; m++) {
        float v = p[m];
        acc = op == 1 ? std::max(acc, v) : op == 2 ? std::min(acc, v) : acc + v;
      }
      o[a] = op == 3 ? acc / static_cast<float>(mid) : acc;
    }
    return info.Env().Undefined();
  }
  int nt = std::max(1, NumThreads());
  for (int64_t a = 0; a < outer; a++) {
    const float* base = x + a * mid * inner;
    float* po = o + a * inner;
    // Split `mid` across threads, each with a private accumulator row.
    std::vector<float> part(static_cast<size_t>(nt) * inner);
    int use = (mid * inner > kPar) ? nt : 1;
#pragma omp parallel for schedule(static) num_threads(use)
    for (int t = 0; t < use; t++) {
      float* acc = part.data() + static_cast<size_t>(t) * inner;
      int64_t m0 = mid * t / use, m1 = mid * (t + 1) / use;
      if (m0 >= m1) {
        std::fill(acc, acc + inner, op == 1 ? -INFINITY : op == 2 ? INFINITY : 0.f);
        continue;
      }
      std::memcpy(acc, base + m0 * inner, inner * sizeof(float));
      for (int64_t m = m0 + 1; m < m1; m++) {
        const float* p = base + m * inner;
        if (op == 1) for (int64_t i = 0; i < inner; i++) acc[i] = std::max(acc[i], p[i]);
        else if (op == 2) for (int64_t i = 0; i < inner; i++) acc[i] = std::min(acc[i], p[i]);
        else for (int64_t i = 0; i < inner; i++) acc[i] += p[i];
      }
    }
    std::memcpy(po, part.data(), inner * sizeof(float));
    for (int t = 1; t < use; t++) {
      const float* p = part.data() + static_cast<size_t>(t) * inner;
      if (op == 1) for (int64_t i = 0; i < inner; i++) po[i] = std::max(po[i], p[i]);
      else if (op == 2) for (int64_t i = 0; i < inner; i++) po[i] = std::min(po[i], p[i]);
      else for (int64_t i = 0; i < inner; i++) po[i] += p[i];
    }
    if (op == 3) for (int64_t i = 0; i < inner; i++) po[i] /= static_cast<float>(mid);
  }
  return info.Env().Undefined();
}

}  // namespace

void InitEltwise(Napi::Env env, Napi::Object exports) {
  exports.Set("binary", Fn(env, Binary));
  exports.Set("unary", Fn(env, Unary));
  exports.Set("reduce", Fn(env, Reduce));
}

}  // namespace kiln
