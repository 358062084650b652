// Vectorised float32 math (exp, expm1, log, log1p, tanh, sigmoid, erf, erfc), written once on
// a handful of primitives. Not a standalone header: vmath_avx512.h / vmath_avx2.h /
// vmath_scalar.h define V (vector), M (mask), VI (int vector) and the primitives inside
// `namespace { namespace vm {` and then include this file there.
// Accuracy target: max relative error <= 1e-6 against the double-precision functions (a few
// ulp); overflow, underflow, +-inf and NaN behave like the C library's float functions.

// exp(x): x = n ln2 + r with |r| <= ln2/2 (Cody-Waite, ln2 split in two), exp(r) by its Taylor
// polynomial to degree 7 (truncation 7e-9 relative), times 2^n by scale2n, which gets n = 128
// (exp(88.5)) and gradual underflow (x < -87.3) right. The clamp keeps NaN: x is the second
// operand, which x86 min/max (and vmath_scalar's) return when either is NaN.
inline V exp(V x) {
  const V xc = min(set1(89.0f), max(set1(-104.0f), x));  // outside: 0 or inf anyway
  const V n = round_nearest(mul(xc, set1(1.44269504088896341f)));
  V r = fnma(n, set1(0.693359375f), xc);  // ln2_hi has 9 bits: n*ln2_hi is exact
  r = fnma(n, set1(-2.12194440e-4f), r);
  V p = set1(1.0f / 5040);
  p = fma(p, r, set1(1.0f / 720));
  p = fma(p, r, set1(1.0f / 120));
  p = fma(p, r, set1(1.0f / 24));
  p = fma(p, r, set1(1.0f / 6));
  p = fma(p, r, set1(0.5f));
  p = fma(p, r, set1(1.0f));
  p = fma(p, r, set1(1.0f));
  return scale2n(p, n);
}

// expm1(x): the Taylor polynomial where |x| < ln2/2 (no cancellation near 0), exp(x) - 1
// elsewhere (there |exp(x) - 1| >= 0.29, so the subtraction costs at most ~2 ulp).
inline V expm1(V x) {
  V p = set1(1.0f / 362880);
  p = fma(p, x, set1(1.0f / 40320));
  p = fma(p, x, set1(1.0f / 5040));
  p = fma(p, x, set1(1.0f / 720));
  p = fma(p, x, set1(1.0f / 120));
  p = fma(p, x, set1(1.0f / 24));
  p = fma(p, x, set1(1.0f / 6));
  p = fma(p, x, set1(0.5f));
  p = fma(mul(p, x), x, x);
  const V big = sub(exp(x), set1(1.0f));
  return select(lt(abs(x), set1(0.3465f)), p, big);
}

// expm1(x) for x <= 0 (elu, selu, tanh): x = n ln2 + r, expm1(x) = 2^n expm1(r) + (2^n - 1)
// with expm1(r) by its Taylor polynomial to degree 9, one fma at the end; no branches, and
// relative accuracy near 0 (n = 0) as well as at -1 (x < -17). Positive x are clamped to 0.
inline V expm1_neg(V x) {
  const V xc = min(set1(0.0f), max(set1(-30.0f), x));  // NaN stays NaN
  const V n = round_nearest(mul(xc, set1(1.44269504088896341f)));
  V r = fnma(n, set1(0.693359375f), xc);
  r = fnma(n, set1(-2.12194440e-4f), r);
  V p = set1(1.0f / 362880);
  p = fma(p, r, set1(1.0f / 40320));
  p = fma(p, r, set1(1.0f / 5040));
  p = fma(p, r, set1(1.0f / 720));
  p = fma(p, r, set1(1.0f / 120));
  p = fma(p, r, set1(1.0f / 24));
  p = fma(p, r, set1(1.0f / 6));
  p = fma(p, r, set1(0.5f));
  const V q = fma(mul(r, r), p, r);  // expm1(r)
  const V s = pow2i(to_int(n));      // 2^n, n in [-44, 0]: normal
  return fma(s, q, sub(s, set1(1.0f)));
}

// log(x): x = 2^e m with m in [sqrt(1/2), sqrt(2)), log(m) = 2 atanh(s), s = (m-1)/(m+1),
// |s| <= 0.172, series to s^11 (truncation 2e-9). Subnormals are scaled up first.
inline V log(V x) {
  const M tiny = lt(x, set1(1.17549435e-38f));
  const V xs = select(tiny, mul(x, set1(8388608.0f)), x);  // 2^23
  const VI bits = as_int(xs);
  VI e = sub_i(srli23(bits), set1_i(127));
  V m = as_float(or_i(and_i(bits, set1_i(0x007fffff)), set1_i(0x3f800000)));  // [1, 2)
  const M hi = gt(m, set1(1.41421356f));
  m = select(hi, mul(m, set1(0.5f)), m);
  V ef = to_float(e);
  ef = add(ef, select(hi, set1(1.0f), set1(0.0f)));
  ef = sub(ef, select(tiny, set1(23.0f), set1(0.0f)));
  const V f = sub(m, set1(1.0f));  // exact (Sterbenz)
  const V s = div(f, add(f, set1(2.0f)));
  const V z = mul(s, s);
  V p = set1(2.0f / 11);
  p = fma(p, z, set1(2.0f / 9));
  p = fma(p, z, set1(2.0f / 7));
  p = fma(p, z, set1(2.0f / 5));
  p = fma(p, z, set1(2.0f / 3));
  const V lm = fma(mul(p, z), s, add(s, s));  // 2s + s^3 (2/3 + ...)
  V r = fma(ef, set1(-2.12194440e-4f), lm);
  r = fma(ef, set1(0.693359375f), r);
  r = select(eq(x, set1(0.0f)), set1(-__builtin_inff()), r);
  r = select(eq(x, set1(__builtin_inff())), x, r);
  r = select(lt(x, set1(0.0f)), set1(__builtin_nanf("")), r);
  return select(isnan(x), x, r);
}

