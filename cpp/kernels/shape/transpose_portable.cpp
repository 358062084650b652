// Portable 2-D transpose: 16x16 blocks so each block's reads and writes stay in L1.
#include "kernels/shape/shape.h"

namespace pg::kernels {

// x is (rows, cols) with row stride ldx, y is (cols, rows) with row stride ldy
void transpose2d_f32_portable(const float* x, float* y, int64_t rows, int64_t cols, int64_t ldx,
                              int64_t ldy) {
  constexpr int64_t B = 16;
  for (int64_t r0 = 0; r0 < rows; r0 += B) {
    const int64_t r1 = r0 + B < rows ? r0 + B : rows;
    for (int64_t c0 = 0; c0 < cols; c0 += B) {
      const int64_t c1 = c0 + B < cols ? c0 + B : cols;
      for (int64_t c = c0; c < c1; ++c)
        for (int64_t r = r0; r < r1; ++r) y[c * ldy + r] = x[r * ldx + c];
    }
  }
}

}  // namespace pg::kernels
