// Int8 inference: the handle table behind createInt8Conv / createInt8Dense
// (src/int8.ts), input quantization and the attributes both layer kinds share.
// A handle owns its prepacked weights and one primitive per batch size; the
// float input is quantized into one shared scratch buffer per call (the addon
// is only called from the JS thread), the output is written as float32.
#include "int8.h"
#include <omp.h>
#include <cstdlib>
#include <map>
#include <mutex>

namespace kiln {
namespace int8 {
using namespace dnnl;
using dt = memory::data_type;

engine& Eng() {
  static engine e(engine::kind::cpu, 0);
  return e;
}
stream& Strm() {
  static stream s(Eng());
  return s;
}

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
  for (size_t i = 0; i < b.size(); i++) b[i] /= q.inputScale * q.weightScales[i];
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
    return memory(memory::desc({static_cast<int64_t>(v.size())}, dt::f32, memory::format_tag::x), Eng(),
                  const_cast<float*>(v.data()));
  };
  args.insert({DNNL_ARG_ATTR_SCALES | DNNL_ARG_SRC, one(src)});
  args.insert({DNNL_ARG_ATTR_SCALES | DNNL_ARG_WEIGHTS, one(wei)});
#endif
  if (!zp.empty()) {
    args.insert({DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC,
                 memory(memory::desc({1}, dt::s32, memory::format_tag::x), Eng(), const_cast<int32_t*>(zp.data()))});
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
    if (wide[c]) q.weightScales[c] *= 2.f, halved++;
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
  memory userMem(user_, Eng(), data_.data());
  memory m(want, Eng());
  reorder(userMem, m).execute(Strm(), userMem, m);
  Strm().wait();
  packed_.emplace_back(want, m);
  return m;
}

namespace {

// Round half to even by the 1.5·2^23 trick, after clamping (|v| < 2^22): SSE2-only and vectorizable.
KILN_SIMD void QuantU8(const float* x, uint8_t* q, int64_t n, float inv) {
#pragma omp parallel for schedule(static) if (n > kPar)
  for (int64_t i = 0; i < n; i++) {
    float v = x[i] * inv;
    v = v == v ? v : 0.f;
    v = v < 0.f ? 0.f : v;
    v = v > 255.f ? 255.f : v;
    v = (v + 12582912.f) - 12582912.f;
    q[i] = static_cast<uint8_t>(static_cast<int32_t>(v));
  }
}

// s8 value + 128 as u8 (the shifted input of Quant::shift): [1, 255].
KILN_SIMD void QuantS8Shifted(const float* x, uint8_t* q, int64_t n, float inv) {
#pragma omp parallel for schedule(static) if (n > kPar)
  for (int64_t i = 0; i < n; i++) {
    float v = x[i] * inv;
    v = v == v ? v : 0.f;
    v = v < -127.f ? -127.f : v;
    v = v > 127.f ? 127.f : v;
    v = (v + 12582912.f) - 12582912.f;
    q[i] = static_cast<uint8_t>(static_cast<int32_t>(v) + 128);
  }
}

KILN_SIMD void QuantS8(const float* x, int8_t* q, int64_t n, float inv) {
#pragma omp parallel for schedule(static) if (n > kPar)
  for (int64_t i = 0; i < n; i++) {
    float v = x[i] * inv;
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

std::mutex g_mu;
std::map<int64_t, std::unique_ptr<Op>> g_ops;
int64_t g_next = 1;

Op* Find(const Args& a, size_t i) {
  int64_t id = a.Int(i, 1, int64_t(1) << 52);
  auto it = g_ops.find(id);
  if (it == g_ops.end()) a.Range("int8 op " + std::to_string(id) + " does not exist (disposed?)");
  return it->second.get();
}

Napi::Value Add(const Napi::CallbackInfo& info, std::unique_ptr<Op> op) {
  int64_t id = g_next++;
  g_ops.emplace(id, std::move(op));
  return Napi::Number::New(info.Env(), static_cast<double>(id));
}

// int8ConvCreate(params, weights, weightScales, bias|null, inputScale)
Napi::Value ConvCreate(const Napi::CallbackInfo& info) {
  Args a(info, "int8ConvCreate", 5);
  std::lock_guard<std::mutex> lk(g_mu);
  return Add(info, CreateConv(a));
}

// int8DenseCreate(params, weights, weightScales, bias|null, inputScale)
Napi::Value DenseCreate(const Napi::CallbackInfo& info) {
  Args a(info, "int8DenseCreate", 5);
  std::lock_guard<std::mutex> lk(g_mu);
  return Add(info, CreateDense(a));
}

// int8Run(id, x, batch, y)
Napi::Value Run(const Napi::CallbackInfo& info) {
  Args a(info, "int8Run", 4);
  std::lock_guard<std::mutex> lk(g_mu);
  Op* op = Find(a, 0);
  auto x = a.F32(1);
  int64_t batch = a.Int(2, 1, int64_t(1) << 31);
  auto y = a.F32(3);
  a.Require(batch <= kMaxElems / op->InRow() && batch <= kMaxElems / op->OutRow(), "batch too large");
  if (x.len != batch * op->InRow()) {
    a.Range("x has " + std::to_string(x.len) + " elements, expected " + std::to_string(batch * op->InRow()) +
            " (batch " + std::to_string(batch) + " × " + std::to_string(op->InRow()) + ")");
  }
  if (y.len != batch * op->OutRow()) {
    a.Range("y has " + std::to_string(y.len) + " elements, expected " + std::to_string(batch * op->OutRow()));
  }
  op->Run(x.data, batch, y.data);
  return info.Env().Undefined();
}

// int8Impl(id, batch): oneDNN's implementation name for that batch size.
Napi::Value Impl(const Napi::CallbackInfo& info) {
  Args a(info, "int8Impl", 2);
  std::lock_guard<std::mutex> lk(g_mu);
  Op* op = Find(a, 0);
  int64_t batch = a.Int(1, 1, int64_t(1) << 31);
  a.Require(batch <= kMaxElems / op->InRow() && batch <= kMaxElems / op->OutRow(), "batch too large");
  return Napi::String::New(info.Env(), op->Impl(batch));
}

// int8Dispose(id): frees the handle; false when it was already gone.
Napi::Value Dispose(const Napi::CallbackInfo& info) {
  Args a(info, "int8Dispose", 1);
  std::lock_guard<std::mutex> lk(g_mu);
  int64_t id = a.Int(0, 0, int64_t(1) << 52);
  return Napi::Boolean::New(info.Env(), g_ops.erase(id) > 0);
}

// int8OpCount(): live handles (tests check dispose frees them).
Napi::Value OpCount(const Napi::CallbackInfo& info) {
  std::lock_guard<std::mutex> lk(g_mu);
  return Napi::Number::New(info.Env(), static_cast<double>(g_ops.size()));
}

bool IsaHas(dnnl_cpu_isa_t isa, dnnl_cpu_isa_t want) {
  return (static_cast<unsigned>(isa) & static_cast<unsigned>(want)) == static_cast<unsigned>(want);
}

// int8Support(): the ISA oneDNN runs on and whether it has VNNI / AMX-INT8.
Napi::Value Support(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
  Napi::Object o = Napi::Object::New(env);
  const char* name = "other";
  switch (isa) {
    case dnnl_cpu_isa_sse41: name = "sse41"; break;
    case dnnl_cpu_isa_avx: name = "avx"; break;
    case dnnl_cpu_isa_avx2: name = "avx2"; break;
    case dnnl_cpu_isa_avx2_vnni: name = "avx2_vnni"; break;
    case dnnl_cpu_isa_avx512_core: name = "avx512_core"; break;
    case dnnl_cpu_isa_avx512_core_vnni: name = "avx512_core_vnni"; break;
    case dnnl_cpu_isa_avx512_core_bf16: name = "avx512_core_bf16"; break;
    case dnnl_cpu_isa_avx512_core_amx: name = "avx512_core_amx"; break;
    default: break;
  }
  bool vnni = IsaHas(isa, dnnl_cpu_isa_avx2_vnni) || IsaHas(isa, dnnl_cpu_isa_avx512_core_vnni);
  o.Set("isa", name);
  o.Set("vnni", vnni);
  o.Set("amx", IsaHas(isa, dnnl_cpu_isa_avx512_core_amx));
  // oneDNN's x8s8s32x convolutions need SSE4.1; below that only reference kernels exist.
  o.Set("available", IsaHas(isa, dnnl_cpu_isa_sse41));
  return o;
}

}  // namespace

void* QuantizeInput(const float* x, int64_t n, const Quant& q) {
  uint8_t* buf = g_scratch.Get(std::max<int64_t>(n, 1));
  float inv = 1.f / q.inputScale;
  if (q.shift) QuantS8Shifted(x, buf, n, inv);
  else if (q.srcType == kS8) QuantS8(x, reinterpret_cast<int8_t*>(buf), n, inv);
  else QuantU8(x, buf, n, inv);
  return buf;
}

}  // namespace int8

void InitInt8(Napi::Env env, Napi::Object exports) {
  exports.Set("int8ConvCreate", Fn(env, int8::ConvCreate));
  exports.Set("int8DenseCreate", Fn(env, int8::DenseCreate));
  exports.Set("int8Run", Fn(env, int8::Run));
  exports.Set("int8Impl", Fn(env, int8::Impl));
  exports.Set("int8Dispose", Fn(env, int8::Dispose));
  exports.Set("int8OpCount", Fn(env, int8::OpCount));
  exports.Set("int8Support", Fn(env, int8::Support));
}

}  // namespace kiln
