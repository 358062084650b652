// Softmax and log-softmax over one axis of a tensor seen as (outer, n, inner), and their
// backward. Numerically stable: the row maximum is subtracted before exp. No allocation.
#pragma once
#include <cstdint>

namespace pg::kernels {

// x, y are (outer, n, inner); y = softmax (or log_softmax when `log`) of x over n.
template <class T>
void softmax_ref(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, bool log);

// The fast path: SIMD rows when inner == 1 (the last axis), else SIMD exp over column blocks.
void softmax_f32(const float* x, float* y, int64_t outer, int64_t n, int64_t inner, bool log);

// Typed front door: float -> softmax_f32, double -> softmax_ref<double>.
template <class T>
void softmax(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, bool log);

// dy, p, dx are (outer, n, inner); p = softmax(x), for log_softmax too. p may alias dx.
// softmax: dx = p * (dy - sum(dy * p)); log_softmax: dx = dy - p * sum(dy).
template <class T>
void softmax_backward_ref(const T* dy, const T* p, T* dx, int64_t outer, int64_t n, int64_t inner,
                          bool log);

// What each SIMD variant provides: one row of n contiguous floats, and exp in place over a
// span (for softmax over a non-last axis, where rows are strided but columns are contiguous).
struct SoftmaxFns {
  void (*row)(const float* x, float* y, int64_t n, bool log);
  void (*exp_inplace)(float* x, int64_t n);
};
extern const SoftmaxFns kSoftmaxPortable;
#ifdef PYGRAPH_SIMD
extern const SoftmaxFns kSoftmaxAvx2;
extern const SoftmaxFns kSoftmaxAvx512;
#endif

}  // namespace pg::kernels
