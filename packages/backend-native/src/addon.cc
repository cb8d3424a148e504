// N-API entry point: thread setup and library info.
#include "native_common.h"
#include "signal_guard.h"
#include <cblas.h>
#include <dnnl.hpp>
#include <omp.h>

extern "C" {
void openblas_set_num_threads(int);
int openblas_get_num_threads(void);
char* openblas_get_config(void);
char* openblas_get_corename(void);
}

namespace kiln {

static int g_threads = 1;
int NumThreads() { return g_threads; }

void BlockSignalsInWorkers(int threads) {
  SignalGuard guard;
#pragma omp parallel num_threads(threads)
  if (omp_get_thread_num() != 0) pthread_sigmask(SIG_BLOCK, &AsyncSignals(), nullptr);
}

static Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  Args a(info, "setThreads", 1);
  int n = static_cast<int>(a.Int(0, 1, 1024));
  g_threads = n;
  openblas_set_num_threads(n);
  omp_set_num_threads(n);
  BlockSignalsInWorkers(n);
  return info.Env().Undefined();
}

static Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  const dnnl_version_t* v = dnnl_version();
  o.Set("onednn", std::to_string(v->major) + "." + std::to_string(v->minor) +
                      "." + std::to_string(v->patch));
  o.Set("openblas", std::string(openblas_get_config()));
  o.Set("openblasCore", std::string(openblas_get_corename()));
  o.Set("threads", g_threads);
  o.Set("ompMaxThreads", omp_get_max_threads());
  o.Set("openblasThreads", openblas_get_num_threads());
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  BlockSignalsInWorkers(omp_get_max_threads());
  exports.Set("setThreads", Fn(env, SetThreads));
  exports.Set("info", Fn(env, Info));
  InitConv(env, exports);
  InitGemm(env, exports);
  InitPool(env, exports);
  InitEltwise(env, exports);
  InitBroadcast(env, exports);
  InitReduce(env, exports);
  InitCopy(env, exports);
  InitNorm(env, exports);
  InitBatchNormTrain(env, exports);
  InitOptimizers(env, exports);
  InitPrecision(env, exports);
  InitInt8(env, exports);
  InitMemory(env, exports);
  return exports;
}

}  // namespace kiln

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  return kiln::Init(env, exports);
}

NODE_API_MODULE(kiln_native, InitModule)
