// Int8 dense layer on oneDNN's matmul: src u8/s8 [M, K] quantized from the
// float rows, weights s8 [K, N] (tfjs kernel layout) with per-N scales, float
// bias, float32 [M, N] output with relu/relu6 fused. Weights are reordered
// once into the format the primitive picks (format `any`).
#include "int8.h"
#include "dnnl_context.h"
#include <map>

namespace kiln {
namespace int8 {
using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

class DenseOp : public Op {
 public:
  DenseOp(int64_t k, int64_t n, Quant q, const int8_t* w, int64_t halved)
      : k_(k), n_(n), q_(std::move(q)), bias_(PrimitiveBias(q_)), scales_(MakeScaleArgs(q_)),
        weights_(memory::desc({k, n}, dt::s8, tag::ab), w, k * n), halved_(halved) {}

  const char* Kind() const override { return "dense"; }
  int64_t InRow() const override { return k_; }
  int64_t OutRow() const override { return n_; }

  void Run(const float* x, int64_t m, float* y) override {
    Entry& e = Get(m);
    // The execute arguments are built once per batch size; only the two data pointers change.
    e.args.at(DNNL_ARG_SRC).set_data_handle(QuantizeInput(x, m * k_, q_));
    e.args.at(DNNL_ARG_DST).set_data_handle(y);
    e.prim->execute(DnnlStream(), e.args);
    DnnlStream().wait();
  }

  std::string Impl(int64_t m) override {
    return std::string(Get(m).pd->impl_info_str()) +
           (halved_ ? " (" + std::to_string(halved_) + " channels of 8-bit weights halved: no VNNI)" : "");
  }

 private:
  struct Entry {
    std::unique_ptr<matmul::primitive_desc> pd;
    std::unique_ptr<matmul> prim;
    std::unordered_map<int, memory> args;
  };

  Entry& Get(int64_t m) {
    auto it = cache_.find(m);
    if (it != cache_.end()) return it->second;
    if (cache_.size() >= kMaxBatchEntries) cache_.clear();
    memory::desc src({m, k_}, SrcDt(q_), tag::ab);
    memory::desc wany({k_, n_}, dt::s8, tag::any);
    memory::desc dst({m, n_}, dt::f32, tag::ab);
    memory::desc bmd = bias_.empty() ? memory::desc() : memory::desc({1, n_}, dt::f32, tag::ab);
    primitive_attr attr = MakeAttr(q_, 1 << 1);
    Entry e;
#if DNNL_VERSION_MAJOR >= 3
    e.pd.reset(new matmul::primitive_desc(DnnlEngine(), src, wany, bmd, dst, attr));
#else
    matmul::desc d(src, wany, bmd, dst);
    e.pd.reset(new matmul::primitive_desc(d, attr, DnnlEngine()));
#endif
    e.prim.reset(new matmul(*e.pd));
    e.args = {{DNNL_ARG_SRC, memory(e.pd->src_desc(), DnnlEngine(), DNNL_MEMORY_NONE)},
              {DNNL_ARG_WEIGHTS, weights_.For(e.pd->weights_desc())},
              {DNNL_ARG_DST, memory(e.pd->dst_desc(), DnnlEngine(), DNNL_MEMORY_NONE)}};
    if (!bias_.empty()) {
      e.args.insert({DNNL_ARG_BIAS, memory(memory::desc({1, n_}, dt::f32, tag::ab), DnnlEngine(), bias_.data())});
    }
    scales_.Add(e.args);
    return cache_.emplace(m, std::move(e)).first->second;
  }

  int64_t k_, n_;
  Quant q_;
  std::vector<float> bias_;
  ScaleArgs scales_;
  PackedWeights weights_;
  int64_t halved_;
  std::map<int64_t, Entry> cache_;
};

}  // namespace

// int8DenseCreate(params [inFeatures, outFeatures, ACT, SRC], weights: Int8Array, weightScales, bias|null, inputScale)
std::unique_ptr<Op> CreateDense(const Args& a) {
  auto p = a.I32(0);
  if (p.len != 4) a.Range("params has " + std::to_string(p.len) + " entries, expected 4");
  int64_t k = p.data[0], n = p.data[1];
  a.Require(k > 0, "inFeatures must be > 0, got " + std::to_string(k));
  a.Require(n > 0, "outFeatures must be > 0, got " + std::to_string(n));
  int64_t wlen = a.Product({k, n});
  auto w = a.I8(1);
  if (w.len != wlen) {
    a.Range("weights has " + std::to_string(w.len) + " elements, expected " + std::to_string(wlen) +
            " (inFeatures·outFeatures)");
  }
  Quant q = ReadQuant(a, 2, 3, 4, n, p.data[3], p.data[2]);
  // The int8 GEMM has the same int16 pairs without VNNI, for u8 and (shifted internally) s8 inputs.
  std::vector<int8_t> narrowed;
  int64_t halved = 0;
  const int8_t* wp = NarrowWeights(w.data, w.len, n, q, narrowed, halved);
  return std::make_unique<DenseOp>(k, n, std::move(q), wp, halved);
}

}  // namespace int8
}  // namespace kiln
