// AVX-512 2-D transpose: 16x16 register tiles (unpack ps, unpack pd, two 128-bit lane
// shuffles); edges fall back to the reference.
#include <immintrin.h>

#include <cstdint>

#include "kernels/shape/shape.h"

namespace pg::kernels {
namespace {

constexpr int64_t kStreamFloats = int64_t(1) << 17;  // output spans past 512 KB bypass the cache

template <bool kStream>
inline void store(float* p, __m512 v) {
  if (kStream)
    _mm512_stream_ps(p, v);
  else
    _mm512_storeu_ps(p, v);
}

template <bool kStream>
void tiles(const float* x, float* y, int64_t R16, int64_t C16, int64_t ldx, int64_t ldy);

// x is a 16x16 tile with row stride ldx, y its transpose with row stride ldy. kStream: y is
// 64-byte aligned and written with non-temporal stores (full cache lines, no read-for-ownership).
template <bool kStream>
inline void tile16(const float* x, float* y, int64_t ldx, int64_t ldy) {
  __m512 r[16], t[16];
  for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(x + i * ldx);
  for (int k = 0; k < 8; ++k) {
    t[2 * k] = _mm512_unpacklo_ps(r[2 * k], r[2 * k + 1]);
    t[2 * k + 1] = _mm512_unpackhi_ps(r[2 * k], r[2 * k + 1]);
  }
  // u[4g + c]: in 128-bit lane L, column 4L+c of rows 4g..4g+3
  for (int g = 0; g < 4; ++g) {
    const __m512d a = _mm512_castps_pd(t[4 * g]), b = _mm512_castps_pd(t[4 * g + 1]);
    const __m512d c = _mm512_castps_pd(t[4 * g + 2]), d = _mm512_castps_pd(t[4 * g + 3]);
    r[4 * g + 0] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    r[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    r[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
    r[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
  }
  // Output row 4L+c gathers lane L of r[c], r[4+c], r[8+c], r[12+c].
  for (int c = 0; c < 4; ++c) {
    const __m512 v0 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x44);
    const __m512 v1 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xEE);
    const __m512 v2 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x44);
    const __m512 v3 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xEE);
    store<kStream>(y + (0 + c) * ldy, _mm512_shuffle_f32x4(v0, v2, 0x88));
    store<kStream>(y + (4 + c) * ldy, _mm512_shuffle_f32x4(v0, v2, 0xDD));
    store<kStream>(y + (8 + c) * ldy, _mm512_shuffle_f32x4(v1, v3, 0x88));
    store<kStream>(y + (12 + c) * ldy, _mm512_shuffle_f32x4(v1, v3, 0xDD));
  }
}

// The full 16x16 tiles of x (R16, C16); 64-column blocks keep the pages in flight few.
template <bool kStream>
void tiles(const float* x, float* y, int64_t R16, int64_t C16, int64_t ldx, int64_t ldy) {
  for (int64_t c0 = 0; c0 < C16; c0 += 64) {
    const int64_t c1 = c0 + 64 < C16 ? c0 + 64 : C16;
    for (int64_t r = 0; r < R16; r += 16)
      for (int64_t c = c0; c < c1; c += 16)
        tile16<kStream>(x + r * ldx + c, y + c * ldy + r, ldx, ldy);
  }
}

}  // namespace

// x is (rows, cols) with row stride ldx, y is (cols, rows) with row stride ldy
void transpose2d_f32_avx512(const float* x, float* y, int64_t rows, int64_t cols, int64_t ldx,
                            int64_t ldy) {
  const int64_t R16 = rows & ~int64_t(15), C16 = cols & ~int64_t(15);
  const bool stream =
      cols * ldy >= kStreamFloats && ldy % 16 == 0 && reinterpret_cast<uintptr_t>(y) % 64 == 0;
  if (stream) {
    tiles<true>(x, y, R16, C16, ldx, ldy);
    _mm_sfence();
  } else {
    tiles<false>(x, y, R16, C16, ldx, ldy);
  }
  if (C16 < cols) transpose2d_ref<float>(x + C16, y + C16 * ldy, R16, cols - C16, ldx, ldy);
  if (R16 < rows) transpose2d_ref<float>(x + R16 * ldx, y + R16, rows - R16, cols, ldx, ldy);
}

}  // namespace pg::kernels
