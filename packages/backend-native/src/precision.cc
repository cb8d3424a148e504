// Compute precision of convolutions and matmuls: "autocast" at the kernel
// level. tfjs tensors stay float32; under bf16 the conv/matmul kernels convert
// their inputs to bfloat16 and run oneDNN bf16 primitives with float32
// outputs (fp32 accumulation). Everything else (norms, softmax, losses,
// reductions, optimizers) never looks at this mode.
//
// Emulated modes round the inputs to bf16/fp16 values (kept in float32) and
// run the fp32 primitives: the numerics of bf16/fp16 inputs with fp32
// accumulation on any CPU, at fp32 speed plus the rounding pass. oneDNN 2.6
// has no fp16 convolution/matmul on CPU, so fp16 is always emulated.
#include "native_common.h"
#include <dnnl.hpp>
#include <omp.h>
#include <cstring>

namespace kiln {

namespace {

int g_mode = kF32;
bool g_emulated = false;
double g_calls[2] = {0, 0};  // kernel calls run in native bf16 / emulated rounding

// Scratch copies of kernel inputs, one per argument slot. The addon is called
// from the JS thread only (conv additionally holds its own mutex), so one set
// is enough; it keeps the largest size seen until the mode is reset to fp32.
std::vector<float> g_round[kScratchSlots];
std::vector<uint16_t> g_bf16[kScratchSlots];

// Round to nearest even, as oneDNN's f32->bf16 reorder; NaN stays NaN.
KILN_SIMD void RoundBf16(const float* src, float* dst, int64_t n) {
#pragma omp parallel for schedule(static) if (n > kPar)
  for (int64_t i = 0; i < n; i++) {
    uint32_t u;
    std::memcpy(&u, &src[i], 4);
    uint32_t r = (u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff0000u;
    r = (u & 0x7fffffffu) > 0x7f800000u ? (u | 0x00400000u) : r;
    std::memcpy(&dst[i], &r, 4);
  }
}

KILN_SIMD void ConvertBf16(const float* src, uint16_t* dst, int64_t n) {
#pragma omp parallel for schedule(static) if (n > kPar)
  for (int64_t i = 0; i < n; i++) {
    uint32_t u;
    std::memcpy(&u, &src[i], 4);
    uint32_t r = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
    dst[i] = static_cast<uint16_t>((u & 0x7fffffffu) > 0x7f800000u ? ((u >> 16) | 0x40u) : r);
  }
}

#ifdef __FLT16_MAX__
// Through the compiler's _Float16 (F16C in the AVX2/AVX-512 clones): values above
// 65504 become inf, tiny ones subnormal or zero, exactly as an fp16 tensor would.
KILN_SIMD void RoundF16(const float* src, float* dst, int64_t n) {
#pragma omp parallel for schedule(static) if (n > kPar)
  for (int64_t i = 0; i < n; i++) dst[i] = static_cast<float>(static_cast<_Float16>(src[i]));
}
#endif

bool IsaHas(dnnl_cpu_isa_t isa, dnnl_cpu_isa_t want) {
  return (static_cast<unsigned>(isa) & static_cast<unsigned>(want)) == static_cast<unsigned>(want);
}

const char* IsaName(dnnl_cpu_isa_t isa) {
  switch (isa) {
    case dnnl_cpu_isa_sse41: return "sse41";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    default: return "other";
  }
}

// setPrecision(mode, emulate)
Napi::Value SetPrecision(const Napi::CallbackInfo& info) {
  Args a(info, "setPrecision", 2);
  int mode = static_cast<int>(a.Int(0, kF32, kF16));
  bool emulate = a.Bool(1);
  if (mode == kBf16 && !emulate && !CpuHasBf16()) {
    a.Range(std::string("bf16 compute needs a CPU with avx512_core_bf16 or AMX; oneDNN reports ") +
            IsaName(dnnl_get_effective_cpu_isa()));
  }
  if (mode == kF16 && !emulate) a.Range("fp16 compute: oneDNN 2.6 has no fp16 convolution/matmul on CPU (emulate only)");
#ifndef __FLT16_MAX__
  if (mode == kF16) a.Range("fp16 emulation needs a compiler with _Float16 (GCC 12+, clang 15+)");
#endif
  g_mode = mode;
  g_emulated = mode != kF32 && emulate;
  if (mode == kF32) {
    for (auto& v : g_round) std::vector<float>().swap(v);
    for (auto& v : g_bf16) std::vector<uint16_t>().swap(v);
  }
  return info.Env().Undefined();
}

// precisionInfo(): mode, path and the CPU's ISA as oneDNN sees it.
Napi::Value PrecisionInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
  o.Set("mode", g_mode);
  o.Set("emulated", g_emulated);
  o.Set("isa", IsaName(isa));
  o.Set("bf16", CpuHasBf16());
  o.Set("amx", IsaHas(isa, dnnl_cpu_isa_avx512_core_amx));
  o.Set("nativeCalls", g_calls[0]);
  o.Set("emulatedCalls", g_calls[1]);
  return o;
}

}  // namespace

bool CpuHasBf16() { return IsaHas(dnnl_get_effective_cpu_isa(), dnnl_cpu_isa_avx512_core_bf16); }

bool NativeBf16() { return g_mode == kBf16 && !g_emulated; }

void CountPrecisionCall() {
  if (NativeBf16()) g_calls[0]++;
  else if (g_emulated) g_calls[1]++;
}

const float* EmulatedInput(int slot, const float* src, int64_t n) {
  if (!g_emulated || n == 0) return src;
  auto& buf = g_round[slot];
  if (static_cast<int64_t>(buf.size()) < n) buf.resize(n);
#ifdef __FLT16_MAX__
  if (g_mode == kF16) {
    RoundF16(src, buf.data(), n);
    return buf.data();
  }
#endif
  RoundBf16(src, buf.data(), n);
  return buf.data();
}

uint16_t* Bf16Input(int slot, const float* src, int64_t n) {
  auto& buf = g_bf16[slot];
  if (static_cast<int64_t>(buf.size()) < n) buf.resize(n);
  ConvertBf16(src, buf.data(), n);
  return buf.data();
}

void InitPrecision(Napi::Env env, Napi::Object exports) {
  exports.Set("setPrecision", Fn(env, SetPrecision));
  exports.Set("precisionInfo", Fn(env, PrecisionInfo));
}

}  // namespace kiln
