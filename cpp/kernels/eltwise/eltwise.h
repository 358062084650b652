// Elementwise kernels: activations (forward and backward) and the four arithmetic ops on flat
// arrays. Pure functions on raw pointers; broadcasting and shapes are the op layer's business.
#pragma once
#include <cstdint>

namespace pg::kernels {

// X-macro: every unary op once, in enum order.
#define PG_ELTWISE_UNARY(X) \
  X(relu)                   \
  X(leaky_relu)             \
  X(elu)                    \
  X(selu)                   \
  X(gelu)                   \
  X(gelu_tanh)              \
  X(silu)                   \
  X(sigmoid)                \
  X(tanh)                   \
  X(erf)                    \
  X(softplus)               \
  X(exp)                    \
  X(log)                    \
  X(sqrt)                   \
  X(neg)                    \
  X(abs)

enum class Unary : int {
#define PG_ENUM(name) name,
  PG_ELTWISE_UNARY(PG_ENUM)
#undef PG_ENUM
      count
};

enum class Binary : int { add, sub, mul, div, count };

// The attributes of the parameterised activations.
template <class T>
struct UnaryArgs {
  T alpha = T(0);       // leaky_relu's negative_slope (also prelu's slope), elu's alpha
  T beta = T(1);        // softplus
  T threshold = T(20);  // softplus: beta*x > threshold -> x
};

// The SELU constants (Klambauer et al. 2017), as torch uses them.
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

// ---- variant signatures: each ISA file defines one of each ----
// x, y are (n); y = op(x)
using UnaryFn = void (*)(Unary op, int64_t n, const float* x, float* y, const UnaryArgs<float>& a);
// gy, x, gx are (n); gx = gy * op'(x)
using UnaryBackwardFn = void (*)(Unary op, int64_t n, const float* gy, const float* x, float* gx,
                                 const UnaryArgs<float>& a);
// y[i] = a[i*sa] op b[i*sb]; sa, sb are 1 (a row) or 0 (one value repeated)
using BinaryFn = void (*)(Binary op, int64_t n, const float* a, int64_t sa, const float* b,
                          int64_t sb, float* y);

template <class T>
void unary_ref(Unary op, int64_t n, const T* x, T* y, const UnaryArgs<T>& a);
template <class T>
void unary_backward_ref(Unary op, int64_t n, const T* gy, const T* x, T* gx, const UnaryArgs<T>& a);
template <class T>
void binary_ref(Binary op, int64_t n, const T* a, int64_t sa, const T* b, int64_t sb, T* y);

void unary_f32_portable(Unary, int64_t, const float*, float*, const UnaryArgs<float>&);
void unary_backward_f32_portable(Unary, int64_t, const float*, const float*, float*,
                                 const UnaryArgs<float>&);
void binary_f32_portable(Binary, int64_t, const float*, int64_t, const float*, int64_t, float*);
#ifdef PYGRAPH_SIMD
void unary_f32_avx2(Unary, int64_t, const float*, float*, const UnaryArgs<float>&);
void unary_backward_f32_avx2(Unary, int64_t, const float*, const float*, float*,
                             const UnaryArgs<float>&);
void binary_f32_avx2(Binary, int64_t, const float*, int64_t, const float*, int64_t, float*);
void unary_f32_avx512(Unary, int64_t, const float*, float*, const UnaryArgs<float>&);
void unary_backward_f32_avx512(Unary, int64_t, const float*, const float*, float*,
                               const UnaryArgs<float>&);
void binary_f32_avx512(Binary, int64_t, const float*, int64_t, const float*, int64_t, float*);
#endif

// ---- shape-aware helpers of the eager ops (reference loops; memory-bound, no SIMD twin) ----
// x is (outer, C, inner), y is (outer, C/pieces, inner): the max over each group of `pieces`
// consecutive channels (NaN wins, as in torch.max).
template <class T>
void maxout_ref(int64_t outer, int64_t C, int64_t inner, int64_t pieces, const T* x, T* y);
// gy is (outer, C/pieces, inner), x and gx are (outer, C, inner): gy goes to each group's
// first argmax, zeros elsewhere.
template <class T>
void maxout_backward_ref(int64_t outer, int64_t C, int64_t inner, int64_t pieces, const T* gy,
                         const T* x, T* gx);
// g is (n); acc[i * sacc] += g[i] (sacc in {0, 1}), summed in double.
template <class T>
void accumulate_ref(int64_t n, const T* g, double* acc, int64_t sacc);
// gy, x are (n); the sum over x <= 0 of gy * x: prelu's slope gradient for one block.
template <class T>
double prelu_slope_grad_ref(int64_t n, const T* gy, const T* x);

// ---- front doors: float runs the variant the active ISA picks, double the reference; both
// split long arrays into chunks over OpenMP threads (serial inside a parallel region) ----
template <class T>
void unary(Unary op, int64_t n, const T* x, T* y, const UnaryArgs<T>& a);
template <class T>
void unary_backward(Unary op, int64_t n, const T* gy, const T* x, T* gx, const UnaryArgs<T>& a);
template <class T>
void binary(Binary op, int64_t n, const T* a, int64_t sa, const T* b, int64_t sb, T* y);

// Names of the variants the active ISA picks, e.g. "gelu_f32_avx512" (tests, benchmarks).
const char* unary_variant(Unary op);

}  // namespace pg::kernels
