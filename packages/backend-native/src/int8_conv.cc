// Int8 convolution (forward_inference): src u8/s8 NHWC quantized from the
// float input, weights s8 per output channel (tfjs HWIO, or [KH, KW, C, M]
// for depthwise = groups C), float bias, float32 NHWC output with the
// requantization (inputScale · weightScales[oc]) and relu/relu6 fused.
// Weights are reordered once into the format oneDNN picks (format `any`).
#include "int8.h"
#include "dnnl_context.h"
#include <cstdlib>
#include <map>

namespace kiln {
namespace int8 {
using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

// Param order (Int32Array): IH IW IC OC KH KW SH SW DH DW PT PB PL PR G ACT SRC
constexpr int kConvParams = 17;

struct Shape {
  int64_t ih, iw, ic, oc, kh, kw, sh, sw, dh, dw, pt, pb, pl, pr, g;
  int64_t oh, ow;
};

using FwdPd = convolution_forward::primitive_desc;

class ConvOp : public Op {
 public:
  ConvOp(const Shape& s, Quant q, const int8_t* w, int64_t wlen, int64_t halved)
      : s_(s), q_(std::move(q)), bias_(PrimitiveBias(q_)), scales_(MakeScaleArgs(q_)),
        weights_(UserW(), w, wlen), halved_(halved) {}

  const char* Kind() const override { return "conv2d"; }
  int64_t InRow() const override { return s_.ih * s_.iw * s_.ic; }
  int64_t OutRow() const override { return s_.oh * s_.ow * s_.oc; }

  void Run(const float* x, int64_t batch, float* y) override {
    Entry& e = Get(batch);
    // The execute arguments are built once per batch size; only the two data pointers change.
    e.args.at(DNNL_ARG_SRC).set_data_handle(QuantizeInput(x, batch * InRow(), q_));
    e.args.at(DNNL_ARG_DST).set_data_handle(y);
    e.prim->execute(DnnlStream(), e.args);
    DnnlStream().wait();
  }

  std::string Impl(int64_t batch) override {
    return std::string(Get(batch).pd->impl_info_str()) + (q_.shift ? " (s8 input as u8+128, zero point 128)" : "") +
           (halved_ ? " (" + std::to_string(halved_) + " channels of 8-bit weights halved: no VNNI)" : "");
  }

 private:
  struct Entry {
    std::unique_ptr<FwdPd> pd;
    std::unique_ptr<convolution_forward> prim;
    std::unordered_map<int, memory> args;
  };

  memory::dims WDims() const {
    if (s_.g == 1) return {s_.oc, s_.ic, s_.kh, s_.kw};
    return {s_.g, s_.oc / s_.g, s_.ic / s_.g, s_.kh, s_.kw};
  }
  memory::desc UserW() const {
    if (s_.g == 1) return memory::desc(WDims(), dt::s8, tag::hwio);
    // Depthwise filter [KH][KW][C][M]: g stride M, oc stride 1.
    int64_t m = s_.oc / s_.g;
    return memory::desc(WDims(), dt::s8, memory::dims{m, 1, s_.oc, s_.kw * s_.oc, s_.oc});
  }

  Entry& Get(int64_t n) {
    auto it = cache_.find(n);
    if (it != cache_.end()) return it->second;
    if (cache_.size() >= kMaxBatchEntries) cache_.clear();
    memory::desc src({n, s_.ic, s_.ih, s_.iw}, SrcDt(q_), tag::nhwc);
    memory::desc dst({n, s_.oc, s_.oh, s_.ow}, dt::f32, tag::nhwc);
    memory::desc wany(WDims(), dt::s8, tag::any);
    memory::dims st = {s_.sh, s_.sw}, dl = {s_.dh - 1, s_.dw - 1}, pl = {s_.pt, s_.pl}, pr = {s_.pb, s_.pr};
    primitive_attr attr = MakeAttr(q_, s_.g == 1 ? 1 << 0 : (1 << 0) | (1 << 1));
    memory::desc bmd = bias_.empty() ? memory::desc() : memory::desc({s_.oc}, dt::f32, tag::x);
    Entry e;
#if DNNL_VERSION_MAJOR >= 3
    e.pd.reset(new FwdPd(DnnlEngine(), prop_kind::forward_inference, algorithm::convolution_direct, src, wany, bmd, dst, st,
                         dl, pl, pr, attr));
#else
    convolution_forward::desc d(prop_kind::forward_inference, algorithm::convolution_direct, src, wany, bmd, dst, st,
                                dl, pl, pr);
    e.pd.reset(new FwdPd(d, attr, DnnlEngine()));
#endif
    e.prim.reset(new convolution_forward(*e.pd));
    e.args = {{DNNL_ARG_SRC, memory(e.pd->src_desc(), DnnlEngine(), DNNL_MEMORY_NONE)},
              {DNNL_ARG_WEIGHTS, weights_.For(e.pd->weights_desc())},
              {DNNL_ARG_DST, memory(e.pd->dst_desc(), DnnlEngine(), DNNL_MEMORY_NONE)}};
    if (!bias_.empty()) {
      e.args.insert({DNNL_ARG_BIAS, memory(memory::desc({s_.oc}, dt::f32, tag::x), DnnlEngine(), bias_.data())});
    }
    scales_.Add(e.args);
    return cache_.emplace(n, std::move(e)).first->second;
  }

