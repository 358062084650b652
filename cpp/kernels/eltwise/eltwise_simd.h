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
// The primitives unqualified; math that libm also names (exp, tanh, ...) stays vm::-qualified.
using namespace vm;

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
constexpr float kGeluTanhC1 = 1.5957691216057307f;              // 2 sqrt(2/pi)
constexpr float kGeluTanhC2 = 1.5957691216057307f * 0.044715f;  // 2 sqrt(2/pi) 0.044715
constexpr float kSeluAlpha = static_cast<float>(pg::kernels::kSeluAlpha);
constexpr float kSeluScale = static_cast<float>(pg::kernels::kSeluScale);

inline V zero() { return set1(0.0f); }
inline V one() { return set1(1.0f); }

// x, y are (n); y = op(x)
inline void unary(Unary op, int64_t n, const float* x, float* y, const UnaryArgs<float>& a) {
  const V alpha = set1(a.alpha), beta = set1(a.beta), thr = set1(a.threshold);
  switch (op) {
    case Unary::relu:
      return map1(n, x, y, [&](V v) { return select(lt(v, zero()), zero(), v); });
    case Unary::leaky_relu:
      return map1(n, x, y, [&](V v) { return select(gt(v, zero()), v, mul(v, alpha)); });
    case Unary::elu:
      return map1(n, x, y,
                  [&](V v) { return select(gt(v, zero()), v, mul(alpha, vm::expm1_neg(v))); });
    case Unary::selu:
      return map1(n, x, y, [&](V v) {
        const V neg_part = mul(set1(kSeluAlpha), vm::expm1_neg(v));
        return mul(set1(kSeluScale), select(gt(v, zero()), v, neg_part));
      });
    case Unary::gelu:  // x Phi(x) = x erfc(-x/sqrt2) / 2: no cancellation on the left
      return map1(n, x, y,
                  [&](V v) { return mul(mul(set1(0.5f), v), vm::erfc(mul(v, set1(-kInvSqrt2)))); });
    case Unary::gelu_tanh:  // 0.5 x (1 + tanh u) = x sigmoid(2u)
      return map1(n, x, y, [&](V v) {
        const V u2 = mul(v, fma(set1(kGeluTanhC2), mul(v, v), set1(kGeluTanhC1)));
        return mul(v, sigmoid(u2));
      });
    case Unary::silu:
      return map1(n, x, y, [&](V v) { return mul(v, sigmoid(v)); });
    case Unary::sigmoid:
      return map1(n, x, y, [&](V v) { return sigmoid(v); });
    case Unary::tanh:
      return map1(n, x, y, [&](V v) { return vm::tanh(v); });
    case Unary::erf:
      return map1(n, x, y, [&](V v) { return vm::erf(v); });
    case Unary::softplus:
      return map1(n, x, y, [&](V v) {
        const V z = mul(beta, v);
        const V sp = div(add(max(z, zero()), log1p_pos(vm::exp(neg(vm::abs(z))))), beta);
        return select(gt(z, thr), v, sp);
      });
    case Unary::exp:
      return map1(n, x, y, [&](V v) { return vm::exp(v); });
    case Unary::log:
      return map1(n, x, y, [&](V v) { return vm::log(v); });
    case Unary::sqrt:
      return map1(n, x, y, [&](V v) { return vm::sqrt(v); });
    case Unary::neg:
      return map1(n, x, y, [&](V v) { return neg(v); });
    case Unary::abs:
      return map1(n, x, y, [&](V v) { return vm::abs(v); });
    default:
      return;
  }
}

