// The AVX-512 GEMM variant: an MR x (16*NV) microkernel held in zmm registers (MR*NV
// accumulators, NV for B, 1 broadcast). Edge tiles run the same code with fewer rows (a
// template on R) and masked C/bias loads and stores, so no tile ever goes through a buffer.
#include <immintrin.h>

#include "kernels/gemm/gemm_small.h"

namespace pg::kernels::gemm_detail {
namespace {

// 14x32: 28 accumulators + 2 B vectors + 1 broadcast = 31 of 32 zmm registers. (12x32, 8x48
// and 6x64 measured the same within noise here; 14 rows amortise the B loads best.)
constexpr int MR = 14, NV = 2, NR = 16 * NV;

template <bool MASKED>
inline void finish_store(__m512 acc, float* c, const float* bias_col, float bias_row,
                         const TileArgs& t, __mmask16 m) {
  __m512 v = _mm512_mul_ps(_mm512_set1_ps(t.alpha), acc);
  if (t.beta != 0.f) {
    const __m512 old = MASKED ? _mm512_maskz_loadu_ps(m, c) : _mm512_loadu_ps(c);
    v = _mm512_fmadd_ps(_mm512_set1_ps(t.beta), old, v);
  }
  if (bias_col)
    v = _mm512_add_ps(v, MASKED ? _mm512_maskz_loadu_ps(m, bias_col) : _mm512_loadu_ps(bias_col));
  if (t.bias_row) v = _mm512_add_ps(v, _mm512_set1_ps(bias_row));
  if (t.act == Activation::relu) {
    v = _mm512_max_ps(v, _mm512_setzero_ps());
  } else if (t.act == Activation::leaky_relu) {
    const __mmask16 neg = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ);
    v = _mm512_mask_mul_ps(v, neg, v, _mm512_set1_ps(t.slope));
  }
  if (MASKED)
    _mm512_mask_storeu_ps(c, m, v);
  else
    _mm512_storeu_ps(c, v);
}

// a is (kc, MR) packed (rows >= R are padding), b is (kc, NR) packed; c is (R, nr) with row
// stride ldc, nr = NR unless MASKED (then mask[v] selects the live columns of vector v).
// DIRECT: nothing is packed — a is A itself, (R, kc) with row stride lda, and b is B itself,
// (kc, nr) with row stride ldb, read with masks past nr. Only the first L vectors of columns
// are computed (an edge tile of nr <= 16 columns needs one).
template <int R, bool MASKED, bool DIRECT = false, int L = NV>
void tile(int64_t kc, const float* __restrict a, int64_t lda, const float* __restrict b,
          int64_t ldb, float* c, int64_t ldc, const TileArgs& t, const __mmask16* mask) {
  __m512 acc[R][L];
#pragma GCC unroll 16
  for (int i = 0; i < R; ++i) {
#pragma GCC unroll 4
    for (int v = 0; v < L; ++v) acc[i][v] = _mm512_setzero_ps();
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + NR - 1), _MM_HINT_T0);
  }
#pragma GCC unroll 2
  for (int64_t k = 0; k < kc; ++k, a += DIRECT ? 1 : MR, b += ldb) {
    __m512 bv[L];
#pragma GCC unroll 4
    for (int v = 0; v < L; ++v)
      bv[v] = DIRECT && MASKED ? _mm512_maskz_loadu_ps(mask[v], b + 16 * v)
                               : _mm512_loadu_ps(b + 16 * v);
    if (!DIRECT) _mm_prefetch(reinterpret_cast<const char*>(a + 8 * MR), _MM_HINT_T0);
#pragma GCC unroll 16
    for (int i = 0; i < R; ++i) {
      const __m512 ai = _mm512_set1_ps(DIRECT ? a[i * lda] : a[i]);
#pragma GCC unroll 4
      for (int v = 0; v < L; ++v) acc[i][v] = _mm512_fmadd_ps(ai, bv[v], acc[i][v]);
    }
  }
