// Internal interface of the int8 inference kernels (int8.cc: handle table,
// input quantization, attributes; int8_conv.cc: convolution; int8_matmul.cc:
// dense). Not part of the addon's JS surface: see src/int8.ts.
#pragma once
#include "native_common.h"
#include <dnnl.hpp>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace kiln {
namespace int8 {

// How the float input is quantized: u8 [0, 255] or s8 [-127, 127], zero point 0.
enum SrcType { kU8 = 0, kS8 = 1 };

// The quantization a handle applies to its float input and the requantization
// of its int32 accumulators (per output channel: inputScale · weightScales[oc]).
struct Quant {
  float inputScale = 1.f;
  int srcType = kU8;
  int act = kLinear;
  std::vector<float> weightScales;  // per output channel
  std::vector<float> bias;          // empty = none (float, added after dequantization)
  // s8 input run as u8 = q + 128 with a src zero point of 128. Without VNNI
  // oneDNN's own s8-src convolution halves the weights (its "scale_adjust"
  // 0.5, against vpmaddubsw saturation), which loses a bit of every weight;
  // the shifted input keeps the weights exact (same saturation rule as u8).
  bool shift = false;
};

// Reads and checks the common create arguments: weight scales (Float32Array of
// `oc`, each finite and > 0), bias (null or Float32Array of `oc`, finite),
// input scale (finite, > 0), src type and activation.
Quant ReadQuant(const Args& a, size_t scalesArg, size_t biasArg, size_t inputScaleArg, int64_t oc, int srcType,
                int act);

// Primitive attributes: output scales (oneDNN 2) or src/weights scale masks
// (oneDNN 3) and the activation as an eltwise post-op. `weightsMask`: the
// per-output-channel mask over the weights dims (oneDNN 3 only).
dnnl::primitive_attr MakeAttr(const Quant& q, int weightsMask);

// The bias as the primitive takes it: oneDNN 2 adds the bias to the int32
// accumulator before the output scale, oneDNN 3 after the scales.
std::vector<float> PrimitiveBias(const Quant& q);

// Scale memories a oneDNN 3 primitive reads at execution (empty on oneDNN 2)
// and the src zero point of a shifted s8 input (both versions: runtime value).
struct ScaleArgs {
  std::vector<float> src, wei;
  std::vector<int32_t> zp;
  void Add(std::unordered_map<int, dnnl::memory>& args) const;
};
ScaleArgs MakeScaleArgs(const Quant& q);

// `x` (n floats) quantized into the shared scratch buffer (valid until the next
// call): q = clamp(round_half_even(x / scale)); NaN becomes 0.
void* QuantizeInput(const float* x, int64_t n, const Quant& q);
// Frees the scratch buffer (when the last handle is disposed).
void ReleaseScratch();

dnnl::memory::data_type SrcDt(const Quant& q);
bool HasVnni();

// Without VNNI the u8·s8 kernels (vpmaddubsw) add pairs of products in int16, which full-range weights
// overflow. There, every output channel (last weight dim, `oc` of them) whose weights exceed 7 bits is
// halved (round half to even) and its scale doubled: one bit of that channel's weight precision instead
// of silently saturated sums. Returns the weights to pack (`w` itself, or `store`'s copy); how many
// channels were halved in `halved`.
const int8_t* NarrowWeights(const int8_t* w, int64_t n, int64_t oc, Quant& q, std::vector<int8_t>& store,
                            int64_t& halved);

// The layer's int8 weights in the user's layout, reordered once per format a
// primitive asks for (normally one: the format does not depend on the batch).
// For s8 inputs oneDNN's format carries the s8s8 compensation the reorder
// computes.
class PackedWeights {
 public:
  PackedWeights(const dnnl::memory::desc& user, const int8_t* w, int64_t n);
  dnnl::memory For(const dnnl::memory::desc& want);

 private:
  dnnl::memory::desc user_;
  std::vector<int8_t> data_;
  std::vector<std::pair<dnnl::memory::desc, dnnl::memory>> packed_;
};

// One int8 layer: prepacked weights, primitives cached per batch size.
class Op {
 public:
  virtual ~Op() = default;
  virtual const char* Kind() const = 0;
  // Floats per batch row of the input and the output.
  virtual int64_t InRow() const = 0;
  virtual int64_t OutRow() const = 0;
  // y = act(dequant(op(quant(x)))) + bias for `batch` rows.
  virtual void Run(const float* x, int64_t batch, float* y) = 0;
  // oneDNN's implementation name for this batch size (creates the primitive).
  virtual std::string Impl(int64_t batch) = 0;
};

// int8ConvCreate / int8DenseCreate argument parsing + construction.
std::unique_ptr<Op> CreateConv(const Args& a);
std::unique_ptr<Op> CreateDense(const Args& a);

// Primitives kept per handle (one per batch size seen; bounded).
constexpr size_t kMaxBatchEntries = 8;

}  // namespace int8
}  // namespace kiln
