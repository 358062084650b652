// Placeholder driver until the blocked SIMD driver lands: forwards to the reference.
#include "kernels/cpu.h"
#include "kernels/gemm/gemm.h"

namespace pg::kernels {

void gemm_f32(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
              int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc,
              const Epilogue<float>& ep) {
  gemm_ref<float>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep);
}

namespace {
using GemmFn = void (*)();
const Variant<GemmFn> kGemmVariants[] = {{"gemm_f32_ref", Isa::ref, nullptr}};
const bool kRegistered = register_table("gemm", kGemmVariants);
}  // namespace

}  // namespace pg::kernels
