// im2col / col2im, AVX-512 row kernels: 16 columns per step, the padding edges and the row tail
// done by masks (masked-off lanes are never read or written), so a row of LeNet's 10-28 floats
// is one or two masked moves. Strided im2col gathers; strided col2im stays scalar.
#include <immintrin.h>

#include "kernels/conv/im2col_loops.h"

namespace pg::kernels {
namespace {

// Lanes i of a 16-wide step with a <= i < b (a, b relative to the step's first column).
inline __mmask16 lanes(int64_t a, int64_t b) {
  const int64_t lo = a < 0 ? 0 : (a > 16 ? 16 : a), hi = b < 0 ? 0 : (b > 16 ? 16 : b);
  const uint32_t below_hi = (1u << hi) - 1u, below_lo = (1u << lo) - 1u;
  return static_cast<__mmask16>(below_hi & ~below_lo);
}

// A tap's masks, computed once for all its output rows when the row has at most kPre steps.
constexpr int64_t kPre = 4;
struct Prepared {
  ColRow r;
  __mmask16 in[kPre], st[kPre];  // lanes read (in [lo, hi)) and written (in [0, n)) per step
};

struct RowAVX512 {
  Prepared prepare(const ColRow& r) const {
    Prepared p{r, {}, {}};
    for (int64_t k = 0; k < kPre; ++k) {
      p.in[k] = lanes(r.lo - 16 * k, r.hi - 16 * k);
      p.st[k] = lanes(0, r.n - 16 * k);
    }
    return p;
  }
  void gather(float* dst, const float* x_row, const Prepared& p) const {
    const ColRow& r = p.r;
    const float* s = x_row + r.off;  // s[o * sw] is the input of column o, for o in [lo, hi)
    if (r.sw == 1 && r.n <= 16 * kPre) {
      for (int64_t k = 0, o = 0; o < r.n; ++k, o += 16)
        _mm512_mask_storeu_ps(dst + o, p.st[k], _mm512_maskz_loadu_ps(p.in[k], s + o));
      return;
    }
    if (r.sw == 1) {
      for (int64_t o = 0; o < r.n; o += 16) {
        const __mmask16 in = lanes(r.lo - o, r.hi - o), st = lanes(0, r.n - o);
        _mm512_mask_storeu_ps(dst + o, st, _mm512_maskz_loadu_ps(in, s + o));
      }
      return;
    }
    const __m512i idx =
        _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                           _mm512_set1_epi32(static_cast<int>(r.sw)));
    for (int64_t o = 0; o < r.n; o += 16) {
      const __mmask16 in = lanes(r.lo - o, r.hi - o), st = lanes(0, r.n - o);
      const __m512 v = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), in, idx, s + o * r.sw, 4);
      _mm512_mask_storeu_ps(dst + o, st, v);
    }
  }
  void scatter(float* x_row, const float* src, const Prepared& p) const {
    const ColRow& r = p.r;
    if (r.sw != 1) return scatter_row_scalar(x_row, src, r);
    float* s = x_row + r.off;
    for (int64_t o = r.lo; o < r.hi; o += 16) {
      const __mmask16 m = lanes(0, r.hi - o);
      const __m512 v =
          _mm512_add_ps(_mm512_maskz_loadu_ps(m, s + o), _mm512_maskz_loadu_ps(m, src + o));
      _mm512_mask_storeu_ps(s + o, m, v);
    }
  }
  // Each 16-wide piece of the input row stays in a register over the taps; a tap's lanes hold
  // the input positions o + off, o in [lo, hi), and only those lanes are added (others untouched).
  void scatter_taps(float* x_row, const float* src, int64_t ld, const ColRow* taps, int64_t Kw,
                    int64_t Wi) const {
    if (taps[0].sw != 1) return scatter_taps_scalar(x_row, src, ld, taps, Kw);
    for (int64_t j = 0; j < Wi; j += 16) {
      const __mmask16 row = lanes(0, Wi - j);
      __m512 acc = _mm512_maskz_loadu_ps(row, x_row + j);
      for (int64_t kw = 0; kw < Kw; ++kw) {
        const ColRow& t = taps[kw];
        const __mmask16 m = lanes(t.lo + t.off - j, t.hi + t.off - j);
        const __m512 v = _mm512_maskz_loadu_ps(m, src + kw * ld + j - t.off);
        acc = _mm512_mask_add_ps(acc, m, acc, v);
      }
      _mm512_mask_storeu_ps(x_row + j, row, acc);
    }
  }
  void zero(float* dst, int64_t n) const {
    for (int64_t o = 0; o < n; o += 16)
      _mm512_mask_storeu_ps(dst + o, lanes(0, n - o), _mm512_setzero_ps());
  }
};

}  // namespace

// x is (Cg,Di,Hi,Wi), col is (Cg*Kd*Kh*Kw, (r1-r0)*Wo) with row stride ld
void im2col_f32_avx512(const ConvGeom& g, const float* x, float* col, int64_t ld, int64_t r0,
                       int64_t r1) {
  im2col_walk<false>(g, const_cast<float*>(x), col, ld, r0, r1, RowAVX512());
}

// col is (Cg*Kd*Kh*Kw, (r1-r0)*Wo) with row stride ld, dx is (Cg,Di,Hi,Wi)
void col2im_f32_avx512(const ConvGeom& g, const float* col, int64_t ld, float* dx, int64_t r0,
                       int64_t r1) {
  col2im_walk(g, dx, col, ld, r0, r1, RowAVX512());
}

}  // namespace pg::kernels
