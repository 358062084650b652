// Reference elementwise kernels: one plain loop per op on the C++ math library, in T. The
// oracle of every SIMD variant and the float64 path of the eager ops (gradient checks).
#include <cmath>

#include "kernels/eltwise/eltwise.h"

namespace pg::kernels {
namespace {

// sigmoid and its derivative written so that neither overflows for any x:
// with e = exp(-|x|), sigmoid = 1/(1+e) for x >= 0 and e/(1+e) for x < 0.
template <class T>
T sigmoid(T x) {
  const T e = std::exp(-std::fabs(x));
  return x >= T(0) ? T(1) / (T(1) + e) : e / (T(1) + e);
}
template <class T>
T sigmoid_grad(T x) {  // sigmoid(x) * (1 - sigmoid(x)) = e / (1+e)^2
  const T e = std::exp(-std::fabs(x));
  return e / ((T(1) + e) * (T(1) + e));
}

constexpr double kSqrt2OverPi = 0.79788456080286535588;  // sqrt(2/pi)
constexpr double kGeluCubic = 0.044715;
constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;  // 1/sqrt(2 pi)

template <class T>
T forward(Unary op, T x, const UnaryArgs<T>& a) {
  switch (op) {
    case Unary::relu:
      return x < T(0) ? T(0) : x;  // NaN passes through, as in torch
    case Unary::leaky_relu:
      return x > T(0) ? x : x * a.alpha;
    case Unary::elu:
      return x > T(0) ? x : a.alpha * std::expm1(x);
    case Unary::selu:
      return T(kSeluScale) * (x > T(0) ? x : T(kSeluAlpha) * std::expm1(x));
    case Unary::gelu:  // x * Phi(x); erfc on the left avoids 1 + erf cancelling
      return x >= T(0) ? T(0.5) * x * (T(1) + std::erf(x * T(kInvSqrt2)))
                       : T(0.5) * x * std::erfc(-x * T(kInvSqrt2));
    case Unary::gelu_tanh: {  // 0.5 x (1 + tanh u) = x sigmoid(2u)
      const T u = T(kSqrt2OverPi) * (x + T(kGeluCubic) * x * x * x);
      return x * sigmoid(T(2) * u);
    }
    case Unary::silu:
      return x * sigmoid(x);
    case Unary::sigmoid:
      return sigmoid(x);
    case Unary::tanh:
      return std::tanh(x);
    case Unary::erf:
      return std::erf(x);
    case Unary::softplus: {
      const T z = a.beta * x;
      if (z > a.threshold) return x;
      return (std::fmax(z, T(0)) + std::log1p(std::exp(-std::fabs(z)))) / a.beta;
    }
    case Unary::exp:
      return std::exp(x);
    case Unary::log:
      return std::log(x);
    case Unary::sqrt:
      return std::sqrt(x);
    case Unary::neg:
      return -x;
    case Unary::abs:
      return std::fabs(x);
    default:
      return x;
  }
}

// d op / dx at x (times grad_output by the caller).
template <class T>
T derivative(Unary op, T x, const UnaryArgs<T>& a) {
  switch (op) {
    case Unary::relu:
      return x > T(0) ? T(1) : T(0);
    case Unary::leaky_relu:
      return x > T(0) ? T(1) : a.alpha;
    case Unary::elu:
      return x > T(0) ? T(1) : a.alpha * std::exp(x);
    case Unary::selu:
      return T(kSeluScale) * (x > T(0) ? T(1) : T(kSeluAlpha) * std::exp(x));
    case Unary::gelu: {
      const T cdf = x >= T(0) ? T(0.5) * (T(1) + std::erf(x * T(kInvSqrt2)))
                              : T(0.5) * std::erfc(-x * T(kInvSqrt2));
      return cdf + x * T(kInvSqrt2Pi) * std::exp(T(-0.5) * x * x);
    }
    case Unary::gelu_tanh: {
      const T u = T(kSqrt2OverPi) * (x + T(kGeluCubic) * x * x * x);
      const T du = T(kSqrt2OverPi) * (T(1) + T(3 * kGeluCubic) * x * x);
      return sigmoid(T(2) * u) + T(2) * x * sigmoid_grad(T(2) * u) * du;
    }
    case Unary::silu:
      return sigmoid(x) + x * sigmoid_grad(x);
    case Unary::sigmoid:
      return sigmoid_grad(x);
    case Unary::tanh:
      return T(4) * sigmoid_grad(T(2) * x);  // 1 - tanh^2 without cancelling
    case Unary::erf:
      return T(2 * kInvSqrt2Pi * 1.41421356237309504880) * std::exp(-x * x);
    case Unary::softplus: {
      const T z = a.beta * x;
      return z > a.threshold ? T(1) : sigmoid(z);
    }
    case Unary::exp:
      return std::exp(x);
    case Unary::log:
      return T(1) / x;
    case Unary::sqrt:
      return T(0.5) / std::sqrt(x);
    case Unary::neg:
      return T(-1);
    case Unary::abs:
      return x > T(0) ? T(1) : (x < T(0) ? T(-1) : T(0));
    default:
      return T(1);
  }
}

}  // namespace

// x, y are (n)
template <class T>
void unary_ref(Unary op, int64_t n, const T* x, T* y, const UnaryArgs<T>& a) {
  for (int64_t i = 0; i < n; ++i) y[i] = forward(op, x[i], a);
}

// gy, x, gx are (n)
template <class T>
void unary_backward_ref(Unary op, int64_t n, const T* gy, const T* x, T* gx,
                        const UnaryArgs<T>& a) {
  for (int64_t i = 0; i < n; ++i) gx[i] = gy[i] * derivative(op, x[i], a);
}

// a is (n) with stride sa in {0, 1}, b likewise, y is (n)
template <class T>
void binary_ref(Binary op, int64_t n, const T* a, int64_t sa, const T* b, int64_t sb, T* y) {
  switch (op) {
    case Binary::add:
      for (int64_t i = 0; i < n; ++i) y[i] = a[i * sa] + b[i * sb];
      break;
    case Binary::sub:
      for (int64_t i = 0; i < n; ++i) y[i] = a[i * sa] - b[i * sb];
      break;
    case Binary::mul:
      for (int64_t i = 0; i < n; ++i) y[i] = a[i * sa] * b[i * sb];
      break;
    case Binary::div:
      for (int64_t i = 0; i < n; ++i) y[i] = a[i * sa] / b[i * sb];
      break;
    default:
      break;
  }
}

// x is (outer, C, inner), y is (outer, C/pieces, inner)
template <class T>
void maxout_ref(int64_t outer, int64_t C, int64_t inner, int64_t pieces, const T* x, T* y) {
  const int64_t G = C / pieces;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t g = 0; g < G; ++g) {
      const T* xg = x + (o * C + g * pieces) * inner;
      T* yg = y + (o * G + g) * inner;
      for (int64_t i = 0; i < inner; ++i) yg[i] = xg[i];
      for (int64_t k = 1; k < pieces; ++k)
        for (int64_t i = 0; i < inner; ++i) {
          const T v = xg[k * inner + i];
          if (v > yg[i] || (v != v && yg[i] == yg[i])) yg[i] = v;
        }
    }
}

