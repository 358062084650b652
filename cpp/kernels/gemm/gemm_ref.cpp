// Reference GEMM: the definition every fast variant is tested against. Plain loops, no blocking.
#include "kernels/gemm/gemm.h"

namespace pg::kernels {

template <class T>
void gemm_ref(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
              int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc,
              const Epilogue<T>& ep) {
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t n = 0; n < N; ++n) {
      T acc = 0;
      for (int64_t k = 0; k < K; ++k) {
        const T a = trans_a ? A[k * lda + m] : A[m * lda + k];
        const T b = trans_b ? B[n * ldb + k] : B[k * ldb + n];
        acc += a * b;
      }
      T v = alpha * acc;
      if (beta != T(0)) v += beta * C[m * ldc + n];
      if (ep.bias) v += ep.bias_per_row ? ep.bias[m] : ep.bias[n];
      C[m * ldc + n] = apply_activation(v, ep.act, ep.slope);
    }
  }
}

template void gemm_ref<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
                              const float*, int64_t, float, float*, int64_t,
                              const Epilogue<float>&);
template void gemm_ref<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*,
                               int64_t, const double*, int64_t, double, double*, int64_t,
                               const Epilogue<double>&);

template <>
void gemm<float>(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                 int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc,
                 const Epilogue<float>& ep) {
  gemm_f32(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep);
}

template <>
void gemm<double>(bool ta, bool tb, int64_t M, int64_t N, int64_t K, double alpha, const double* A,
                  int64_t lda, const double* B, int64_t ldb, double beta, double* C, int64_t ldc,
                  const Epilogue<double>& ep) {
  gemm_ref<double>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep);
}

}  // namespace pg::kernels
