// Shared helpers for the Kiln native addon. Every entry point reads its
// arguments through `Args`, which checks count, types and ranges and throws a
// JS TypeError / RangeError: the addon never trusts its caller.
#pragma once
#include <napi.h>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>
#include "ops.h"

namespace kiln {

// A typed array argument: pointer and element count.
template <typename T>
struct Span {
  T* data = nullptr;
  int64_t len = 0;
  explicit operator bool() const { return data != nullptr; }
};

// Largest tensor size we accept (elements); keeps index arithmetic in int64.
constexpr int64_t kMaxElems = int64_t(1) << 40;

class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* name, size_t count)
      : info_(info), name_(name) {
    if (info.Length() < count) {
      Type("expects " + std::to_string(count) + " arguments, got " + std::to_string(info.Length()));
    }
  }
  Napi::Env Env() const { return info_.Env(); }
  Napi::Value operator[](size_t i) const { return info_[i]; }
  size_t Length() const { return info_.Length(); }

  [[noreturn]] void Type(const std::string& msg) const {
    throw Napi::TypeError::New(info_.Env(), std::string("kiln native ") + name_ + ": " + msg);
  }
  [[noreturn]] void Range(const std::string& msg) const {
    throw Napi::RangeError::New(info_.Env(), std::string("kiln native ") + name_ + ": " + msg);
  }
  void Require(bool ok, const std::string& msg) const {
    if (!ok) Range(msg);
  }

  bool IsNullish(size_t i) const { return info_[i].IsNull() || info_[i].IsUndefined(); }

  Span<float> F32(size_t i) const { return Typed<float>(i, napi_float32_array, "Float32Array"); }
  Span<int32_t> I32(size_t i) const { return Typed<int32_t>(i, napi_int32_array, "Int32Array"); }
  Span<uint8_t> U8(size_t i) const { return Typed<uint8_t>(i, napi_uint8_array, "Uint8Array"); }
  Span<int8_t> I8(size_t i) const { return Typed<int8_t>(i, napi_int8_array, "Int8Array"); }
  Span<float> OptF32(size_t i) const { return IsNullish(i) ? Span<float>{} : F32(i); }
  // A Float32Array of exactly `n` elements.
  Span<float> F32(size_t i, int64_t n) const {
    auto s = F32(i);
    Len(i, s.len, n);
    return s;
  }
  Span<float> OptF32(size_t i, int64_t n) const { return IsNullish(i) ? Span<float>{} : F32(i, n); }
  void Len(size_t i, int64_t got, int64_t want) const {
    if (got != want) {
      Range("argument " + std::to_string(i) + " has " + std::to_string(got) + " elements, expected " +
            std::to_string(want));
    }
  }

  // Any typed array: element size, byte pointer and element count.
  struct Raw {
    napi_typedarray_type type;
    int elem;
    uint8_t* data;
    int64_t len;
  };
  Raw Any(size_t i) const {
    if (!info_[i].IsTypedArray()) Type("argument " + std::to_string(i) + " must be a typed array");
    auto t = info_[i].As<Napi::TypedArray>();
    auto type = t.TypedArrayType();
    int elem = static_cast<int>(t.ElementSize());
    auto* base = static_cast<uint8_t*>(t.ArrayBuffer().Data()) + t.ByteOffset();
    return Raw{type, elem, base, static_cast<int64_t>(t.ElementLength())};
  }

  double Num(size_t i) const {
    if (!info_[i].IsNumber()) Type("argument " + std::to_string(i) + " must be a number");
    return info_[i].As<Napi::Number>().DoubleValue();
  }
  float Flt(size_t i) const { return static_cast<float>(Num(i)); }
  // An integer in [lo, hi].
  int64_t Int(size_t i, int64_t lo = 0, int64_t hi = kMaxElems) const {
    double v = Num(i);
    if (!(v == std::floor(v)) || v < static_cast<double>(lo) || v > static_cast<double>(hi)) {
      Range("argument " + std::to_string(i) + " must be an integer in [" + std::to_string(lo) + ", " +
            std::to_string(hi) + "], got " + std::to_string(v));
    }
    return static_cast<int64_t>(v);
  }
  bool Bool(size_t i) const {
    if (!info_[i].IsBoolean()) Type("argument " + std::to_string(i) + " must be a boolean");
    return info_[i].As<Napi::Boolean>().Value();
  }
  // An Int32Array of dims (each in [0, kMaxElems]), with product <= kMaxElems.
  std::vector<int64_t> Dims(size_t i, size_t maxRank = 8) const {
    auto s = I32(i);
    if (static_cast<size_t>(s.len) > maxRank) Range("rank above " + std::to_string(maxRank));
    std::vector<int64_t> d(s.data, s.data + s.len);
    for (auto v : d) if (v < 0) Range("negative dimension");
    Product(d);
    return d;
  }
  // An Int32Array of strides (any sign allowed by the caller's check).
  std::vector<int64_t> Ints(size_t i, size_t n) const {
    auto s = I32(i);
    Len(i, s.len, static_cast<int64_t>(n));
    return std::vector<int64_t>(s.data, s.data + s.len);
  }
  int64_t Product(const std::vector<int64_t>& d) const {
    int64_t p = 1;
    for (auto v : d) {
      if (v != 0 && p > kMaxElems / v) Range("tensor too large");
      p *= v;
    }
    return p;
  }

 private:
  template <typename T>
  Span<T> Typed(size_t i, napi_typedarray_type want, const char* what) const {
    const Napi::Value& v = info_[i];
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != want) {
      Type("argument " + std::to_string(i) + " must be a " + what);
    }
    auto t = v.As<Napi::TypedArray>();
    auto* base = static_cast<uint8_t*>(t.ArrayBuffer().Data()) + t.ByteOffset();
    return Span<T>{reinterpret_cast<T*>(base), static_cast<int64_t>(t.ElementLength())};
  }
  const Napi::CallbackInfo& info_;
  const char* name_;
};