// gy is (outer, C/pieces, inner), x and gx are (outer, C, inner)
template <class T>
void maxout_backward_ref(int64_t outer, int64_t C, int64_t inner, int64_t pieces, const T* gy,
                         const T* x, T* gx) {
  const int64_t G = C / pieces;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t g = 0; g < G; ++g) {
      const T* xg = x + (o * C + g * pieces) * inner;
      T* gxg = gx + (o * C + g * pieces) * inner;
      const T* gyg = gy + (o * G + g) * inner;
      for (int64_t i = 0; i < inner; ++i) {
        int64_t best = 0;
        T m = xg[i];
        for (int64_t k = 1; k < pieces; ++k) {
          const T v = xg[k * inner + i];
          if (v > m || (v != v && m == m)) m = v, best = k;
        }
        for (int64_t k = 0; k < pieces; ++k) gxg[k * inner + i] = k == best ? gyg[i] : T(0);
      }
    }
}

// g is (n), acc is (n) when sacc == 1 or one value when sacc == 0
template <class T>
void accumulate_ref(int64_t n, const T* g, double* acc, int64_t sacc) {
  if (sacc) {
    for (int64_t i = 0; i < n; ++i) acc[i] += g[i];
    return;
  }
  double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};  // eight chains: the adds pipeline
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) s[j] += g[i + j];
  for (; i < n; ++i) s[0] += g[i];
  *acc += ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

// gy, x are (n)
template <class T>
double prelu_slope_grad_ref(int64_t n, const T* gy, const T* x) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i)
    if (!(x[i] > T(0))) s += static_cast<double>(gy[i]) * x[i];
  return s;
}

#define PG_INSTANTIATE(T)                                                                      \
  template void maxout_ref<T>(int64_t, int64_t, int64_t, int64_t, const T*, T*);               \
  template void maxout_backward_ref<T>(int64_t, int64_t, int64_t, int64_t, const T*, const T*, \
                                       T*);                                                    \
  template void accumulate_ref<T>(int64_t, const T*, double*, int64_t);                        \
  template double prelu_slope_grad_ref<T>(int64_t, const T*, const T*);
PG_INSTANTIATE(float)
PG_INSTANTIATE(double)
#undef PG_INSTANTIATE

template void unary_ref<float>(Unary, int64_t, const float*, float*, const UnaryArgs<float>&);
template void unary_ref<double>(Unary, int64_t, const double*, double*, const UnaryArgs<double>&);
template void unary_backward_ref<float>(Unary, int64_t, const float*, const float*, float*,
                                        const UnaryArgs<float>&);
template void unary_backward_ref<double>(Unary, int64_t, const double*, const double*, double*,
                                         const UnaryArgs<double>&);
template void binary_ref<float>(Binary, int64_t, const float*, int64_t, const float*, int64_t,
                                float*);
template void binary_ref<double>(Binary, int64_t, const double*, int64_t, const double*, int64_t,
                                 double*);

}  // namespace pg::kernels