// log1p(w) for w >= 0 (all softplus needs): log(u) * w / (u - 1) with u = 1 + w rounded, which
// cancels u's rounding error (Goldberg); w itself where u == 1.
inline V log1p_pos(V w) {
  const V u = add(w, set1(1.0f));
  const V d = sub(u, set1(1.0f));
  const V r = mul(log(u), div(w, select(eq(d, set1(0.0f)), set1(1.0f), d)));
  const V out = select(eq(d, set1(0.0f)), w, r);
  return select(eq(w, set1(__builtin_inff())), w, out);
}

// tanh(x) = -expm1(-2|x|) / (expm1(-2|x|) + 2), sign restored: relative accuracy from tiny x
// (tanh x = x) to saturation, and never inf/inf.
inline V tanh(V x) {
  const V a = abs(x);
  const V em = expm1_neg(mul(a, set1(-2.0f)));
  const V t = div(neg(em), add(em, set1(2.0f)));
  return copysign(t, x);
}

// sigmoid(x) with e = exp(-|x|): 1/(1+e) for x >= 0, e/(1+e) for x < 0; no overflow anywhere.
inline V sigmoid(V x) {
  const V e = exp(neg(abs(x)));
  const V d = add(set1(1.0f), e);
  return div(select(lt(x, set1(0.0f)), e, set1(1.0f)), d);
}
// sigmoid'(x) = e / (1+e)^2, symmetric, no cancellation.
inline V sigmoid_grad(V x) {
  const V e = exp(neg(abs(x)));
  const V d = add(set1(1.0f), e);
  return div(e, mul(d, d));
}

// Both at once (one exp, one division): silu and gelu_tanh backward need the pair.
inline void sigmoid_with_grad(V x, V& s, V& sg) {
  const V e = exp(neg(abs(x)));
  const V r = div(set1(1.0f), add(set1(1.0f), e));
  const V er = mul(e, r);
  s = select(lt(x, set1(0.0f)), er, r);
  sg = mul(er, r);
}

// erfc(z) for z >= 1: exp(-z^2) R(1/z) / z with R a degree-10 polynomial fitted on z in [1, 10]
// (relative error 4e-8); z^2 is split into its float and its exact rounding error so that the
// exponent does not lose bits for large z.
inline V erfc_tail(V z) {
  z = min(max(z, set1(1.0f)), set1(20.0f));  // beyond 10 the result underflows anyway
  const V u = div(set1(1.0f), z);
  V p = set1(-5.2181572e-02f);
  p = fma(p, u, set1(2.5740784e-01f));
  p = fma(p, u, set1(-4.5609826e-01f));
  p = fma(p, u, set1(1.7161088e-01f));
  p = fma(p, u, set1(6.1706871e-01f));
  p = fma(p, u, set1(-1.1320291e+00f));
  p = fma(p, u, set1(8.0944622e-01f));
  p = fma(p, u, set1(-7.8718759e-02f));
  p = fma(p, u, set1(-2.7248615e-01f));
  p = fma(p, u, set1(-6.4399838e-04f));
  p = fma(p, u, set1(5.6420767e-01f));
  const V z2 = mul(z, z);
  const V lo = fms(z, z, z2);                                        // z*z - z2, exact
  const V ex = mul(exp(neg(z2)), fnma(lo, set1(1.0f), set1(1.0f)));  // exp(-z2)(1 - lo)
  return mul(mul(ex, p), u);
}

// erf(x) for |x| < 1: x P(x^2) with a degree-6 P fitted on [0, 1] (relative error 1.2e-9).
inline V erf_small(V a) {
  const V t = mul(a, a);
  V p = set1(7.85384691e-05f);
  p = fma(p, t, set1(-8.01018905e-04f));
  p = fma(p, t, set1(5.18832728e-03f));
  p = fma(p, t, set1(-2.68538110e-02f));
  p = fma(p, t, set1(1.12835854e-01f));
  p = fma(p, t, set1(-3.76126260e-01f));
  p = fma(p, t, set1(1.12837911e+00f));
  return mul(a, p);
}

// erf(x): erf_small where |x| < 1, 1 - erfc(|x|) beyond (erfc <= 0.16 there), sign restored.
inline V erf(V x) {
  const V a = abs(x);
  const V r = select(lt(a, set1(1.0f)), erf_small(a), sub(set1(1.0f), erfc_tail(a)));
  return select(isnan(x), x, copysign(r, x));
}

// erfc(x) for any x: 1 -+ erf_small(|x|) where |x| < 1 (erfc >= 0.157 there), the tail formula
// for x >= 1 and 2 - tail for x <= -1: relative accuracy out to the underflow at x = 10.
inline V erfc(V x) {
  const V a = abs(x);
  const V tail = erfc_tail(a);
  const V mid = sub(set1(1.0f), copysign(erf_small(a), x));
  const V far = select(lt(x, set1(0.0f)), sub(set1(2.0f), tail), tail);
  return select(isnan(x), x, select(lt(a, set1(1.0f)), mid, far));
}
