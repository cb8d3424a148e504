// Batched matmul in bf16 on oneDNN (BatchMatMul / _FusedMatMul under the
// native bf16 precision mode): a and b are converted to bf16 in their own
// layout (transposes become strides), c is float32 with fp32 accumulation.
// dnnl_sgemm / OpenBLAS have no bf16 entry point in the versions we link.
#include "native_common.h"
#include <dnnl.hpp>
#include "dnnl_context.h"
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace kiln {
using namespace dnnl;
using dt = memory::data_type;

namespace {

struct Mm {
  memory::desc src, wei, dst;
  std::unique_ptr<matmul> prim;
};
std::unordered_map<std::string, std::unique_ptr<Mm>> g_mm;

}  // namespace

// c[i] = op(a[i]) x op(b[i]) for i < batch; a batch stride of 0 broadcasts one matrix.
void MatmulBf16(const float* a, int64_t aLen, const float* b, int64_t bLen, float* c, int64_t batch, int64_t M,
                int64_t N, int64_t K, bool ta, bool tb, int64_t sa, int64_t sb) {
  std::string key = std::to_string(batch) + "," + std::to_string(M) + "," + std::to_string(N) + "," +
                    std::to_string(K) + "," + std::to_string(ta) + std::to_string(tb) + "," + std::to_string(sa) +
                    "," + std::to_string(sb);
  auto it = g_mm.find(key);
  if (it == g_mm.end()) {
    if (g_mm.size() >= 512) g_mm.clear();
    auto e = std::make_unique<Mm>();
    // A broadcast operand is one matrix: its batch dimension has size 1, and its stride must be the
    // matrix size, not 0 — oneDNN 2.6 reads a 0 batch stride as the innermost dimension (format
    // 'bca'), finds no GEMM layout and runs ref:any, ~100x slower (simple_cnn's dense layers).
    e->src = memory::desc({sa ? batch : 1, M, K}, dt::bf16, memory::dims{sa ? sa : M * K, ta ? 1 : K, ta ? M : 1});
    e->wei = memory::desc({sb ? batch : 1, K, N}, dt::bf16, memory::dims{sb ? sb : K * N, tb ? 1 : N, tb ? K : 1});
    e->dst = memory::desc({batch, M, N}, dt::f32, memory::format_tag::abc);
#if DNNL_VERSION_MAJOR >= 3
    matmul::primitive_desc pd(DnnlEngine(), e->src, e->wei, e->dst);
#else
    matmul::desc d(e->src, e->wei, e->dst);
    matmul::primitive_desc pd(d, DnnlEngine());
#endif
    e->prim.reset(new matmul(pd));
    it = g_mm.emplace(key, std::move(e)).first;
  }
  Mm& m = *it->second;
  // Only the elements the views reach are converted (the caller checked they lie inside a and b).
  int64_t an = (sa ? (batch - 1) * sa : 0) + M * K, bn = (sb ? (batch - 1) * sb : 0) + K * N;
  if (an > aLen || bn > bLen) throw std::runtime_error("matmul bf16: view outside its buffer");
  memory src(m.src, DnnlEngine(), Bf16Input(0, a, an));
  memory wei(m.wei, DnnlEngine(), Bf16Input(1, b, bn));
  memory dst(m.dst, DnnlEngine(), c);
  m.prim->execute(DnnlStream(), {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DST, dst}});
  DnnlStream().wait();
}

}  // namespace kiln