// Checks that a strided view (offset + Σ (shape_d-1)·stride_d, strides >= 0)
// stays inside an array of `len` elements.
inline void CheckView(const Args& a, const std::vector<int64_t>& shape, const std::vector<int64_t>& strides,
                      int64_t offset, int64_t len, const char* what) {
  if (offset < 0) a.Range(std::string(what) + ": negative offset");
  bool empty = false;
  int64_t hi = offset;
  for (size_t d = 0; d < shape.size(); d++) {
    if (shape[d] == 0) empty = true;
    if (strides[d] < 0) a.Range(std::string(what) + ": negative stride");
    if (shape[d] > 0 && strides[d] > 0 && (shape[d] - 1) > (kMaxElems - hi) / strides[d]) {
      a.Range(std::string(what) + ": view too large");
    }
    if (shape[d] > 0) hi += (shape[d] - 1) * strides[d];
  }
  if (!empty && hi >= len) a.Range(std::string(what) + ": view reaches element " + std::to_string(hi) +
                                   " of an array of " + std::to_string(len));
}

// Hot loops get one clone per x86-64 level (AVX-512, AVX2+FMA, baseline SSE2),
// picked once at load time by the dynamic loader (GCC target_clones + ifunc):
// the addon is built for baseline x86-64, so without clones transcendental
// loops (GELU, erf, exp) run 4-16x narrower than the CPU allows. Elsewhere
// (clang, GCC < 11 without the x86-64-v3/v4 names, musl without ifunc,
// macOS, arm64) it is empty and the baseline build is used.
// -DKILN_NO_SIMD builds the baseline loops only (how to check them here).
#if !defined(KILN_NO_SIMD) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11 && defined(__x86_64__) && \
    defined(__linux__) && defined(__GLIBC__)
#define KILN_SIMD __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define KILN_SIMD
#endif

