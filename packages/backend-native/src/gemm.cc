// Batched GEMM (BatchMatMul / _FusedMatMul) on OpenBLAS or oneDNN sgemm.
#include "native_common.h"
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

// gemm(a, b, c, batch, M, N, K, transA, transB, strideA, strideB, engine,
//      bias|null, act, alpha). Row-major; c = op(a) x op(b) per batch entry.
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  const float* a = F32(info[0]);
  const float* b = F32(info[1]);
  float* c = F32(info[2]);
  int64_t batch = Int(info[3]), M = Int(info[4]), N = Int(info[5]), K = Int(info[6]);
  bool ta = Bool(info[7]), tb = Bool(info[8]);
  int64_t sa = Int(info[9]), sb = Int(info[10]);
  int engine = static_cast<int>(Int(info[11]));
  const float* bias = info[12].IsNull() || info[12].IsUndefined() ? nullptr : F32(info[12]);
  int act = static_cast<int>(Int(info[13]));
  float alpha = Flt(info[14]);
  int64_t lda = ta ? M : K, ldb = tb ? K : N;
  for (int64_t i = 0; i < batch; i++) {
    const float* ai = a + i * sa;
    const float* bi = b + i * sb;
    float* ci = c + i * M * N;
    if (K == 0) {
      std::fill(ci, ci + M * N, 0.f);
      continue;
    }
    if (engine == 1) {
      dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', M, N, K, 1.f, ai, lda, bi, ldb,
                 0.f, ci, N);
    } else {
      cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
                  tb ? CblasTrans : CblasNoTrans, M, N, K, 1.f, ai, lda, bi, ldb,
                  0.f, ci, N);
    }
  }
  BiasAct(c, batch * M, N, bias, act, alpha);
  return info.Env().Undefined();
}

}  // namespace

void InitGemm(Napi::Env env, Napi::Object exports) {
  exports.Set("gemm", Fn(env, Gemm));
}

}  // namespace kiln
