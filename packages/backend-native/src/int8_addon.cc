// Int8 inference: the handle table and N-API entry points behind
// createInt8Conv / createInt8Dense (src/int8.ts). A handle owns its
// prepacked weights and one primitive per batch size; int8Run quantizes the
// float input, runs the primitive and writes float32.
#include "int8.h"
#include "signal_guard.h"
#include <map>
#include <mutex>

namespace kiln {
namespace int8 {
using namespace dnnl;

namespace {

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
  bool erased = g_ops.erase(id) > 0;
  if (g_ops.empty()) ReleaseScratch();  // the input-sized buffer lives as long as some layer does
  return Napi::Boolean::New(info.Env(), erased);
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
}  // namespace int8

void InitInt8(Napi::Env env, Napi::Object exports) {
  exports.Set("int8ConvCreate", DnnlFn(env, int8::ConvCreate));
  exports.Set("int8DenseCreate", DnnlFn(env, int8::DenseCreate));
  exports.Set("int8Run", DnnlFn(env, int8::Run));
  exports.Set("int8Impl", Fn(env, int8::Impl));
  exports.Set("int8Dispose", Fn(env, int8::Dispose));
  exports.Set("int8OpCount", Fn(env, int8::OpCount));
  exports.Set("int8Support", Fn(env, int8::Support));
}

}  // namespace kiln