// exp(x) in float with ~2 ulp error (Cephes expf polynomial), branch-free so
// loops over it vectorize (libm's expf is a call per element; the build's
// -fno-trapping-math lets GCC if-convert the clamps). Rounding to
// the nearest integer by the 1.5·2^23 trick keeps it SSE2-only. NaN stays NaN.
inline float FastExp(float x) {
  x = x < -87.3f ? -87.3f : x;
  x = x > 88.7f ? 88.7f : x;
  const float kMagic = 12582912.f;  // 1.5 * 2^23
  float t = x * 1.44269504088896341f + kMagic;
  float n = t - kMagic;
  float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.f;
  uint32_t bits;
  std::memcpy(&bits, &t, sizeof(bits));
  bits = (bits - 0x4B400000u + 127u) << 23;  // n + 127 into the exponent field
  float scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  return p * scale;
}

// Wraps a callback so C++ exceptions (e.g. dnnl::error) become JS errors.
template <typename F>
Napi::Function Fn(Napi::Env env, F f) {
  return Napi::Function::New(
      env, [f](const Napi::CallbackInfo& info) -> Napi::Value {
        try {
          return f(info);
        } catch (const Napi::Error&) {
          throw;
        } catch (const std::exception& e) {
          throw Napi::Error::New(info.Env(), std::string("kiln native: ") + e.what());
        }
      });
}

// OpenMP loops run in parallel above this many elements (below it, thread start-up costs more).
constexpr int64_t kPar = 16384;

int NumThreads();

// Threads for a loop that gives each thread one contiguous range of `rows`
// rows (n elements in all): every thread above kPar elements, but no more
// threads than rows; one below.
inline int RowThreads(int64_t n, int64_t rows) {
  int nt = std::max(1, NumThreads());
  return n > kPar ? static_cast<int>(std::min<int64_t>(nt, std::max<int64_t>(rows, 1))) : 1;
}

void InitConv(Napi::Env env, Napi::Object exports);
void InitGemm(Napi::Env env, Napi::Object exports);
void InitPool(Napi::Env env, Napi::Object exports);
void InitEltwise(Napi::Env env, Napi::Object exports);
void InitBroadcast(Napi::Env env, Napi::Object exports);
void InitReduce(Napi::Env env, Napi::Object exports);
void InitCopy(Napi::Env env, Napi::Object exports);
void InitNorm(Napi::Env env, Napi::Object exports);
void InitBatchNormTrain(Napi::Env env, Napi::Object exports);
void InitOptimizers(Napi::Env env, Napi::Object exports);
void InitPrecision(Napi::Env env, Napi::Object exports);
void InitInt8(Napi::Env env, Napi::Object exports);
void InitMemory(Napi::Env env, Napi::Object exports);

// Compute precision of convs and matmuls (precision.cc). Slots: one scratch
// buffer per kernel input argument (0 and 1).
constexpr int kScratchSlots = 2;
bool CpuHasBf16();
// bf16 mode on a CPU with bf16 instructions: run oneDNN bf16 primitives.
bool NativeBf16();
// Counts one conv/matmul call under a non-fp32 mode (precisionInfo()).
void CountPrecisionCall();
// In an emulated mode: `src` rounded to bf16/fp16 values in scratch `slot`; else `src`.
const float* EmulatedInput(int slot, const float* src, int64_t n);
// `src` as bf16 in scratch `slot` (valid until the next call with that slot).
uint16_t* Bf16Input(int slot, const float* src, int64_t n);
// Batched bf16 matmul with float32 output (matmul_bf16.cc); sa/sb: batch strides, 0 = broadcast.
void MatmulBf16(const float* a, int64_t aLen, const float* b, int64_t bLen, float* c, int64_t batch, int64_t M,
                int64_t N, int64_t K, bool ta, bool tb, int64_t sa, int64_t sb);

// y[r, j] = x[r, j]·mul[j] + add[j] for rows [r0, r1) of `c` channels
// (batch norm's per-channel affine map; bn_train.cc).
void ChannelAffine(const float* x, const float* mul, const float* add, int64_t c, int64_t r0, int64_t r1, float* y);

// Applies bias (per last-dim channel, may be null) and activation in place.
void BiasAct(float* y, int64_t rows, int64_t cols, const float* bias, int act, float alpha);

}  // namespace kiln
