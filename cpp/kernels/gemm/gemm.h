// GEMM: C (M,N) = alpha * op(A) (M,K) * op(B) (K,N) + beta * C, then the epilogue
// (+ bias, activation). Row-major throughout. op(A) = A, stored (M,K) with row stride lda,
// or A^T when trans_a, stored (K,M). Likewise B: (K,N), or (N,K) when trans_b.
// beta == 0 means C is write-only (never read, so it may hold NaN).
#pragma once
#include <cstdint>

namespace pg::kernels {

enum class Activation { none, relu, leaky_relu };

// Applied to each output after alpha*AB + beta*C.
template <class T>
struct Epilogue {
  const T* bias = nullptr;    // length N (col bias, e.g. linear) or M (row bias, e.g. conv)
  bool bias_per_row = false;  // true: bias[m]; false: bias[n]
  Activation act = Activation::none;
  T slope = T(0.01);  // leaky_relu's negative slope
};

// The fast path: blocked, packed, SIMD microkernels chosen by the active ISA, OpenMP threads
// (serial when called inside a parallel region).
void gemm_f32(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
              const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
              int64_t ldc, const Epilogue<float>& ep = {});

// The reference: plain loops, accumulating in T. Oracle for every variant; also the float64 path.
template <class T>
void gemm_ref(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
              int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc,
              const Epilogue<T>& ep = {});

// Typed front door for templated callers: float -> gemm_f32, double -> gemm_ref<double>.
template <class T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
          int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc,
          const Epilogue<T>& ep = {});

// Batched GEMM: for b in [0, batch): C_b = alpha * op(A_b) op(B_b) + beta * C_b, then the
// epilogue, where X_b = X + b * strideX (a stride of 0 broadcasts one matrix to every batch
// entry; C's stride must not be 0 unless batch == 1). Threads go over the batch when the
// entries are small, otherwise into each GEMM.
void gemm_batched_f32(int64_t batch, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
                      float alpha, const float* A, int64_t strideA, int64_t lda, const float* B,
                      int64_t strideB, int64_t ldb, float beta, float* C, int64_t strideC,
                      int64_t ldc, const Epilogue<float>& ep = {});

// Typed front door of the batched GEMM: float -> gemm_batched_f32, double -> a loop of gemm_ref.
template <class T>
void gemm_batched(int64_t batch, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
                  T alpha, const T* A, int64_t strideA, int64_t lda, const T* B, int64_t strideB,
                  int64_t ldb, T beta, T* C, int64_t strideC, int64_t ldc,
                  const Epilogue<T>& ep = {});

// The activation of an epilogue on one value (shared by every variant's edge code).
template <class T>
inline T apply_activation(T v, Activation act, T slope) {
  switch (act) {
    case Activation::relu:
      return v > T(0) ? v : T(0);
    case Activation::leaky_relu:
      return v > T(0) ? v : v * slope;
    default:
      return v;
  }
}

}  // namespace pg::kernels
