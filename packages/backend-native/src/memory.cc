// Transparent huge pages for large kernel output buffers. A training step's
// first pass touches every activation buffer for the first time; at 4 KB a
// page that is ~150,000 page faults for resnet at batch 64, and on a virtual
// machine each fault traps to the hypervisor (measured here: ~12 us a fault,
// ~1.7 s of resnet's first step). Where the kernel's THP mode is `madvise`
// (Debian's default), asking for huge pages on the buffer before it is first
// written makes that ~300 faults of 2 MB. The buffer stays an ordinary
// ArrayBuffer from Node's allocator: only its 2 MB-aligned interior is advised.
#include "native_common.h"
#include <cstdint>
#ifdef __linux__
#include <sys/mman.h>
#endif

namespace kiln {
namespace {

constexpr uintptr_t kHuge = 2u << 20;

// adviseHugePages(f32array) -> bytes advised (0: too small, not Linux, or refused)
Napi::Value AdviseHugePages(const Napi::CallbackInfo& info) {
  Args a(info, "adviseHugePages", 1);
  auto v = a.F32(0);
  double advised = 0;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  uintptr_t begin = reinterpret_cast<uintptr_t>(v.data);
  uintptr_t end = begin + static_cast<uintptr_t>(v.len) * sizeof(float);
  uintptr_t lo = (begin + kHuge - 1) & ~(kHuge - 1), hi = end & ~(kHuge - 1);
  if (hi > lo && madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE) == 0) advised = static_cast<double>(hi - lo);
#endif
  return Napi::Number::New(info.Env(), advised);
}

}  // namespace

void InitMemory(Napi::Env env, Napi::Object exports) { exports.Set("adviseHugePages", Fn(env, AdviseHugePages)); }

}  // namespace kiln
