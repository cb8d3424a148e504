// Reductions: over a contiguous block of axes (reduce) and over any axes of a
// strided view (reduceStrided: any axis set, Tile's gradient, ArgMax/ArgMin).
#include "native_common.h"
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace kiln {
namespace {


inline float Init(int op) {
  return op == kRMax ? -INFINITY : op == kRMin ? INFINITY : op == kRProd ? 1.f : 0.f;
}
// NaN propagates through max/min as in tfjs-cpu (which compares with >/<
// starting from the first element: a NaN first element sticks; we make any
// NaN stick, as PyTorch does).
inline float Acc(int op, float acc, float v) {
  switch (op) {
    case kRMax: return (v > acc || v != v) ? v : acc;
    case kRMin: return (v < acc || v != v) ? v : acc;
    case kRProd: return acc * v;
    default: return acc + v;
  }
}

// One output row per r (inner == 1): eight partial accumulators so the loop
// vectorizes (a single float accumulator is a serial dependency chain).
template <int OP>
KILN_SIMD void ReduceRows(const float* xp, int64_t r0, int64_t r1, int64_t mid, float* out) {
  for (int64_t r = r0; r < r1; r++) {
    const float* p = xp + r * mid;
    float acc[8];
    for (int k = 0; k < 8; k++) acc[k] = Init(OP);
    int64_t m = 0;
    for (; m + 8 <= mid; m += 8)
      for (int k = 0; k < 8; k++) acc[k] = Acc(OP, acc[k], p[m + k]);
    float total = acc[0];
    for (int k = 1; k < 8; k++) total = Acc(OP, total, acc[k]);
    for (; m < mid; m++) total = Acc(OP, total, p[m]);
    out[r] = OP == kRMean ? total / static_cast<float>(mid) : total;
  }
}

// acc[i] = red over m in [m0, m1) of base[m, i] (rows of `inner`).
template <int OP>
KILN_SIMD void ReduceCols(const float* base, int64_t m0, int64_t m1, int64_t inner, float* acc) {
  std::memcpy(acc, base + m0 * inner, inner * sizeof(float));
  for (int64_t m = m0 + 1; m < m1; m++) {
    const float* p = base + m * inner;
    for (int64_t i = 0; i < inner; i++) acc[i] = Acc(OP, acc[i], p[i]);
  }
}

template <int OP>
void RunReduce(const float* xp, int64_t outer, int64_t mid, int64_t inner, float* op_) {
  if (inner == 1) {
    int use = RowThreads(outer * mid, outer);
#pragma omp parallel for schedule(static) num_threads(use)
    for (int t = 0; t < use; t++) ReduceRows<OP>(xp, outer * t / use, outer * (t + 1) / use, mid, op_);
    return;
  }
  int nt = std::max(1, NumThreads());
  std::vector<float> part(static_cast<size_t>(nt) * inner);
  for (int64_t r = 0; r < outer; r++) {
    const float* base = xp + r * mid * inner;
    float* po = op_ + r * inner;
    // Split `mid` across threads, each with a private accumulator row.
    int use = RowThreads(mid * inner, mid);
#pragma omp parallel for schedule(static) num_threads(use)
    for (int t = 0; t < use; t++) {
      ReduceCols<OP>(base, mid * t / use, mid * (t + 1) / use, inner, part.data() + static_cast<size_t>(t) * inner);
    }
    std::memcpy(po, part.data(), inner * sizeof(float));
    for (int t = 1; t < use; t++) {
      const float* p = part.data() + static_cast<size_t>(t) * inner;
      for (int64_t i = 0; i < inner; i++) po[i] = Acc(OP, po[i], p[i]);
    }
    if (OP == kRMean) for (int64_t i = 0; i < inner; i++) po[i] /= static_cast<float>(mid);
  }
}

// reduce(op, x, outer, mid, inner, out): out[o, i] = red_m x[o, m, i].
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  Args a(info, "reduce", 6);
  int op = static_cast<int>(a.Int(0, 0, kRProd));
  auto x = a.F32(1);
  int64_t outer = a.Int(2), mid = a.Int(3, 1), inner = a.Int(4);
  a.Product({outer, mid, inner});
  a.Len(1, x.len, outer * mid * inner);
  auto o = a.F32(5, outer * inner);
  switch (op) {
    case kRSum: RunReduce<kRSum>(x.data, outer, mid, inner, o.data); break;
    case kRMean: RunReduce<kRMean>(x.data, outer, mid, inner, o.data); break;
    case kRMax: RunReduce<kRMax>(x.data, outer, mid, inner, o.data); break;
    case kRMin: RunReduce<kRMin>(x.data, outer, mid, inner, o.data); break;
    case kRProd: RunReduce<kRProd>(x.data, outer, mid, inner, o.data); break;
    default: a.Range("unknown reduce op " + std::to_string(op));
  }
  return info.Env().Undefined();
}

// Offset of flat index `k` in a view with `shape`/`strides`.
inline int64_t Offset(int64_t k, const std::vector<int64_t>& shape, const std::vector<int64_t>& strides) {
  int64_t off = 0;
  for (int d = static_cast<int>(shape.size()) - 1; d >= 0; d--) {
    off += (k % shape[d]) * strides[d];
    k /= shape[d];
  }
  return off;
}

// reduceStrided(op, x, keptShape, keptStrides, redShape, redStrides, out):
// out[k] = red_r x[off(k) + off(r)]; out is Float32Array, or Int32Array for
// ArgMax/ArgMin (flat index into the reduced view, first extreme wins).
Napi::Value ReduceStrided(const Napi::CallbackInfo& info) {
  Args a(info, "reduceStrided", 7);
  int op = static_cast<int>(a.Int(0, 0, kRArgMin));
  auto x = a.F32(1);
  auto ks = a.Dims(2, 16);
  auto kst = a.Ints(3, ks.size());
  auto rs = a.Dims(4, 16);
  auto rst = a.Ints(5, rs.size());
  int64_t nk = a.Product(ks), nr = a.Product(rs);
  a.Require(nr > 0, "empty reduction");
  std::vector<int64_t> all = ks, allSt = kst;
  all.insert(all.end(), rs.begin(), rs.end());
  allSt.insert(allSt.end(), rst.begin(), rst.end());
  CheckView(a, all, allSt, 0, x.len, "x");
  bool arg = op == kRArgMax || op == kRArgMin;
  float* of = nullptr;
  int32_t* oi = nullptr;
  if (arg) {
    auto o = a.I32(6);
    a.Len(6, o.len, nk);
    oi = o.data;
  } else {
    of = a.F32(6, nk).data;
  }
  const float* xp = x.data;
  int rr = static_cast<int>(rs.size());
  int64_t rin = rr ? rs[rr - 1] : 1, rinSt = rr ? rst[rr - 1] : 0;
  std::vector<int64_t> rOuter(rs.begin(), rs.end() - (rr ? 1 : 0)), rOuterSt(rst.begin(), rst.end() - (rr ? 1 : 0));
  int64_t nro = nr / rin;
#pragma omp parallel for schedule(static) if (nk * nr > kPar && nk > 1)
  for (int64_t k = 0; k < nk; k++) {
    const float* base = xp + Offset(k, ks, kst);
    if (arg) {
      float best = base[0];
      int64_t bi = 0;
      for (int64_t r = 0; r < nro; r++) {
        const float* p = base + Offset(r, rOuter, rOuterSt);
        for (int64_t i = 0; i < rin; i++) {
          float v = p[i * rinSt];
          bool better = op == kRArgMax ? v > best : v < best;
          if (better) best = v, bi = r * rin + i;
        }
      }
      oi[k] = static_cast<int32_t>(bi);
    } else {
      float acc = Init(op);
      for (int64_t r = 0; r < nro; r++) {
        const float* p = base + Offset(r, rOuter, rOuterSt);
        if (rinSt == 1) for (int64_t i = 0; i < rin; i++) acc = Acc(op, acc, p[i]);
        else for (int64_t i = 0; i < rin; i++) acc = Acc(op, acc, p[i * rinSt]);
      }
      of[k] = op == kRMean ? acc / static_cast<float>(nr) : acc;
    }
  }
  return info.Env().Undefined();
}

}  // namespace

void InitReduce(Napi::Env env, Napi::Object exports) {
  exports.Set("reduce", Fn(env, Reduce));
  exports.Set("reduceStrided", Fn(env, ReduceStrided));
}

}  // namespace kiln
