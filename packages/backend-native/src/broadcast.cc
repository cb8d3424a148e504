// Broadcasting binary ops on collapsed strided views: out[i] = a[..] op b[..]
// where a broadcast dim has stride 0. Arithmetic (float -> float),
// comparisons (float or int32 -> bool) and logical ops (bool -> bool).
#include "native_common.h"
#include <algorithm>
#include <cmath>

namespace kiln {
namespace {

constexpr int64_t kBlock = 4096;  // inner elements per parallel work item

template <int OP, typename T>
inline auto Op(T a, T b) {
  if constexpr (OP == kAdd) return a + b;
  else if constexpr (OP == kSub) return a - b;
  else if constexpr (OP == kMul) return a * b;
  else if constexpr (OP == kDiv) return a / b;
  else if constexpr (OP == kMaximum) return (a != a || b != b) ? a + b : (a > b ? a : b);
  else if constexpr (OP == kMinimum) return (a != a || b != b) ? a + b : (a < b ? a : b);
  else if constexpr (OP == kSquaredDifference) return (a - b) * (a - b);
  else if constexpr (OP == kPow) return std::pow(a, b);
  else if constexpr (OP == kFloorDiv) return std::floor(a / b);
  else if constexpr (OP == kEqual) return static_cast<uint8_t>(a == b);
  else if constexpr (OP == kNotEqual) return static_cast<uint8_t>(a != b);
  else if constexpr (OP == kGreater) return static_cast<uint8_t>(a > b);
  else if constexpr (OP == kGreaterEqual) return static_cast<uint8_t>(a >= b);
  else if constexpr (OP == kLess) return static_cast<uint8_t>(a < b);
  else if constexpr (OP == kLessEqual) return static_cast<uint8_t>(a <= b);
  else if constexpr (OP == kLogicalAnd) return static_cast<uint8_t>(a && b);
  else return static_cast<uint8_t>(a || b);  // kLogicalOr
}

template <int OP, typename T, typename O>
void Strided(const T* a, const T* b, O* o, const std::vector<int64_t>& shape, const std::vector<int64_t>& sa,
             const std::vector<int64_t>& sb) {
  int rank = static_cast<int>(shape.size());
  int64_t inner = shape[rank - 1], ia = sa[rank - 1], ib = sb[rank - 1];
  int64_t rows = 1;
  for (int d = 0; d < rank - 1; d++) rows *= shape[d];
  if (rows == 0 || inner == 0) return;
  int64_t blocks = (inner + kBlock - 1) / kBlock;
  int64_t items = rows * blocks;
#pragma omp parallel for schedule(static) if (rows * inner > 16384)
  for (int64_t w = 0; w < items; w++) {
    int64_t r = w / blocks, i0 = (w % blocks) * kBlock, i1 = std::min(inner, i0 + kBlock);
    int64_t rem = r, oa = 0, ob = 0;
    for (int d = rank - 2; d >= 0; d--) {
      int64_t idx = rem % shape[d];
      rem /= shape[d];
      oa += idx * sa[d];
      ob += idx * sb[d];
    }
    const T* pa = a + oa;
    const T* pb = b + ob;
    O* po = o + r * inner;
    if (ia == 1 && ib == 1) {
      for (int64_t i = i0; i < i1; i++) po[i] = Op<OP>(pa[i], pb[i]);
    } else if (ia == 0 && ib == 1) {
      T va = pa[0];
      for (int64_t i = i0; i < i1; i++) po[i] = Op<OP>(va, pb[i]);
    } else if (ia == 1 && ib == 0) {
      T vb = pb[0];
      for (int64_t i = i0; i < i1; i++) po[i] = Op<OP>(pa[i], vb);
    } else {
      for (int64_t i = i0; i < i1; i++) po[i] = Op<OP>(pa[i * ia], pb[i * ib]);
    }
  }
}

template <typename T>
const T* As(const Args::Raw& r) { return reinterpret_cast<const T*>(r.data); }

#define KILN_ARITH(OP) case OP: Strided<OP>(As<float>(x), As<float>(y), reinterpret_cast<float*>(o.data), shape, sa, sb); break;
#define KILN_CMP(OP)                                                                       \
  case OP:                                                                                 \
    if (x.type == napi_float32_array) Strided<OP>(As<float>(x), As<float>(y), o.data, shape, sa, sb); \
    else Strided<OP>(As<int32_t>(x), As<int32_t>(y), o.data, shape, sa, sb);               \
    break;
#define KILN_LOGIC(OP) case OP: Strided<OP>(As<uint8_t>(x), As<uint8_t>(y), o.data, shape, sa, sb); break;

// binaryStrided(op, a, b, out, shape, stridesA, stridesB): out is contiguous
// with `shape`; a and b are read through their strides (0 = broadcast).
Napi::Value BinaryStrided(const Napi::CallbackInfo& info) {
  Args a(info, "binaryStrided", 7);
  int op = static_cast<int>(a.Int(0, 0, 255));
  auto x = a.Any(1), y = a.Any(2), o = a.Any(3);
  auto shape = a.Dims(4, 16);
  a.Require(!shape.empty(), "rank 0 (pass shape [1])");
  auto sa = a.Ints(5, shape.size()), sb = a.Ints(6, shape.size());
  int64_t n = a.Product(shape);
  a.Len(3, o.len, n);
  bool cmp = op >= kEqual && op <= kLessEqual, logic = op == kLogicalAnd || op == kLogicalOr;
  napi_typedarray_type in = logic ? napi_uint8_array : napi_float32_array;
  if (cmp && x.type == napi_int32_array) in = napi_int32_array;
  if (x.type != in || y.type != in) a.Type("inputs have the wrong typed-array type for op " + std::to_string(op));
  if (o.type != ((cmp || logic) ? napi_uint8_array : napi_float32_array)) a.Type("output has the wrong type");
  CheckView(a, shape, sa, 0, x.len, "a");
  CheckView(a, shape, sb, 0, y.len, "b");
  switch (op) {
    KILN_ARITH(kAdd) KILN_ARITH(kSub) KILN_ARITH(kMul) KILN_ARITH(kDiv) KILN_ARITH(kMaximum)
    KILN_ARITH(kMinimum) KILN_ARITH(kSquaredDifference) KILN_ARITH(kPow) KILN_ARITH(kFloorDiv)
    KILN_CMP(kEqual) KILN_CMP(kNotEqual) KILN_CMP(kGreater) KILN_CMP(kGreaterEqual) KILN_CMP(kLess)
    KILN_CMP(kLessEqual)
    KILN_LOGIC(kLogicalAnd) KILN_LOGIC(kLogicalOr)
    default: a.Range("unknown binary op " + std::to_string(op));
  }
  return info.Env().Undefined();
}

}  // namespace

void InitBroadcast(Napi::Env env, Napi::Object exports) {
  exports.Set("binaryStrided", Fn(env, BinaryStrided));
}

}  // namespace kiln
