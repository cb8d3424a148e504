// Batched GEMM (BatchMatMul / _FusedMatMul) on OpenBLAS or oneDNN sgemm.
#include "native_common.h"
#include "signal_guard.h"
#include <cblas.h>
#include <dnnl.hpp>
#include <cmath>
#include <algorithm>

namespace kiln {

void BiasAct(float* y, int64_t rows, int64_t cols, const float* bias, int act,
             float alpha) {
  if (!bias && act == kLinear) return;
#pragma omp parallel for schedule(static) if (rows * cols > 65536)
  for (int64_t r = 0; r < rows; r++) {
    float* row = y + r * cols;
    if (bias)
      for (int64_t c = 0; c < cols; c++) row[c] += bias[c];
    switch (act) {
      case kRelu:
        for (int64_t c = 0; c < cols; c++) row[c] = row[c] > 0.f ? row[c] : 0.f;
        break;
      case kRelu6:
        for (int64_t c = 0; c < cols; c++) row[c] = std::min(std::max(row[c], 0.f), 6.f);
        break;
      case kLeaky:
        for (int64_t c = 0; c < cols; c++) row[c] = row[c] < 0.f ? alpha * row[c] : row[c];
        break;
      case kSigmoid:
        for (int64_t c = 0; c < cols; c++) row[c] = 1.f / (1.f + std::exp(-row[c]));
        break;
      case kElu:
        for (int64_t c = 0; c < cols; c++) row[c] = row[c] > 0.f ? row[c] : std::expm1(row[c]);
        break;
      default: break;
    }
  }
}

namespace {

// Products up to this many multiply-adds (M·N·K) run one per thread when batched.
constexpr int64_t kSmallGemm = int64_t(1) << 21;

// gemm(a, b, c, batch, M, N, K, transA, transB, strideA, strideB, engine,
//      bias|null, act, alpha). Row-major; c = op(a) x op(b) per batch entry.
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Args g(info, "gemm", 15);
  int64_t batch = g.Int(3), M = g.Int(4), N = g.Int(5), K = g.Int(6);
  bool ta = g.Bool(7), tb = g.Bool(8);
  int64_t sa = g.Int(9), sb = g.Int(10);
  int engine = static_cast<int>(g.Int(11, 0, 1));
  int act = static_cast<int>(g.Int(13, kLinear, kElu));
  float alpha = g.Flt(14);
  // BLAS takes int sizes; every matrix must also lie inside its buffer.
  const int64_t kIntMax = 2147483647;
  g.Require(M <= kIntMax && N <= kIntMax && K <= kIntMax, "matrix dimension too large");
  int64_t mk = g.Product({M, K}), kn = g.Product({K, N}), mn = g.Product({M, N});
  g.Require(sa == 0 || sa >= mk, "strideA smaller than one matrix");
  g.Require(sb == 0 || sb >= kn, "strideB smaller than one matrix");
  auto as = g.F32(0), bs = g.F32(1);
  if (batch > 0) {
    g.Require(mk == 0 || (batch - 1) <= (kMaxElems - mk) / std::max<int64_t>(sa, 1), "a too large");
    g.Require(as.len >= (batch - 1) * sa + mk, "a is shorter than batch·strideA");
    g.Require(bs.len >= (batch - 1) * sb + kn, "b is shorter than batch·strideB");
  }
  float* c = g.F32(2, g.Product({batch, mn})).data;
  const float* bias = g.OptF32(12, N).data;
  if (batch > 0 && mn > 0) CountPrecisionCall();
  if (NativeBf16() && batch > 0 && mn > 0 && K > 0) {
    MatmulBf16(as.data, as.len, bs.data, bs.len, c, batch, M, N, K, ta, tb, sa, sb);
    BiasAct(c, batch * M, N, bias, act, alpha);
    return info.Env().Undefined();
  }
  // Emulated precision: the inputs rounded to bf16/fp16 values, then sgemm.
  const float* a = EmulatedInput(0, as.data, as.len);
  const float* b = EmulatedInput(1, bs.data, bs.len);
  int64_t lda = ta ? M : K, ldb = tb ? K : N;
  auto one = [&](int64_t i) {
    const float* ai = a + i * sa;
    const float* bi = b + i * sb;
    float* ci = c + i * M * N;
    if (K == 0) {
      std::fill(ci, ci + M * N, 0.f);
    } else if (engine == 1) {
      dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', M, N, K, 1.f, ai, lda, bi, ldb, 0.f, ci, N);
    } else {
      cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, 1.f, ai, lda,
                  bi, ldb, 0.f, ci, N);
    }
  };
  // Many small products (attention heads: 192 of 65x65x64): one product per
  // thread at a time. Splitting each tiny product across threads costs more
  // than it computes (measured: 10 vs 60+ GFLOPS). oneDNN runs sequentially
  // inside an OpenMP region; OpenBLAS keeps its own threads, so only oneDNN.
  int nt = NumThreads();
  if (engine == 1 && nt > 1 && batch >= nt && M * N * K <= kSmallGemm) {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < batch; i++) one(i);
  } else {
    for (int64_t i = 0; i < batch; i++) one(i);
  }
  BiasAct(c, batch * M, N, bias, act, alpha);
  return info.Env().Undefined();
}

}  // namespace

void InitGemm(Napi::Env env, Napi::Object exports) {
  exports.Set("gemm", DnnlFn(env, Gemm));
}

}  // namespace kiln