// gy, x, gx are (n); gx = gy * op'(x)
inline void unary_backward(Unary op, int64_t n, const float* gy, const float* x, float* gx,
                           const UnaryArgs<float>& a) {
  const V alpha = set1(a.alpha), beta = set1(a.beta), thr = set1(a.threshold);
  switch (op) {
    case Unary::relu:
      return map2(n, gy, x, gx, [&](V g, V v) { return select(gt(v, zero()), g, zero()); });
    case Unary::leaky_relu:
      return map2(n, gy, x, gx, [&](V g, V v) { return select(gt(v, zero()), g, mul(g, alpha)); });
    case Unary::elu:
      return map2(n, gy, x, gx, [&](V g, V v) {
        return select(gt(v, zero()), g, mul(g, mul(alpha, vm::exp(v))));
      });
    case Unary::selu:
      return map2(n, gy, x, gx, [&](V g, V v) {
        const V d = select(gt(v, zero()), one(), mul(set1(kSeluAlpha), vm::exp(v)));
        return mul(g, mul(set1(kSeluScale), d));
      });
    case Unary::gelu:  // Phi(x) + x phi(x)
      return map2(n, gy, x, gx, [&](V g, V v) {
        const V cdf = mul(set1(0.5f), vm::erfc(mul(v, set1(-kInvSqrt2))));
        const V pdf = mul(set1(kInvSqrt2Pi), vm::exp(mul(mul(v, v), set1(-0.5f))));
        return mul(g, fma(v, pdf, cdf));
      });
    case Unary::gelu_tanh:  // d/dx x s(u2) = s(u2) + x s'(u2) u2'
      return map2(n, gy, x, gx, [&](V g, V v) {
        const V v2 = mul(v, v);
        const V u2 = mul(v, fma(set1(kGeluTanhC2), v2, set1(kGeluTanhC1)));
        const V du2 = fma(set1(3.0f * kGeluTanhC2), v2, set1(kGeluTanhC1));
        V s, sg;
        sigmoid_with_grad(u2, s, sg);
        return mul(g, fma(mul(v, sg), du2, s));
      });
    case Unary::silu:
      return map2(n, gy, x, gx, [&](V g, V v) {
        V s, sg;
        sigmoid_with_grad(v, s, sg);
        return mul(g, fma(v, sg, s));
      });
    case Unary::sigmoid:
      return map2(n, gy, x, gx, [&](V g, V v) { return mul(g, sigmoid_grad(v)); });
    case Unary::tanh:  // 1 - tanh^2 = 4 sigmoid'(2x), accurate where tanh saturates
      return map2(n, gy, x, gx,
                  [&](V g, V v) { return mul(g, mul(set1(4.0f), sigmoid_grad(add(v, v)))); });
    case Unary::erf:  // 2/sqrt(pi) exp(-x^2)
      return map2(n, gy, x, gx, [&](V g, V v) {
        const V e = vm::exp(neg(mul(v, v)));
        return mul(g, mul(set1(1.12837916709551257f), e));
      });
    case Unary::softplus:
      return map2(n, gy, x, gx, [&](V g, V v) {
        const V z = mul(beta, v);
        return mul(g, select(gt(z, thr), one(), sigmoid(z)));
      });
    case Unary::exp:
      return map2(n, gy, x, gx, [&](V g, V v) { return mul(g, vm::exp(v)); });
    case Unary::log:
      return map2(n, gy, x, gx, [&](V g, V v) { return div(g, v); });
    case Unary::sqrt:
      return map2(n, gy, x, gx, [&](V g, V v) { return div(mul(g, set1(0.5f)), vm::sqrt(v)); });
    case Unary::neg:
      return map2(n, gy, x, gx, [&](V g, V) { return neg(g); });
    case Unary::abs:
      return map2(n, gy, x, gx, [&](V g, V v) {
        const V s = select(gt(v, zero()), one(), select(lt(v, zero()), set1(-1.0f), zero()));
        return mul(g, s);
      });
    default:
      return;
  }
}

// a is (n) or one value (sa = 0), b likewise; y is (n)
template <class F>
inline void binary_loop(int64_t n, const float* a, int64_t sa, const float* b, int64_t sb, float* y,
                        F f) {
  if (sa && sb) return map2(n, a, b, y, f);
  if (sa) {
    const V vb = set1(*b);
    return map1(n, a, y, [&](V v) { return f(v, vb); });
  }
  if (sb) {
    const V va = set1(*a);
    return map1(n, b, y, [&](V v) { return f(va, v); });
  }
  const float r = [&] {
    float tmp[vm::kWidth];
    vm::store(tmp, f(set1(*a), set1(*b)));
    return tmp[0];
  }();
  for (int64_t i = 0; i < n; ++i) y[i] = r;
}

inline void binary(Binary op, int64_t n, const float* a, int64_t sa, const float* b, int64_t sb,
                   float* y) {
  switch (op) {
    case Binary::add:
      return binary_loop(n, a, sa, b, sb, y, [](V p, V q) { return add(p, q); });
    case Binary::sub:
      return binary_loop(n, a, sa, b, sb, y, [](V p, V q) { return sub(p, q); });
    case Binary::mul:
      return binary_loop(n, a, sa, b, sb, y, [](V p, V q) { return mul(p, q); });
    case Binary::div:
      return binary_loop(n, a, sa, b, sb, y, [](V p, V q) { return div(p, q); });
    default:
      return;
  }
}

}  // namespace simd
}  // namespace
