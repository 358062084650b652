// The avx2 variant of the elementwise kernels: avx2.
// The loops are in eltwise_simd.h, the math in vmath_body.h.
#include "kernels/eltwise/eltwise.h"
#include "kernels/eltwise/vmath_avx2.h"

// eltwise_simd.h is written on the vm:: primitives above: it must come after them.
#include "kernels/eltwise/eltwise_simd.h"

namespace pg::kernels {

void unary_f32_avx2(Unary op, int64_t n, const float* x, float* y, const UnaryArgs<float>& a) {
  simd::unary(op, n, x, y, a);
}

void unary_backward_f32_avx2(Unary op, int64_t n, const float* gy, const float* x, float* gx,
                             const UnaryArgs<float>& a) {
  simd::unary_backward(op, n, gy, x, gx, a);
}

void binary_f32_avx2(Binary op, int64_t n, const float* a, int64_t sa, const float* b, int64_t sb,
                     float* y) {
  simd::binary(op, n, a, sa, b, sb, y);
}

}  // namespace pg::kernels
