// Asynchronous signals held off while oneDNN runs.
//
// oneDNN before 3.11.2 points rsp into a heap workspace while its JIT f32 GEMM kernels run
// (uxlfoundation/oneDNN#4845, fixed upstream by #4855; Debian bookworm ships 2.6.3). A signal
// handled on that thread pushes its frame into the heap: Ctrl-C or SIGTERM caught for the
// trainer's graceful stop, SIGCHLD, a sampling profiler's SIGPROF (`node --cpu-prof`) then end
// in "corrupted size vs. prev_size" or a segfault steps later. So the calling thread blocks
// asynchronous signals for the length of each oneDNN call (they are delivered when it returns),
// and the OpenMP worker threads, which only ever run kernels, block them for good.
#pragma once
#include <pthread.h>
#include <signal.h>
#include "native_common.h"

namespace kiln {

// Every signal but the synchronous ones a fault raises (those must still kill or report).
inline const sigset_t& AsyncSignals() {
  static const sigset_t set = [] {
    sigset_t s;
    sigfillset(&s);
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT}) sigdelset(&s, sig);
    return s;
  }();
  return set;
}

class SignalGuard {
 public:
  SignalGuard() { pthread_sigmask(SIG_BLOCK, &AsyncSignals(), &saved_); }
  ~SignalGuard() { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;

 private:
  sigset_t saved_;
};

// Blocks asynchronous signals in the OpenMP team of `threads` threads (addon.cc: at load and
// on setThreads); threads the team creates under the guard inherit the mask.
void BlockSignalsInWorkers(int threads);

// Fn (native_common.h) for entry points that run oneDNN: the call runs under a SignalGuard.
template <typename F>
Napi::Function DnnlFn(Napi::Env env, F f) {
  return Fn(env, [f](const Napi::CallbackInfo& info) -> Napi::Value {
    SignalGuard guard;
    return f(info);
  });
}

}  // namespace kiln
