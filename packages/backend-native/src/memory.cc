// Transparent huge pages for large kernel output buffers. A training step's
// first pass touches every activation buffer for the first time; at 4 KB a
// page that is ~150,000 page faults for resnet at batch 64, and on a virtual
// machine each fault traps to the hypervisor (measured here: ~12 us a fault,
// ~1.7 s of resnet's first step). Where the kernel's THP mode is `madvise`
// (Debian's default), huge pages asked for before a buffer is first written
// take its faults from one per 4 KB to one per 2 MB (resnet's first step:
// 148k -> 19k faults, the rest from smaller buffers). The buffer stays an
// ordinary ArrayBuffer from Node's allocator; the pool uses a 2 MB-aligned view.
#include "native_common.h"
#include <cstdint>
#ifdef __linux__
#include <sys/mman.h>
#endif

namespace kiln {
namespace {

constexpr uintptr_t kHuge = 2u << 20;

// hugePageAlign(f32array, n) -> offset o (in floats) of the first 2 MB-aligned address in the
// array, with [o, o + n) inside it and the whole 2 MB pages of that range advised for huge
// pages; -1 when that is not possible (the array is too short, not Linux, or madvise refused).
// The caller allocates 2 MB more than it needs and uses the aligned view: every page of the
// view is then huge but the tail under 2 MB, and no huge page reaches outside it (no RSS
// beyond what the view itself touches).
Napi::Value HugePageAlign(const Napi::CallbackInfo& info) {
  Args a(info, "hugePageAlign", 2);
  auto v = a.F32(0);
  int64_t n = a.Int(1, 0);
  double offset = -1;
#if !(defined(__linux__) && defined(MADV_HUGEPAGE))
  (void)v;
  (void)n;
#else
  uintptr_t begin = reinterpret_cast<uintptr_t>(v.data);
  uintptr_t lo = (begin + kHuge - 1) & ~(kHuge - 1);
  uintptr_t end = begin + static_cast<uintptr_t>(v.len) * sizeof(float);
  uintptr_t bytes = static_cast<uintptr_t>(n) * sizeof(float) & ~(kHuge - 1);
  if (bytes > 0 && lo + static_cast<uintptr_t>(n) * sizeof(float) <= end &&
      madvise(reinterpret_cast<void*>(lo), bytes, MADV_HUGEPAGE) == 0) {
    offset = static_cast<double>((lo - begin) / sizeof(float));
  }
#endif
  return Napi::Number::New(info.Env(), offset);
}

}  // namespace

void InitMemory(Napi::Env env, Napi::Object exports) { exports.Set("hugePageAlign", Fn(env, HugePageAlign)); }

}  // namespace kiln