  Shape s_;
  Quant q_;
  std::vector<float> bias_;
  ScaleArgs scales_;
  PackedWeights weights_;
  int64_t halved_;
  std::map<int64_t, Entry> cache_;
};

}  // namespace

// int8ConvCreate(params, weights: Int8Array, weightScales, bias|null, inputScale)
std::unique_ptr<Op> CreateConv(const Args& a) {
  auto p = a.I32(0);
  if (p.len != kConvParams) a.Range("params has " + std::to_string(p.len) + " entries, expected 17");
  const int32_t* v = p.data;
  const char* names[kConvParams] = {"inH", "inW", "inC", "outC", "kh", "kw", "strideH", "strideW", "dilationH",
                                    "dilationW", "pad.top", "pad.bottom", "pad.left", "pad.right", "groups",
                                    "activation", "input type"};
  for (int k = 0; k < 15; k++) {
    bool ok = k >= 10 && k <= 13 ? v[k] >= 0 : v[k] > 0;
    if (!ok) a.Range(std::string(names[k]) + (k >= 10 && k <= 13 ? " must be >= 0" : " must be > 0") + ", got " +
                     std::to_string(v[k]));
  }
  Shape s{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], 0, 0};
  a.Require(s.g == 1 || s.g == s.ic, "groups must be 1 (conv) or inC (depthwise), got " + std::to_string(s.g) +
                                         " with inC " + std::to_string(s.ic));
  a.Require(s.oc % s.g == 0, "groups " + std::to_string(s.g) + " does not divide outC " + std::to_string(s.oc));
  a.Product({s.ih, s.iw, s.ic});
  int64_t ekh = (s.kh - 1) * s.dh + 1, ekw = (s.kw - 1) * s.dw + 1;
  int64_t hh = s.ih + s.pt + s.pb - ekh, ww = s.iw + s.pl + s.pr - ekw;
  a.Require(hh >= 0 && ww >= 0, "the (dilated) kernel is larger than the padded input");
  s.oh = hh / s.sh + 1;
  s.ow = ww / s.sw + 1;
  // Padding the stride never reaches is dropped, so oneDNN's shape equation holds exactly.
  s.pb = (s.oh - 1) * s.sh + ekh - s.ih - s.pt;
  s.pr = (s.ow - 1) * s.sw + ekw - s.iw - s.pl;
  a.Product({s.oh, s.ow, s.oc});
  int64_t wlen = a.Product({s.kh, s.kw, s.ic / s.g, s.oc});
  auto w = a.I8(1);
  if (w.len != wlen) {
    a.Range("weights has " + std::to_string(w.len) + " elements, expected " + std::to_string(wlen) +
            (s.g == 1 ? " (kh·kw·inC·outC)" : " (kh·kw·outC, depthwise)"));
  }
  Quant q = ReadQuant(a, 2, 3, 4, s.oc, v[16], v[15]);
  // Without VNNI: weights narrowed to 7 bits per channel where wider (NarrowWeights), and s8 inputs run
  // shifted (u8 + zero point 128, exact) instead of on oneDNN's s8 path, which halves every weight
  // (KILN_INT8_NO_SHIFT=1 keeps that path: then the weights go to it unnarrowed). Depthwise kernels
  // multiply in int32 (no vpmaddubsw, no scale_adjust): their weights and s8 inputs run as given.
  std::vector<int8_t> narrowed;
  int64_t halved = 0;
  const int8_t* wp = w.data;
  bool oneDnnS8 = q.srcType == kS8 && std::getenv("KILN_INT8_NO_SHIFT");
  if (s.g == 1 && !oneDnnS8) wp = NarrowWeights(w.data, w.len, s.oc, q, narrowed, halved);
  q.shift = q.srcType == kS8 && s.g == 1 && !oneDnnS8 && !HasVnni();
  return std::make_unique<ConvOp>(s, std::move(q), wp, w.len, halved);
}

}  // namespace int8
}  // namespace kiln