#pragma GCC unroll 16
  for (int i = 0; i < R; ++i) {
    float* ci = c + i * ldc;
    const float br = t.bias_row ? t.bias_row[i] : 0.f;
#pragma GCC unroll 4
    for (int v = 0; v < L; ++v)
      if (!MASKED || mask[v])
        finish_store<MASKED>(acc[i][v], ci + 16 * v, t.bias_col ? t.bias_col + 16 * v : nullptr, br,
                             t, MASKED ? mask[v] : __mmask16(0xffff));
  }
}

void ukernel(int64_t kc, const float* a, const float* b, int64_t ldb, float* c, int64_t ldc,
             const TileArgs& t) {
  tile<MR, false>(kc, a, MR, b, ldb, c, ldc, t, nullptr);
}

template <bool DIRECT, int... Rs>
void edge_rows(int r, int64_t kc, const float* a, int64_t lda, const float* b, int64_t ldb,
               float* c, int64_t ldc, const TileArgs& t, const __mmask16* mask,
               std::integer_sequence<int, Rs...>) {
  static_assert(NV == 2, "edge tiles dispatch on 1 or 2 live column vectors");
  if (mask[1])
    ((r == Rs + 1 ? tile<Rs + 1, true, DIRECT, 2>(kc, a, lda, b, ldb, c, ldc, t, mask) : void()),
     ...);
  else
    ((r == Rs + 1 ? tile<Rs + 1, true, DIRECT, 1>(kc, a, lda, b, ldb, c, ldc, t, mask) : void()),
     ...);
}

void column_masks(int64_t nr, __mmask16* mask) {
  for (int v = 0; v < NV; ++v) {
    const int64_t live = std::min<int64_t>(16, std::max<int64_t>(0, nr - 16 * v));
    mask[v] = static_cast<__mmask16>((1u << live) - 1u);
  }
}

// An mr x nr corner tile (mr <= MR, nr <= NR) written straight into C.
void edge(int64_t kc, const float* a, const float* b, int64_t ldb, float* c, int64_t ldc,
          const TileArgs& t, int64_t mr, int64_t nr) {
  __mmask16 mask[NV];
  column_masks(nr, mask);
  edge_rows<false>(static_cast<int>(mr), kc, a, MR, b, ldb, c, ldc, t, mask,
                   std::make_integer_sequence<int, MR>{});
}

// Small A (M,K) @ B (K,N) without packing: tiles read A and B in place (A and B stay in L1/L2
// at these sizes), so a 64x64x64 product pays for no copies.
void direct_nn(int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
               const float* B, int64_t ldb, float beta, float* C, int64_t ldc,
               const Epilogue<float>& ep) {
  for (int64_t j = 0; j < N; j += NR) {
    const int64_t nr = std::min<int64_t>(NR, N - j);
    __mmask16 mask[NV];
    column_masks(nr, mask);
    for (int64_t i = 0; i < M; i += MR) {
      const int64_t mr = std::min<int64_t>(MR, M - i);
      TileArgs t;
      t.alpha = alpha, t.beta = beta, t.act = ep.act, t.slope = ep.slope;
      if (ep.bias) (ep.bias_per_row ? t.bias_row = ep.bias + i : t.bias_col = ep.bias + j);
      const float* a = A + i * lda;
      float* c = C + i * ldc + j;
      if (mr == MR && nr == NR)
        tile<MR, false, true>(K, a, lda, B + j, ldb, c, ldc, t, nullptr);
      else
        edge_rows<true>(static_cast<int>(mr), K, a, lda, B + j, ldb, c, ldc, t, mask,
                        std::make_integer_sequence<int, MR>{});
    }
  }
}

// Transposes a 16x16 block: rows[i][k..k+16) for i < nrows (other rows read as 0) ->
// out[kk] = (rows[0][k+kk], ..., rows[15][k+kk]).
inline void transpose16(const float* const* rows, int nrows, int64_t k, __m512* out) {
  __m512 r[16], t[16];
  for (int i = 0; i < 16; ++i)
    r[i] = i < nrows ? _mm512_loadu_ps(rows[i] + k) : _mm512_setzero_ps();
  for (int i = 0; i < 16; i += 2) {  // pairs of rows interleaved within 128-bit lanes
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {  // r[i+j]: column 4L+j of rows i..i+3, in lane L
    r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
    r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
    r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int j = 0; j < 4; ++j) {  // gather lane L of the four row groups: column 4L+j
    const __m512 v = _mm512_shuffle_f32x4(r[j], r[4 + j], 0x88);
    const __m512 v2 = _mm512_shuffle_f32x4(r[j], r[4 + j], 0xDD);
    const __m512 w = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0x88);
    const __m512 w2 = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0xDD);
    out[0 + j] = _mm512_shuffle_f32x4(v, w, 0x88);
    out[8 + j] = _mm512_shuffle_f32x4(v, w, 0xDD);
    out[4 + j] = _mm512_shuffle_f32x4(v2, w2, 0x88);
    out[12 + j] = _mm512_shuffle_f32x4(v2, w2, 0xDD);
  }
}

