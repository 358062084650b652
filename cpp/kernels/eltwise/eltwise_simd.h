// The elementwise loops written once on the vm:: primitives; each variant file includes its
// vmath_<isa>.h first and then this, so every helper stays in that file's anonymous namespace.
// Tails go through masked loads/stores: the last elements get exactly the same arithmetic.
#pragma once
#include <cstdint>

#include "kernels/eltwise/eltwise.h"

namespace {
namespace simd {

using pg::kernels::Binary;
using pg::kernels::Unary;
using pg::kernels::UnaryArgs;
using vm::V;

// x, y are (n)
template <class F>
inline void map1(int64_t n, const float* x, float* y, F f) {
  int64_t i = 0;
  for (; i + vm::kWidth <= n; i += vm::kWidth) vm::store(y + i, f(vm::load(x + i)));
  if (i < n) {
    const int k = static_cast<int>(n - i);
    vm::store_partial(y + i, f(vm::load_partial(x + i, k)), k);
  }
}

// gy, x, gx are (n)
template <class F>
inline void map2(int64_t n, const float* gy, const float* x, float* gx, F f) {
  int64_t i = 0;
  for (; i + vm::kWidth <= n; i += vm::kWidth)
    vm::store(gx + i, f(vm::load(gy + i), vm::load(x + i)));
  if (i < n) {
    const int k = static_cast<int>(n - i);
    vm::store_partial(gx + i, f(vm::load_partial(gy + i, k), vm::load_partial(x + i, k)), k);
  }
}

constexpr float kInvSqrt2 = 0.70710678118654752440f;
constexpr float kInvSqrt2Pi = 0.39894228040143267794f;
constexpr float kGeluTanhC1 = 1.5957691216057307f;                 // 2 vm::sqrt(2/pi)
constexpr float kGeluTanhC2 = 1.5957691216057307f * 0.044715f;     // 2 vm::sqrt(2/pi) 0.044715
constexpr float kSeluAlpha = static_cast<float>(pg::kernels::kSeluAlpha);
constexpr float kSeluScale = static_cast<float>(pg::kernels::kSeluScale);

inline V zero() { return vm::set1(0.0f); }
inline V one() { return vm::set1(1.0f); }

// x, y are (n); y = op(x)
inline void unary(Unary op, int64_t n, const float* x, float* y, const UnaryArgs<float>& a) {
  const V alpha = vm::set1(a.alpha), beta = vm::set1(a.beta), thr = vm::set1(a.threshold);
  switch (op) {
    case Unary::relu: return map1(n, x, y, [&](V v) { return vm::select(vm::lt(v, zero()), zero(), v); });
    case Unary::leaky_relu:
      return map1(n, x, y, [&](V v) { return vm::select(vm::gt(v, zero()), v, vm::mul(v, alpha)); });
    case Unary::elu:
      return map1(n, x, y,
                  [&](V v) { return vm::select(vm::gt(v, zero()), v, vm::mul(alpha, vm::expm1(v))); });
    case Unary::selu:
      return map1(n, x, y, [&](V v) {
        const V neg_part = vm::mul(vm::set1(kSeluAlpha), vm::expm1(v));
        return vm::mul(vm::set1(kSeluScale), vm::select(vm::gt(v, zero()), v, neg_part));
      });
    case Unary::gelu:  // x Phi(x) = x vm::erfc(-x/sqrt2) / 2: no cancellation on the left
      return map1(n, x, y, [&](V v) {
        return vm::mul(vm::mul(vm::set1(0.5f), v), vm::erfc(vm::mul(v, vm::set1(-kInvSqrt2))));
      });
    case Unary::gelu_tanh:  // 0.5 x (1 + tanh u) = x vm::sigmoid(2u)
      return map1(n, x, y, [&](V v) {
        const V u2 = vm::mul(v, vm::fma(vm::set1(kGeluTanhC2), vm::mul(v, v), vm::set1(kGeluTanhC1)));
        return vm::mul(v, vm::sigmoid(u2));
      });
    case Unary::silu: return map1(n, x, y, [&](V v) { return vm::mul(v, vm::sigmoid(v)); });
    case Unary::sigmoid: return map1(n, x, y, [&](V v) { return vm::sigmoid(v); });
    case Unary::tanh: return map1(n, x, y, [&](V v) { return vm::tanh(v); });
    case Unary::erf: return map1(n, x, y, [&](V v) { return vm::erf(v); });
    case Unary::softplus:
      return map1(n, x, y, [&](V v) {
        const V z = vm::mul(beta, v);
        const V sp = vm::div(vm::add(vm::max(z, zero()), vm::log1p_pos(vm::exp(vm::neg(vm::abs(z))))), beta);
        return vm::select(vm::gt(z, thr), v, sp);
      });
    case Unary::exp: return map1(n, x, y, [&](V v) { return vm::exp(v); });
    case Unary::log: return map1(n, x, y, [&](V v) { return vm::log(v); });
    case Unary::sqrt: return map1(n, x, y, [&](V v) { return vm::sqrt(v); });
    case Unary::neg: return map1(n, x, y, [&](V v) { return vm::neg(v); });
    case Unary::abs: return map1(n, x, y, [&](V v) { return vm::abs(v); });
    default: return;
  }
}

// gy, x, gx are (n); gx = gy * op'(x)
inline void unary_backward(Unary op, int64_t n, const float* gy, const float* x, float* gx,
                           const UnaryArgs<float>& a) {
  const V alpha = vm::set1(a.alpha), beta = vm::set1(a.beta), thr = vm::set1(a.threshold);
  switch (op) {
    case Unary::relu:
      return map2(n, gy, x, gx, [&](V g, V v) { return vm::select(vm::gt(v, zero()), g, zero()); });
    case Unary::leaky_relu:
      return map2(n, gy, x, gx,
                  [&](V g, V v) { return vm::select(vm::gt(v, zero()), g, vm::mul(g, alpha)); });
    case Unary::elu:
      return map2(n, gy, x, gx, [&](V g, V v) {
        return vm::select(vm::gt(v, zero()), g, vm::mul(g, vm::mul(alpha, vm::exp(v))));
      });
    case Unary::selu:
      return map2(n, gy, x, gx, [&](V g, V v) {
        const V d = vm::select(vm::gt(v, zero()), one(), vm::mul(vm::set1(kSeluAlpha), vm::exp(v)));
        return vm::mul(g, vm::mul(vm::set1(kSeluScale), d));
      });
    case Unary::gelu:  // Phi(x) + x phi(x)
      return map2(n, gy, x, gx, [&](V g, V v) {
        const V cdf = vm::mul(vm::set1(0.5f), vm::erfc(vm::mul(v, vm::set1(-kInvSqrt2))));
        const V pdf = vm::mul(vm::set1(kInvSqrt2Pi), vm::exp(vm::mul(vm::mul(v, v), vm::set1(-0.5f))));
        return vm::mul(g, vm::fma(v, pdf, cdf));
      });
    case Unary::gelu_tanh:  // d/dx x s(u2) = s(u2) + x s'(u2) u2'
      return map2(n, gy, x, gx, [&](V g, V v) {
        const V v2 = vm::mul(v, v);
        const V u2 = vm::mul(v, vm::fma(vm::set1(kGeluTanhC2), v2, vm::set1(kGeluTanhC1)));
        const V du2 = vm::fma(vm::set1(3.0f * kGeluTanhC2), v2, vm::set1(kGeluTanhC1));
        return vm::mul(g, vm::fma(vm::mul(v, vm::sigmoid_grad(u2)), du2, vm::sigmoid(u2)));
      });
    case Unary::silu:
      return map2(n, gy, x, gx,
                  [&](V g, V v) { return vm::mul(g, vm::fma(v, vm::sigmoid_grad(v), vm::sigmoid(v))); });
    case Unary::sigmoid:
      return map2(n, gy, x, gx, [&](V g, V v) { return vm::mul(g, vm::sigmoid_grad(v)); });
    case Unary::tanh:  // 1 - tanh^2 = 4 sigmoid'(2x), accurate where tanh saturates
      return map2(n, gy, x, gx, [&](V g, V v) {
        return vm::mul(g, vm::mul(vm::set1(4.0f), vm::sigmoid_grad(vm::add(v, v))));
      });
    case Unary::erf:  // 2/sqrt(pi) exp(-x^2)
      return map2(n, gy, x, gx, [&](V g, V v) {
        return vm::mul(g, vm::mul(vm::set1(1.12837916709551257f), vm::exp(vm::neg(vm::mul(v, v)))));
      });
    case Unary::softplus:
      return map2(n, gy, x, gx, [&](V g, V v) {
        const V z = vm::mul(beta, v);
        return vm::mul(g, vm::select(vm::gt(z, thr), one(), vm::sigmoid(z)));
      });
    case Unary::exp: return map2(n, gy, x, gx, [&](V g, V v) { return vm::mul(g, vm::exp(v)); });
    case Unary::log: return map2(n, gy, x, gx, [&](V g, V v) { return vm::div(g, v); });
    case Unary::sqrt:
      return map2(n, gy, x, gx,
                  [&](V g, V v) { return vm::div(vm::mul(g, vm::set1(0.5f)), vm::sqrt(v)); });
    case Unary::neg: return map2(n, gy, x, gx, [&](V g, V) { return vm::neg(g); });
    case Unary::abs:
      return map2(n, gy, x, gx, [&](V g, V v) {
        const V s = vm::select(vm::gt(v, zero()), one(), vm::select(vm::lt(v, zero()), vm::set1(-1.0f), zero()));
        return vm::mul(g, s);
      });
    default: return;
  }
}

// a is (n) or one value (sa = 0), b likewise; y is (n)
template <class F>
inline void binary_loop(int64_t n, const float* a, int64_t sa, const float* b, int64_t sb,
                        float* y, F f) {
  if (sa && sb) return map2(n, a, b, y, f);
  if (sa) {
    const V vb = vm::set1(*b);
    return map1(n, a, y, [&](V v) { return f(v, vb); });
  }
  if (sb) {
    const V va = vm::set1(*a);
    return map1(n, b, y, [&](V v) { return f(va, v); });
  }
  const float r = [&] {
    float tmp[vm::kWidth];
    vm::store(tmp, f(vm::set1(*a), vm::set1(*b)));
    return tmp[0];
  }();
  for (int64_t i = 0; i < n; ++i) y[i] = r;
}

inline void binary(Binary op, int64_t n, const float* a, int64_t sa, const float* b, int64_t sb,
                   float* y) {
  switch (op) {
    case Binary::add: return binary_loop(n, a, sa, b, sb, y, [](V p, V q) { return vm::add(p, q); });
    case Binary::sub: return binary_loop(n, a, sa, b, sb, y, [](V p, V q) { return vm::sub(p, q); });
    case Binary::mul: return binary_loop(n, a, sa, b, sb, y, [](V p, V q) { return vm::mul(p, q); });
    case Binary::div: return binary_loop(n, a, sa, b, sb, y, [](V p, V q) { return vm::div(p, q); });
    default: return;
  }
}

}  // namespace simd
}  // namespace
