// im2col / col2im, AVX2 row kernels: 8 columns per step, the padding edges by masked loads
// (masked-off lanes are never read) and the row tail by a masked store. Strided im2col gathers;
// strided col2im stays scalar.
#include <immintrin.h>

#include "kernels/conv/im2col_loops.h"

namespace pg::kernels {
namespace {

// All-ones lanes i (0..7) of the step starting at column o with lo <= o + i < hi.
inline __m256i lanes(int64_t o, int64_t lo, int64_t hi) {
  const __m256i i = _mm256_add_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                                     _mm256_set1_epi32(static_cast<int>(o)));
  const __m256i ge_lo = _mm256_cmpgt_epi32(i, _mm256_set1_epi32(static_cast<int>(lo - 1)));
  return _mm256_and_si256(ge_lo, _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(hi)), i));
}

inline void store_row(float* dst, int64_t o, int64_t n, __m256 v) {
  if (o + 8 <= n)
    _mm256_storeu_ps(dst + o, v);
  else
    _mm256_maskstore_ps(dst + o, lanes(o, 0, n), v);
}

struct RowAVX2 {
  ColRow prepare(const ColRow& r) const { return r; }
  void gather(float* dst, const float* x_row, const ColRow& r) const {
    const float* s = x_row + r.off;  // s[o * sw] is the input of column o, for o in [lo, hi)
    if (r.sw == 1) {
      for (int64_t o = 0; o < r.n; o += 8)
        store_row(dst, o, r.n, _mm256_maskload_ps(s + o, lanes(o, r.lo, r.hi)));
      return;
    }
    const int sw = static_cast<int>(r.sw);
    const __m256i base = _mm256_setr_epi32(0, sw, 2 * sw, 3 * sw, 4 * sw, 5 * sw, 6 * sw, 7 * sw);
    for (int64_t o = 0; o < r.n; o += 8) {
      const __m256 in = _mm256_castsi256_ps(lanes(o, r.lo, r.hi));
      const __m256 v = _mm256_mask_i32gather_ps(_mm256_setzero_ps(), s + o * r.sw, base, in, 4);
      store_row(dst, o, r.n, v);
    }
  }
  void scatter(float* x_row, const float* src, const ColRow& r) const {
    if (r.sw != 1) return scatter_row_scalar(x_row, src, r);
    float* s = x_row + r.off;
    int64_t o = r.lo;
    for (; o + 8 <= r.hi; o += 8)
      _mm256_storeu_ps(s + o, _mm256_add_ps(_mm256_loadu_ps(s + o), _mm256_loadu_ps(src + o)));
    if (o < r.hi) {
      const __m256i m = lanes(o, o, r.hi);
      const __m256 v = _mm256_add_ps(_mm256_maskload_ps(s + o, m), _mm256_maskload_ps(src + o, m));
      _mm256_maskstore_ps(s + o, m, v);
    }
  }
  // Each 8-wide piece of the input row stays in a register over the taps; a tap's lanes hold
  // the input positions o + off, o in [lo, hi), and only those lanes are added (others untouched).
  void scatter_taps(float* x_row, const float* src, int64_t ld, const ColRow* taps, int64_t Kw,
                    int64_t Wi) const {
    if (taps[0].sw != 1) return scatter_taps_scalar(x_row, src, ld, taps, Kw);
    for (int64_t j = 0; j < Wi; j += 8) {
      const bool whole = j + 8 <= Wi;
      const __m256i row = lanes(j, 0, Wi);
      __m256 acc = whole ? _mm256_loadu_ps(x_row + j) : _mm256_maskload_ps(x_row + j, row);
      for (int64_t kw = 0; kw < Kw; ++kw) {
        const ColRow& t = taps[kw];
        const __m256i m = lanes(j, t.lo + t.off, t.hi + t.off);
        const __m256 v = _mm256_maskload_ps(src + kw * ld + j - t.off, m);
        acc = _mm256_blendv_ps(acc, _mm256_add_ps(acc, v), _mm256_castsi256_ps(m));
      }
      store_row(x_row, j, Wi, acc);
    }
  }
  void zero(float* dst, int64_t n) const {
    for (int64_t o = 0; o < n; o += 8) store_row(dst, o, n, _mm256_setzero_ps());
  }
};

}  // namespace

// x is (Cg,Di,Hi,Wi), col is (Cg*Kd*Kh*Kw, (r1-r0)*Wo) with row stride ld
void im2col_f32_avx2(const ConvGeom& g, const float* x, float* col, int64_t ld, int64_t r0,
                     int64_t r1) {
  im2col_walk<false>(g, const_cast<float*>(x), col, ld, r0, r1, RowAVX2());
}

// col is (Cg*Kd*Kh*Kw, (r1-r0)*Wo) with row stride ld, dx is (Cg,Di,Hi,Wi)
void col2im_f32_avx2(const ConvGeom& g, const float* col, int64_t ld, float* dx, int64_t r0,
                     int64_t r1) {
  col2im_walk(g, dx, col, ld, r0, r1, RowAVX2());
}

}  // namespace pg::kernels