// pack_a: A stored (M,K) needs a transpose into k-major panels: 16 k at a time in registers.
// The 16 transposed rows of MR floats are contiguous: full-width stores in ascending order
// (each one's 2 spare lanes are overwritten by the next), the last one masked.
void pack_a_avx512(bool ta, const float* A, int64_t lda, int64_t i0, int64_t mb, int64_t k0,
                   int64_t kb, float* dst) {
  static_assert(MR <= 16, "one transpose covers the panel's rows");
  if (ta) return pack_a<MR>(ta, A, lda, i0, mb, k0, kb, dst);
  for (int64_t p = 0; p < mb; p += MR, dst += MR * kb) {
    const int64_t rows = std::min<int64_t>(MR, mb - p);
    const float* src[MR];
    for (int i = 0; i < MR; ++i) src[i] = A + (i0 + p + std::min<int64_t>(i, rows - 1)) * lda + k0;
    int64_t k = 0;
    for (; k + 16 <= kb; k += 16) {
      __m512 t[16];
      transpose16(src, static_cast<int>(rows), k, t);
      float* d = dst + k * MR;
      for (int kk = 0; kk < 15; ++kk) _mm512_storeu_ps(d + kk * MR, t[kk]);
      _mm512_mask_storeu_ps(d + 15 * MR, (1u << MR) - 1u, t[15]);
    }
    for (; k < kb; ++k)
      for (int i = 0; i < MR; ++i) dst[k * MR + i] = i < rows ? src[i][k] : 0.f;
  }
}

// pack_b: B stored (N,K) likewise needs a transpose, two 16-row halves per 32-column panel.
void pack_b_avx512(bool tb, const float* B, int64_t ldb, int64_t j0, int64_t nb, int64_t k0,
                   int64_t kb, float* dst) {
  if (!tb) return pack_b<NR>(tb, B, ldb, j0, nb, k0, kb, dst);
  for (int64_t q = 0; q < nb; q += NR, dst += NR * kb) {
    const int64_t cols = std::min<int64_t>(NR, nb - q);
    const float* src[NR];
    for (int j = 0; j < NR; ++j) src[j] = B + (j0 + q + std::min<int64_t>(j, cols - 1)) * ldb + k0;
    int64_t k = 0;
    for (; k + 16 <= kb; k += 16)
      for (int h = 0; h < NR; h += 16) {
        __m512 t[16];
        transpose16(src + h, static_cast<int>(std::clamp<int64_t>(cols - h, 0, 16)), k, t);
        for (int kk = 0; kk < 16; ++kk) _mm512_storeu_ps(dst + (k + kk) * NR + h, t[kk]);
      }
    for (; k < kb; ++k)
      for (int j = 0; j < NR; ++j) dst[k * NR + j] = j < cols ? src[j][k] : 0.f;
  }
}

}  // namespace

// Blocking for L1 48 KB / L2 1 MB: the (256, 32) B panel (32 KB) and one (256, 14) A panel
// (14 KB) share L1; the (168, 256) A block (168 KB) sits in L2 next to the (256, 1024) B block
// (1 MB, spilling to L3). KC 256..512, MC 112..168 and NC 1024..4096 measured alike against
// numpy (within the noise of this shared machine); these keep each working set in its cache.
const GemmKernels kAvx512Kernels = {MR,       NR,       /*kc=*/256,    /*mc=*/168,    /*nc=*/1024,
                                    ukernel,  edge,     pack_a_avx512, pack_b_avx512, small_nn,
                                    small_nt, direct_nn};

}  // namespace pg::kernels::gemm_detail
