// Int8 inference, the parts both layer kinds share: quantization parameters
// and their checks, primitive attributes, weight narrowing and prepacking,
// and the input quantization into one shared scratch buffer (the addon is
// only called from the JS thread). The handle table is in int8_addon.cc.
#include "int8.h"
#include "dnnl_context.h"
#include <cstdlib>
#include <stdexcept>

namespace kiln {
namespace int8 {
using namespace dnnl;
using dt = memory::data_type;

Quant ReadQuant(const Args& a, size_t scalesArg, size_t biasArg, size_t inputScaleArg, int64_t oc, int srcType,
                int act) {
  Quant q;
  a.Require(srcType == kU8 || srcType == kS8, "input type must be 0 (u8) or 1 (s8)");
  a.Require(act == kLinear || act == kRelu || act == kRelu6, "activation must be linear, relu or relu6");
  q.srcType = srcType;
  q.act = act;
  double s = a.Num(inputScaleArg);
  a.Require(std::isfinite(s) && s > 0 && static_cast<float>(s) > 0.f, "input scale must be finite and > 0, got " +
                                                                          std::to_string(s));
  q.inputScale = static_cast<float>(s);
  auto ws = a.F32(scalesArg);
  if (ws.len != oc) {
    a.Range("weightScales has " + std::to_string(ws.len) + " elements, expected " + std::to_string(oc) +
            " (one per output channel)");
  }
  q.weightScales.assign(ws.data, ws.data + ws.len);
  for (int64_t i = 0; i < oc; i++) {
    float v = q.weightScales[i];
    a.Require(std::isfinite(v) && v > 0.f, "weightScales[" + std::to_string(i) + "] must be finite and > 0, got " +
                                               std::to_string(v));
    a.Require(std::isfinite(v * q.inputScale) && v * q.inputScale > 0.f,
              "inputScale * weightScales[" + std::to_string(i) + "] is not a finite positive float");
  }
  if (!a.IsNullish(biasArg)) {
    auto b = a.F32(biasArg);
    if (b.len != oc) {
      a.Range("bias has " + std::to_string(b.len) + " elements, expected " + std::to_string(oc));
    }
    q.bias.assign(b.data, b.data + b.len);
    for (int64_t i = 0; i < oc; i++) {
      a.Require(std::isfinite(q.bias[i]), "bias[" + std::to_string(i) + "] is not finite");
    }
  }
  return q;
}

// oneDNN 3 dropped the post-op scale argument.
static void AppendEltwise(post_ops& ops, algorithm alg, float alpha, float beta) {
#if DNNL_VERSION_MAJOR >= 3
  ops.append_eltwise(alg, alpha, beta);
#else
  ops.append_eltwise(1.f, alg, alpha, beta);
#endif
}

primitive_attr MakeAttr(const Quant& q, int weightsMask) {
  primitive_attr attr;
#if DNNL_VERSION_MAJOR >= 3
  attr.set_scales_mask(DNNL_ARG_SRC, 0);
  attr.set_scales_mask(DNNL_ARG_WEIGHTS, weightsMask);
#else
  (void)weightsMask;
  // Destination dims are {n, c, h, w} (conv) or {m, n} (matmul): channel = dim 1 in both.
  std::vector<float> out(q.weightScales.size());
  for (size_t i = 0; i < out.size(); i++) out[i] = q.inputScale * q.weightScales[i];
  attr.set_output_scales(1 << 1, out);
#endif
  if (q.shift) {
#if DNNL_VERSION_MAJOR >= 3
    attr.set_zero_points_mask(DNNL_ARG_SRC, 0);
#else
    attr.set_zero_points(DNNL_ARG_SRC, 0, {DNNL_RUNTIME_S32_VAL});
#endif
  }
  post_ops ops;
  if (q.act == kRelu) AppendEltwise(ops, algorithm::eltwise_relu, 0.f, 0.f);
  if (q.act == kRelu6) AppendEltwise(ops, algorithm::eltwise_clip, 0.f, 6.f);
  attr.set_post_ops(ops);
  return attr;
}

std::vector<float> PrimitiveBias(const Quant& q) {
  std::vector<float> b = q.bias;
#if DNNL_VERSION_MAJOR < 3
  for (size_t i = 0; i < b.size(); i++) {
    b[i] /= q.inputScale * q.weightScales[i];
    if (!std::isfinite(b[i])) {
      throw std::range_error("bias[" + std::to_string(i) + "] / (inputScale * weightScales[" + std::to_string(i) +
                             "]) overflows float32");
    }
  }
#endif
  return b;
}

ScaleArgs MakeScaleArgs(const Quant& q) {
  ScaleArgs s;
#if DNNL_VERSION_MAJOR >= 3
  s.src = {q.inputScale};
  s.wei = q.weightScales;
#endif
  if (q.shift) s.zp = {128};
  return s;
}

void ScaleArgs::Add(std::unordered_map<int, memory>& args) const {
#if DNNL_VERSION_MAJOR >= 3
  auto one = [](const std::vector<float>& v) {
    return memory(memory::desc({static_cast<int64_t>(v.size())}, dt::f32, memory::format_tag::x), DnnlEngine(),
                  const_cast<float*>(v.data()));
  };
  args.insert({DNNL_ARG_ATTR_SCALES | DNNL_ARG_SRC, one(src)});
  args.insert({DNNL_ARG_ATTR_SCALES | DNNL_ARG_WEIGHTS, one(wei)});
#endif
  if (!zp.empty()) {
    args.insert({DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC,
                 memory(memory::desc({1}, dt::s32, memory::format_tag::x), DnnlEngine(), const_cast<int32_t*>(zp.data()))});
  }
}

dt SrcDt(const Quant& q) { return q.srcType == kS8 && !q.shift ? dt::s8 : dt::u8; }

bool HasVnni() {
  dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
  auto has = [isa](dnnl_cpu_isa_t want) {
    return (static_cast<unsigned>(isa) & static_cast<unsigned>(want)) == static_cast<unsigned>(want);
  };
  return has(dnnl_cpu_isa_avx2_vnni) || has(dnnl_cpu_isa_avx512_core_vnni);
}

const int8_t* NarrowWeights(const int8_t* w, int64_t n, int64_t oc, Quant& q, std::vector<int8_t>& store,
                            int64_t& halved) {
  halved = 0;
  if (HasVnni()) return w;
  std::vector<int> wmax(oc, 0);
  for (int64_t i = 0; i < n; i++) wmax[i % oc] = std::max(wmax[i % oc], std::abs(static_cast<int>(w[i])));
  std::vector<bool> wide(oc);
  for (int64_t c = 0; c < oc; c++) {
    wide[c] = wmax[c] > 63;
    if (!wide[c]) continue;
    q.weightScales[c] *= 2.f;
    halved++;
    if (!std::isfinite(q.weightScales[c] * q.inputScale)) {
      throw std::range_error("weightScales[" + std::to_string(c) + "] overflows when its 8-bit weights are halved");
    }
  }
  if (!halved) return w;
  store.assign(w, w + n);
  for (int64_t i = 0; i < n; i++) {
    if (wide[i % oc]) store[i] = static_cast<int8_t>(std::nearbyint(store[i] * 0.5f));
  }
  return store.data();
}

PackedWeights::PackedWeights(const memory::desc& user, const int8_t* w, int64_t n) : user_(user), data_(w, w + n) {}

memory PackedWeights::For(const memory::desc& want) {
  for (auto& p : packed_) {
    if (p.first == want) return p.second;
  }
  memory userMem(user_, DnnlEngine(), data_.data());
  memory m(want, DnnlEngine());
  reorder(userMem, m).execute(DnnlStream(), userMem, m);
  DnnlStream().wait();
  packed_.emplace_back(want, m);
  return m;
}

namespace {

// q = round_half_even(x / scale), clamped first (|v| < 2^22) so the 1.5·2^23 trick rounds: SSE2-only and
// vectorizable. A true division, as ONNX QuantizeLinear: memory-bound anyway (vs x·(1/scale): +10%).
KILN_SIMD void QuantU8(const float* x, uint8_t* q, int64_t n, float scale) {
#pragma omp parallel for schedule(static) if (n > kPar)
  for (int64_t i = 0; i < n; i++) {
    float v = x[i] / scale;
    v = v == v ? v : 0.f;
    v = v < 0.f ? 0.f : v;
    v = v > 255.f ? 255.f : v;
    v = (v + 12582912.f) - 12582912.f;
    q[i] = static_cast<uint8_t>(static_cast<int32_t>(v));
  }
}

// s8 value + 128 as u8 (the shifted input of Quant::shift): [1, 255].
KILN_SIMD void QuantS8Shifted(const float* x, uint8_t* q, int64_t n, float scale) {
#pragma omp parallel for schedule(static) if (n > kPar)
  for (int64_t i = 0; i < n; i++) {
    float v = x[i] / scale;
    v = v == v ? v : 0.f;
    v = v < -127.f ? -127.f : v;
    v = v > 127.f ? 127.f : v;
    v = (v + 12582912.f) - 12582912.f;
    q[i] = static_cast<uint8_t>(static_cast<int32_t>(v) + 128);
  }
}

KILN_SIMD void QuantS8(const float* x, int8_t* q, int64_t n, float scale) {
#pragma omp parallel for schedule(static) if (n > kPar)
  for (int64_t i = 0; i < n; i++) {
    float v = x[i] / scale;
    v = v == v ? v : 0.f;
    v = v < -127.f ? -127.f : v;
    v = v > 127.f ? 127.f : v;
    v = (v + 12582912.f) - 12582912.f;
    q[i] = static_cast<int8_t>(static_cast<int32_t>(v));
  }
}

struct Scratch {
  uint8_t* p = nullptr;
  int64_t cap = 0;
  ~Scratch() { std::free(p); }
  void Release() {
    std::free(p);
    p = nullptr;
    cap = 0;
  }
  uint8_t* Get(int64_t n) {
    if (n > cap) {
      std::free(p);
      int64_t bytes = (n + 63) / 64 * 64;
      p = static_cast<uint8_t*>(std::aligned_alloc(64, static_cast<size_t>(bytes)));
      if (!p) {
        cap = 0;
        throw std::bad_alloc();
      }
      cap = bytes;
    }
    return p;
  }
};
Scratch g_scratch;

}  // namespace

void ReleaseScratch() { g_scratch.Release(); }

void* QuantizeInput(const float* x, int64_t n, const Quant& q) {
  uint8_t* buf = g_scratch.Get(std::max<int64_t>(n, 1));
  if (q.shift) QuantS8Shifted(x, buf, n, q.inputScale);
  else if (q.srcType == kS8) QuantS8(x, reinterpret_cast<int8_t*>(buf), n, q.inputScale);
  else QuantU8(x, buf, n, q.inputScale);
  return buf;
}

}  // namespace int8

}  // namespace kiln
