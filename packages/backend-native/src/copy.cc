// Data movement: one strided copy serves Transpose, Slice, StridedSlice,
// Concat, Split, Pad and Reverse-free layout changes; plus Tile and OneHot.
// Works on 1- and 4-byte elements (bool/uint8, float32, int32).
#include "native_common.h"
#include <algorithm>
#include <cstring>
#include <vector>

namespace kiln {
namespace {


template <typename T>
void CopyLoop(const T* s, T* d, const std::vector<int64_t>& shape, const std::vector<int64_t>& ss,
              const std::vector<int64_t>& ds) {
  int rank = static_cast<int>(shape.size());
  int64_t inner = shape[rank - 1], si = ss[rank - 1], di = ds[rank - 1];
  int64_t rows = 1;
  for (int d = 0; d < rank - 1; d++) rows *= shape[d];
  if (rows == 0 || inner == 0) return;
#pragma omp parallel for schedule(static) if (rows * inner > kPar && rows > 1)
  for (int64_t r = 0; r < rows; r++) {
    int64_t rem = r, os = 0, od = 0;
    for (int d = rank - 2; d >= 0; d--) {
      int64_t idx = rem % shape[d];
      rem /= shape[d];
      os += idx * ss[d];
      od += idx * ds[d];
    }
    const T* ps = s + os;
    T* pd = d + od;
    if (si == 1 && di == 1) std::memcpy(pd, ps, inner * sizeof(T));
    else for (int64_t i = 0; i < inner; i++) pd[i * di] = ps[i * si];
  }
}

// copyStrided(src, dst, shape, srcStrides, srcOffset, dstStrides, dstOffset):
// dst[dstOffset + Σ i_d·dstStrides_d] = src[srcOffset + Σ i_d·srcStrides_d].
Napi::Value CopyStrided(const Napi::CallbackInfo& info) {
  Args a(info, "copyStrided", 7);
  auto s = a.Any(0), d = a.Any(1);
  if (s.elem != d.elem || (s.elem != 1 && s.elem != 4)) a.Type("src and dst must both have 1- or 4-byte elements");
  auto shape = a.Dims(2, 16);
  a.Require(!shape.empty(), "rank 0 (pass shape [1])");
  auto ss = a.Ints(3, shape.size());
  int64_t so = a.Int(4);
  auto ds = a.Ints(5, shape.size());
  int64_t dof = a.Int(6);
  CheckView(a, shape, ss, so, s.len, "src");
  CheckView(a, shape, ds, dof, d.len, "dst");
  if (s.elem == 4) {
    CopyLoop(reinterpret_cast<const int32_t*>(s.data) + so, reinterpret_cast<int32_t*>(d.data) + dof, shape, ss, ds);
  } else {
    CopyLoop(s.data + so, d.data + dof, shape, ss, ds);
  }
  return info.Env().Undefined();
}

template <typename T>
void TileLoop(const T* x, T* o, const std::vector<int64_t>& xs, const std::vector<int64_t>& reps) {
  int rank = static_cast<int>(xs.size());
  std::vector<int64_t> os(rank);
  for (int d = 0; d < rank; d++) os[d] = xs[d] * reps[d];
  int64_t inner = os[rank - 1], xin = xs[rank - 1];
  int64_t rows = 1;
  for (int d = 0; d < rank - 1; d++) rows *= os[d];
  if (rows == 0 || inner == 0) return;
  std::vector<int64_t> xstr(rank, 1);
  for (int d = rank - 2; d >= 0; d--) xstr[d] = xstr[d + 1] * xs[d + 1];
#pragma omp parallel for schedule(static) if (rows * inner > kPar)
  for (int64_t r = 0; r < rows; r++) {
    int64_t rem = r, off = 0;
    for (int d = rank - 2; d >= 0; d--) {
      off += (rem % os[d]) % xs[d] * xstr[d];
      rem /= os[d];
    }
    T* po = o + r * inner;
    for (int64_t k = 0; k < reps[rank - 1]; k++) std::memcpy(po + k * xin, x + off, xin * sizeof(T));
  }
}

// tile(x, xShape, reps, out): out dims = xShape[d] * reps[d].
Napi::Value Tile(const Napi::CallbackInfo& info) {
  Args a(info, "tile", 4);
  auto x = a.Any(0), o = a.Any(3);
  if (x.elem != o.elem || (x.elem != 1 && x.elem != 4)) a.Type("x and out must both have 1- or 4-byte elements");
  auto xs = a.Dims(1, 16);
  a.Require(!xs.empty(), "rank 0");
  auto reps = a.Dims(2, 16);
  a.Require(reps.size() == xs.size(), "reps rank differs from x rank");
  a.Len(0, x.len, a.Product(xs));
  std::vector<int64_t> os(xs.size());
  for (size_t d = 0; d < xs.size(); d++) os[d] = xs[d] * reps[d];
  a.Len(3, o.len, a.Product(os));
  if (x.len == 0) return info.Env().Undefined();
  if (x.elem == 4) TileLoop(reinterpret_cast<const int32_t*>(x.data), reinterpret_cast<int32_t*>(o.data), xs, reps);
  else TileLoop(x.data, o.data, xs, reps);
  return info.Env().Undefined();
}

template <typename T>
void OneHotLoop(const int32_t* idx, int64_t n, int64_t depth, T on, T off, T* o) {
  std::fill(o, o + n * depth, off);
  for (int64_t i = 0; i < n; i++) {
    int64_t k = idx[i];
    if (k >= 0 && k < depth) o[i * depth + k] = on;
  }
}

// oneHot(indices i32, depth, on, off, out [n * depth] f32 or i32);
// out-of-range indices give an all-`off` row, as in tfjs.
Napi::Value OneHot(const Napi::CallbackInfo& info) {
  Args a(info, "oneHot", 5);
  auto idx = a.I32(0);
  int64_t depth = a.Int(1);
  double on = a.Num(2), off = a.Num(3);
  int64_t n = a.Product({idx.len, depth});
  auto o = a.Any(4);
  a.Len(4, o.len, n);
  if (o.type == napi_float32_array) {
    OneHotLoop(idx.data, idx.len, depth, static_cast<float>(on), static_cast<float>(off), reinterpret_cast<float*>(o.data));
  } else if (o.type == napi_int32_array) {
    OneHotLoop(idx.data, idx.len, depth, static_cast<int32_t>(on), static_cast<int32_t>(off), reinterpret_cast<int32_t*>(o.data));
  } else {
    a.Type("oneHot: out must be a Float32Array or Int32Array");
  }
  return info.Env().Undefined();
}

}  // namespace

void InitCopy(Napi::Env env, Napi::Object exports) {
  exports.Set("copyStrided", Fn(env, CopyStrided));
  exports.Set("tile", Fn(env, Tile));
  exports.Set("oneHot", Fn(env, OneHot));
}

}  // namespace kiln
