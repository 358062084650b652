// Reference 2-D transpose: the plain double loop, oracle for the tiled variants.
#include <cstdint>

#include "kernels/shape/shape.h"

namespace pg::kernels {

// x is (rows, cols) with row stride ldx, y is (cols, rows) with row stride ldy
template <class T>
void transpose2d_ref(const T* x, T* y, int64_t rows, int64_t cols, int64_t ldx, int64_t ldy) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) y[c * ldy + r] = x[r * ldx + c];
}

template void transpose2d_ref<float>(const float*, float*, int64_t, int64_t, int64_t, int64_t);
template void transpose2d_ref<double>(const double*, double*, int64_t, int64_t, int64_t, int64_t);
template void transpose2d_ref<int64_t>(const int64_t*, int64_t*, int64_t, int64_t, int64_t,
                                       int64_t);

}  // namespace pg::kernels
