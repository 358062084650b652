// AVX2 2-D transpose: 8x8 register tiles (unpack ps, shuffle, 128-bit lane permutes); edges
// fall back to the reference.
#include <immintrin.h>

#include "kernels/shape/shape.h"

namespace pg::kernels {
namespace {

// x is an 8x8 tile with row stride ldx, y its transpose with row stride ldy
inline void tile8(const float* x, float* y, int64_t ldx, int64_t ldy) {
  __m256 r[8], t[8];
  for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(x + i * ldx);
  for (int k = 0; k < 4; ++k) {
    t[2 * k] = _mm256_unpacklo_ps(r[2 * k], r[2 * k + 1]);
    t[2 * k + 1] = _mm256_unpackhi_ps(r[2 * k], r[2 * k + 1]);
  }
  // r[4g + c]: in 128-bit lane L, column 4L+c of rows 4g..4g+3
  for (int g = 0; g < 2; ++g) {
    const __m256 a = t[4 * g], b = t[4 * g + 1], c = t[4 * g + 2], d = t[4 * g + 3];
    r[4 * g + 0] = _mm256_shuffle_ps(a, c, 0x44);
    r[4 * g + 1] = _mm256_shuffle_ps(a, c, 0xEE);
    r[4 * g + 2] = _mm256_shuffle_ps(b, d, 0x44);
    r[4 * g + 3] = _mm256_shuffle_ps(b, d, 0xEE);
  }
  for (int c = 0; c < 4; ++c) {
    _mm256_storeu_ps(y + c * ldy, _mm256_permute2f128_ps(r[c], r[4 + c], 0x20));
    _mm256_storeu_ps(y + (4 + c) * ldy, _mm256_permute2f128_ps(r[c], r[4 + c], 0x31));
  }
}

}  // namespace

// x is (rows, cols) with row stride ldx, y is (cols, rows) with row stride ldy
void transpose2d_f32_avx2(const float* x, float* y, int64_t rows, int64_t cols, int64_t ldx,
                          int64_t ldy) {
  const int64_t R8 = rows & ~int64_t(7), C8 = cols & ~int64_t(7);
  // 64-column blocks keep the output rows (pages) in flight few, as in the AVX-512 variant.
  for (int64_t c0 = 0; c0 < C8; c0 += 64) {
    const int64_t c1 = c0 + 64 < C8 ? c0 + 64 : C8;
    for (int64_t r = 0; r < R8; r += 8)
      for (int64_t c = c0; c < c1; c += 8) tile8(x + r * ldx + c, y + c * ldy + r, ldx, ldy);
  }
  if (C8 < cols) transpose2d_ref<float>(x + C8, y + C8 * ldy, R8, cols - C8, ldx, ldy);
  if (R8 < rows) transpose2d_ref<float>(x + R8 * ldx, y + R8, rows - R8, cols, ldx, ldy);
}

}  // namespace pg::kernels
