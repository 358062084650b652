// Packing routines, small-M streaming kernels and a plain-C++ microkernel, written once and
// compiled in each ISA's file (gemm_*_avx512.cpp, gemm_*_avx2.cpp, gemm_portable.cpp) so the
// compiler vectorizes them with that file's flags. Everything here has internal linkage: each file
// gets its own copy.
#pragma once
#include <algorithm>
#include <cstdint>
#include <utility>

#include "kernels/gemm/gemm_kernels.h"

namespace pg::kernels::gemm_detail {
namespace {

// out (M,N) = A (M,K) @ B (K,N); rows of A contiguous. B streams once per column block: the
// out block (M x jb) stays in L1 while rows of B flow past, four k at a time.
void small_nn(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
              int64_t ldb, float* out, int64_t ldo) {
  const int64_t JB = std::max<int64_t>(256, (4096 / std::max<int64_t>(M, 1)) / 16 * 16);
  for (int64_t j0 = 0; j0 < N; j0 += JB) {
    const int64_t jb = std::min(JB, N - j0);
    for (int64_t i = 0; i < M; ++i) std::fill(out + i * ldo + j0, out + i * ldo + j0 + jb, 0.f);
    int64_t k = 0;
    for (; k + 4 <= K; k += 4) {
      const float* __restrict b0 = B + k * ldb + j0;
      const float* __restrict b1 = b0 + ldb;
      const float* __restrict b2 = b1 + ldb;
      const float* __restrict b3 = b2 + ldb;
      for (int64_t i = 0; i < M; ++i) {
        const float* a = A + i * lda + k;
        const float a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
        float* __restrict o = out + i * ldo + j0;
        for (int64_t j = 0; j < jb; ++j) o[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
      }
    }
    for (; k < K; ++k) {
      const float* __restrict b0 = B + k * ldb + j0;
      for (int64_t i = 0; i < M; ++i) {
        const float a0 = A[i * lda + k];
        float* __restrict o = out + i * ldo + j0;
        for (int64_t j = 0; j < jb; ++j) o[j] += a0 * b0[j];
      }
    }
  }
}

// Sum of 16 lanes in a fixed order (results do not depend on the vector width).
inline float hsum16(const float* v) {
  float s8[8], s4[4];
  for (int l = 0; l < 8; ++l) s8[l] = v[l] + v[l + 8];
  for (int l = 0; l < 4; ++l) s4[l] = s8[l] + s8[l + 4];
  return (s4[0] + s4[2]) + (s4[1] + s4[3]);
}

// out (M,N) = A (M,K) @ B^T where B is (N,K): dot products, 16 lanes per row so the compiler
// vectorizes them (lanes, not a reduction), four rows of B at a time.
void small_nt(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
              int64_t ldb, float* out, int64_t ldo) {
  const int64_t K16 = K / 16 * 16;
  int64_t n = 0;
  for (; n + 4 <= N; n += 4) {
    const float* __restrict b0 = B + n * ldb;
    const float* __restrict b1 = b0 + ldb;
    const float* __restrict b2 = b1 + ldb;
    const float* __restrict b3 = b2 + ldb;
    for (int64_t i = 0; i < M; ++i) {
      const float* __restrict a = A + i * lda;
      float s0[16] = {}, s1[16] = {}, s2[16] = {}, s3[16] = {};
      for (int64_t k = 0; k < K16; k += 16)
        for (int l = 0; l < 16; ++l) {
          const float x = a[k + l];
          s0[l] += x * b0[k + l];
          s1[l] += x * b1[k + l];
          s2[l] += x * b2[k + l];
          s3[l] += x * b3[k + l];
        }
      float t0 = hsum16(s0), t1 = hsum16(s1), t2 = hsum16(s2), t3 = hsum16(s3);
      for (int64_t k = K16; k < K; ++k) {
        t0 += a[k] * b0[k];
        t1 += a[k] * b1[k];
        t2 += a[k] * b2[k];
        t3 += a[k] * b3[k];
      }
      float* o = out + i * ldo + n;
      o[0] = t0, o[1] = t1, o[2] = t2, o[3] = t3;
    }
  }
  for (; n < N; ++n) {
    const float* __restrict b0 = B + n * ldb;
    for (int64_t i = 0; i < M; ++i) {
      const float* __restrict a = A + i * lda;
      float s0[16] = {};
      for (int64_t k = 0; k < K16; k += 16)
        for (int l = 0; l < 16; ++l) s0[l] += a[k + l] * b0[k + l];
      float t0 = hsum16(s0);
      for (int64_t k = K16; k < K; ++k) t0 += a[k] * b0[k];
      out[i * ldo + n] = t0;
    }
  }
}

// Writes one row of NR accumulators following TileArgs (see gemm_kernels.h).
template <int NR>
inline void store_row(const float* acc, float* c, int i, const TileArgs& t) {
  for (int j = 0; j < NR; ++j) {
    float v = t.alpha * acc[j];
    if (t.beta != 0.f) v += t.beta * c[j];
    if (t.bias_row) v += t.bias_row[i];
    if (t.bias_col) v += t.bias_col[j];
    c[j] = apply_activation(v, t.act, t.slope);
  }
}

// The portable microkernel: MR x NR accumulators in plain C++, written row by row so the
// compiler maps each row of NR floats onto SSE registers.
template <int MR, int NR>
void ukernel_generic(int64_t kc, const float* __restrict a, const float* __restrict b, int64_t ldb,
                     float* c, int64_t ldc, const TileArgs& t) {
  float acc[MR][NR] = {};
  for (int64_t k = 0; k < kc; ++k, a += MR, b += ldb) {
    float bk[NR];
#pragma GCC unroll 16
    for (int j = 0; j < NR; ++j) bk[j] = b[j];
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const float ai = a[i];
#pragma GCC unroll 16
      for (int j = 0; j < NR; ++j) acc[i][j] += ai * bk[j];
    }
  }
  for (int i = 0; i < MR; ++i) store_row<NR>(acc[i], c + i * ldc, i, t);
}

// op(A) rows [i0, i0+mb) x depth [k0, k0+kb) -> MR-row panels, each (kb, MR), zero-padded.
template <int MR>
void pack_a(bool ta, const float* A, int64_t lda, int64_t i0, int64_t mb, int64_t k0, int64_t kb,
            float* dst) {
  for (int64_t p = 0; p < mb; p += MR, dst += MR * kb) {
    const int64_t rows = std::min<int64_t>(MR, mb - p);
    if (!ta) {  // A is (M,K): gather MR rows, transposing into k-major order
      const float* src[MR];
      for (int i = 0; i < MR; ++i)
        src[i] = A + (i0 + p + std::min<int64_t>(i, rows - 1)) * lda + k0;
      if (rows == MR) {
        for (int64_t k = 0; k < kb; ++k)
          for (int i = 0; i < MR; ++i) dst[k * MR + i] = src[i][k];
      } else {
        for (int64_t k = 0; k < kb; ++k)
          for (int i = 0; i < MR; ++i) dst[k * MR + i] = i < rows ? src[i][k] : 0.f;
      }
    } else {  // A is (K,M): each k is a contiguous run of MR
      for (int64_t k = 0; k < kb; ++k) {
        const float* s = A + (k0 + k) * lda + i0 + p;
        float* d = dst + k * MR;
        if (rows == MR) {
          for (int i = 0; i < MR; ++i) d[i] = s[i];
        } else {
          for (int i = 0; i < MR; ++i) d[i] = i < rows ? s[i] : 0.f;
        }
      }
    }
  }
}

// op(B) depth [k0, k0+kb) x columns [j0, j0+nb) -> NR-column panels, each (kb, NR), zero-padded.
template <int NR>
void pack_b(bool tb, const float* B, int64_t ldb, int64_t j0, int64_t nb, int64_t k0, int64_t kb,
            float* dst) {
  const int64_t full = nb / NR * NR, cols = nb - full;
  if (!tb) {  // B is (K,N): read each row of B once, front to back, dealing NR-runs to panels
    for (int64_t k = 0; k < kb; ++k) {
      const float* s = B + (k0 + k) * ldb + j0;
      float* d = dst + k * NR;
      for (int64_t q = 0; q < full; q += NR, d += NR * kb)
        for (int j = 0; j < NR; ++j) d[j] = s[q + j];
      if (cols)
        for (int j = 0; j < NR; ++j) d[j] = j < cols ? s[full + j] : 0.f;
    }
    return;
  }
  for (int64_t q = 0; q < nb; q += NR, dst += NR * kb) {  // B is (N,K): transpose NR rows
    const int64_t live = std::min<int64_t>(NR, nb - q);
    for (int64_t j = 0; j < NR; ++j) {
      float* d = dst + j;
      if (j < live) {
        const float* s = B + (j0 + q + j) * ldb + k0;
        for (int64_t k = 0; k < kb; ++k) d[k * NR] = s[k];
      } else {
        for (int64_t k = 0; k < kb; ++k) d[k * NR] = 0.f;
      }
    }
  }
}

}  // namespace
}  // namespace pg::kernels::gemm_detail
