// The vectorised pooling loops, written once over a vector type V and included by each
// pool_<isa>.cpp INSIDE its anonymous namespace (so every ISA gets its own private copy).
// Vectors run along the output width over the interior columns, whose windows lie inside the
// row (the last block is partial, with masked loads); border columns use scalar code. Taps are
// visited in the reference's order, so forward max ties and average sums agree with it bit for
// bit (the average's gradient adds overlapping windows into dx in another order).
//
// V provides: N (lanes); F, I (float and int32 vectors), M (lane mask);
//   load_stride(p, s, n): lanes i < n hold p[i*s] (reads nothing past p[(n-1)*s]), others 0;
//   store(p, v, n), store_idx(p, i, n) (int32 lanes to int64): the first n lanes;
//   add_stride(p, s, v): p[i*s] += v[i] for all N lanes (touches nothing past p[(N-1)*s]);
//   loadu, set1, add, div, vmax, takes(v, best) = v > best || isnan(v), blend(m, a, b) =
//   m ? b : a (F and I), eq, seti, iota(s) = lane * s, addi, hsum, hmax (no NaN handling),
//   interleave_store(p, a, b, n): p[2i] = a[i], p[2i+1] = b[i] for i < n.

inline int64_t ceil_div_nonneg(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Interior output columns [qa, qb): every tap of the window inside the row.
inline void interior_cols(const PoolGeom& g, int64_t* qa, int64_t* qb) {
  const int64_t a = ceil_div_nonneg(g.pw, g.sw);
  const int64_t last = g.W - 1 - (g.kw - 1) * g.dw + g.pw;  // q*sw <= last
  int64_t b = last < 0 ? 0 : last / g.sw + 1;
  b = b < g.Q ? b : g.Q;
  *qa = a < b ? a : b;
  *qb = b;
}

// Valid input rows [h0, h1) (step dh) of output row p.
inline void max_rows(const PoolGeom& g, int64_t p, int64_t* h0, int64_t* h1) {
  int64_t h = p * g.sh - g.ph;
  *h1 = std::min(h + (g.kh - 1) * g.dh + 1, g.H);
  while (h < 0) h += g.dh;
  *h0 = h;
}

inline void max_one(const float* xc, const PoolGeom& g, int64_t h0, int64_t h1, int64_t q, float* y,
                    int64_t* idx) {
  int64_t w0 = q * g.sw - g.pw;
  const int64_t w1 = std::min(w0 + (g.kw - 1) * g.dw + 1, g.W);
  while (w0 < 0) w0 += g.dw;
  float best = -std::numeric_limits<float>::infinity();
  int64_t arg = h0 * g.W + w0;
  for (int64_t h = h0; h < h1; h += g.dh)
    for (int64_t w = w0; w < w1; w += g.dw) {
      const float v = xc[h * g.W + w];
      if (v > best || std::isnan(v)) best = v, arg = h * g.W + w;
    }
  *y = best;
  if (idx) *idx = arg;
}

// Vector blocks of output columns [qs, qe) of one output row, into y[q - q0] / idx[q - q0].
// Tap (t, c) of the window (input row h0 + t*dh, column c) is row(t)[c + shift].
template <class V, bool kIdx, class Row>
void max_cols(Row row_of, int64_t nrows, int64_t shift, const PoolGeom& g, int64_t h0, int64_t qs,
              int64_t qe, int64_t q0, float* y, int64_t* idx) {
  for (int64_t q = qs; q < qe; q += V::N) {
    const int n = static_cast<int>(std::min<int64_t>(V::N, qe - q));
    typename V::F best = V::set1(-std::numeric_limits<float>::infinity());
    const typename V::I cols = V::addi(V::iota(g.sw), V::seti(q * g.sw - g.pw));
    typename V::I arg = V::addi(cols, V::seti(h0 * g.W));
    for (int64_t t = 0; t < nrows; ++t) {
      const float* row = row_of(t) + q * g.sw - g.pw + shift;
      const int64_t h = h0 + t * g.dh;
      for (int64_t j = 0; j < g.kw; ++j) {
        const typename V::F v = V::load_stride(row + j * g.dw, g.sw, n);
        const typename V::M m = V::takes(v, best);
        best = V::blend(m, best, v);
        if (kIdx) arg = V::blendi(m, arg, V::addi(cols, V::seti(h * g.W + j * g.dw)));
      }
    }
    V::store(y + q - q0, best, n);
    if (kIdx) V::store_idx(idx + q - q0, arg, n);
  }
}

// Output row p, columns [q0, q1), into y[q - q0] (and idx[q - q0]); [qa, qb) from
// interior_cols (computed once per call: it divides). Border columns go through row copies
// padded with -inf when they fit the stack, else through the scalar code.
template <class V, bool kIdx>
void max_row(const float* xc, const PoolGeom& g, int64_t p, int64_t q0, int64_t q1, int64_t qa,
             int64_t qb, float* y, int64_t* idx) {
  constexpr int64_t kRows = 8, kCols = 1024;
  int64_t h0, h1;
  max_rows(g, p, &h0, &h1);
  const int64_t nrows = h1 > h0 ? (h1 - h0 + g.dh - 1) / g.dh : 0;
  qa = std::max(qa, q0), qb = std::min(qb, q1);
  const int64_t span = (q1 - 1) * g.sw + (g.kw - 1) * g.dw + 1;  // columns -pw .. span-pw-1
  if ((qa > q0 || qb < q1) && nrows <= kRows && span <= kCols) {
    float pad[kRows][kCols];  // pad[t][c + pw] is column c of input row h0 + t*dh
    const float neg_inf = -std::numeric_limits<float>::infinity();
    const int64_t lo = std::min(g.pw, span);
    const int64_t body = std::max<int64_t>(0, std::min(g.W, span - g.pw));
    for (int64_t t = 0; t < nrows; ++t) {
      std::fill(pad[t], pad[t] + lo, neg_inf);
      std::memcpy(pad[t] + lo, xc + (h0 + t * g.dh) * g.W, sizeof(float) * body);
      std::fill(pad[t] + lo + body, pad[t] + span, neg_inf);
    }
    const auto padded = [&pad](int64_t t) -> const float* { return pad[t]; };
    max_cols<V, kIdx>(padded, nrows, g.pw, g, h0, q0, q1, q0, y, idx);
    if (kIdx)  // a window without a value above -inf points at its first input tap, as torch
      for (int64_t q = q0; q < q1; ++q)
        if (y[q - q0] == neg_inf) max_one(xc, g, h0, h1, q, y + q - q0, idx + q - q0);
    return;
  }
  const auto direct = [&](int64_t t) { return xc + (h0 + t * g.dh) * g.W; };
  const int64_t vs = std::min(qa, q1), ve = std::max(vs, qb);  // vector columns [vs, ve)
  for (int64_t q = q0; q < vs; ++q)
    max_one(xc, g, h0, h1, q, y + q - q0, kIdx ? idx + q - q0 : nullptr);
  max_cols<V, kIdx>(direct, nrows, 0, g, h0, vs, ve, q0, y, idx);
  for (int64_t q = ve; q < q1; ++q)
    max_one(xc, g, h0, h1, q, y + q - q0, kIdx ? idx + q - q0 : nullptr);
}

// Threads over planes when there is enough work to pay for waking them.
inline bool worth_threads(int64_t planes, int64_t work_per_plane) {
  return planes > 1 && planes * work_per_plane > 32768;
}

template <class V>
void max_pool_impl(const float* x, float* y, int64_t* idx, int64_t planes, const PoolGeom& g) {
  // x is (planes,H,W), y and idx are (planes,P,Q)
  const int64_t in = g.H * g.W, out = g.P * g.Q;
  int64_t qa, qb;
  interior_cols(g, &qa, &qb);
#pragma omp parallel for if (worth_threads(planes, in + out * g.kh * g.kw))
  for (int64_t c = 0; c < planes; ++c)
    for (int64_t p = 0; p < g.P; ++p) {
      const int64_t o = c * out + p * g.Q;
      if (idx)
        max_row<V, true>(x + c * in, g, p, 0, g.Q, qa, qb, y + o, idx + o);
      else
        max_row<V, false>(x + c * in, g, p, 0, g.Q, qa, qb, y + o, nullptr);
    }
}

// The canonical 2x2 stride-2 window (no padding, no dilation): windows do not overlap, so
// each of the four taps gets dy or 0 with plain stores, two input rows per output row.
inline bool is_2x2_s2(const PoolGeom& g) {
  return g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0 && g.dh == 1 &&
         g.dw == 1 && 2 * g.P <= g.H && 2 * g.Q <= g.W;  // no ceil_mode overhang
}

template <class V>
int64_t max_backward_2x2_row(const float* xc, const float* d, float* dxc, const PoolGeom& g,
                             int64_t p) {
  // Returns the first output column it left to the caller (the ragged end).
  const float* r0 = xc + 2 * p * g.W;
  const float* r1 = r0 + g.W;
  const typename V::F zero = V::set1(0.f);
  int64_t q = 0;
  for (; q < g.Q; q += V::N) {
    const int n = static_cast<int>(std::min<int64_t>(V::N, g.Q - q));
    const typename V::F taps[4] = {
        V::load_stride(r0 + 2 * q, 2, n), V::load_stride(r0 + 2 * q + 1, 2, n),
        V::load_stride(r1 + 2 * q, 2, n), V::load_stride(r1 + 2 * q + 1, 2, n)};
    typename V::F best = taps[0], which = zero;
    for (int t = 1; t < 4; ++t) {
      const typename V::M m = V::takes(taps[t], best);
      best = V::blend(m, best, taps[t]);
      which = V::blend(m, which, V::set1(float(t)));
    }
    const typename V::F dv = V::load_stride(d + q, 1, n);
    typename V::F out[4];
    for (int t = 0; t < 4; ++t) out[t] = V::blend(V::eq(which, V::set1(float(t))), zero, dv);
    V::interleave_store(dxc + 2 * p * g.W + 2 * q, out[0], out[1], n);
    V::interleave_store(dxc + (2 * p + 1) * g.W + 2 * q, out[2], out[3], n);
  }
  return q;
}

template <class V>
void max_backward_2x2_plane(const float* xc, const float* dyc, float* dxc, const PoolGeom& g) {
  // xc, dxc are (H,W), dyc is (P,Q); every element of dxc is written once (no memset needed).
  for (int64_t p = 0; p < g.P; ++p) {
    const float* d = dyc + p * g.Q;
    float* o0 = dxc + 2 * p * g.W;
    float* o1 = o0 + g.W;
    int64_t q = max_backward_2x2_row<V>(xc, d, dxc, g, p);
    for (; q < g.Q; ++q) {
      float y;
      int64_t arg;
      max_one(xc, g, 2 * p, 2 * p + 2, q, &y, &arg);
      o0[2 * q] = o0[2 * q + 1] = o1[2 * q] = o1[2 * q + 1] = 0.f;
      dxc[arg] = d[q];
    }
    for (int64_t w = 2 * g.Q; w < g.W; ++w) o0[w] = o1[w] = 0.f;
  }
  std::memset(dxc + 2 * g.P * g.W, 0, sizeof(float) * (g.H - 2 * g.P) * g.W);
}

template <class V>
void max_pool_backward_impl(const float* dy, const float* x, float* dx, int64_t planes,
                            const PoolGeom& g) {
  // dy is (planes,P,Q), x and dx are (planes,H,W): the argmax of each row of outputs is found
  // into a small stack buffer and scattered at once, while the plane is in cache.
  constexpr int64_t kChunk = 256;
  const int64_t in = g.H * g.W, out = g.P * g.Q;
  const bool fast = is_2x2_s2(g);
  int64_t qa, qb;
  interior_cols(g, &qa, &qb);
#pragma omp parallel for if (worth_threads(planes, in + out * g.kh * g.kw))
  for (int64_t c = 0; c < planes; ++c) {
    float* dxc = dx + c * in;
    if (fast) {
      max_backward_2x2_plane<V>(x + c * in, dy + c * out, dxc, g);
      continue;
    }
    std::memset(dxc, 0, sizeof(float) * in);
    float ybuf[kChunk];
    int64_t ibuf[kChunk];
    for (int64_t p = 0; p < g.P; ++p) {
      const float* d = dy + c * out + p * g.Q;
      for (int64_t q0 = 0; q0 < g.Q; q0 += kChunk) {
        const int64_t q1 = std::min(q0 + kChunk, g.Q);
        max_row<V, true>(x + c * in, g, p, q0, q1, qa, qb, ybuf, ibuf);
        for (int64_t i = 0; i < q1 - q0; ++i) dxc[ibuf[i]] += d[q0 + i];
      }
    }
  }
}

inline float avg_one(const float* xc, const PoolGeom& g, const AvgOpts& o, int64_t p, int64_t q) {
  int64_t h0, h1, w0, w1;
  float div;
  avg_window(g, o, p, q, &h0, &h1, &w0, &w1, &div);
  float sum = 0;
  for (int64_t h = h0; h < h1; ++h)
    for (int64_t w = w0; w < w1; ++w) sum += xc[h * g.W + w];
  return sum / div;
}

template <class V>
void avg_plane(const float* xc, float* yc, const PoolGeom& g, const AvgOpts& o) {
  // xc is (H,W), yc is (P,Q)
  int64_t qa, qb;
  interior_cols(g, &qa, &qb);
  for (int64_t p = 0; p < g.P; ++p) {
    float* yr = yc + p * g.Q;
    int64_t q = 0;
    for (; q < qa; ++q) yr[q] = avg_one(xc, g, o, p, q);
    if (q < qb) {
      int64_t h0, h1, w0, w1;
      float div;
      avg_window(g, o, p, q, &h0, &h1, &w0, &w1, &div);  // the same for every interior column
      const typename V::F vdiv = V::set1(div);
      for (; q < qb; q += V::N) {
        const int n = static_cast<int>(std::min<int64_t>(V::N, qb - q));
        typename V::F sum = V::set1(0.f);
        for (int64_t h = h0; h < h1; ++h) {
          const float* row = xc + h * g.W + q * g.sw - g.pw;
          for (int64_t j = 0; j < g.kw; ++j) sum = V::add(sum, V::load_stride(row + j, g.sw, n));
        }
        V::store(yr + q, V::div(sum, vdiv), n);
      }
      q = qb;
    }
    for (; q < g.Q; ++q) yr[q] = avg_one(xc, g, o, p, q);
  }
}

template <class V>
void avg_pool_impl(const float* x, float* y, int64_t planes, const PoolGeom& g, const AvgOpts& o) {
  const int64_t in = g.H * g.W, out = g.P * g.Q;
#pragma omp parallel for if (worth_threads(planes, in + out * g.kh * g.kw))
  for (int64_t c = 0; c < planes; ++c) avg_plane<V>(x + c * in, y + c * out, g, o);
}

inline void avg_scatter_one(float* dxc, const PoolGeom& g, const AvgOpts& o, int64_t p, int64_t q,
                            float d) {
  int64_t h0, h1, w0, w1;
  float div;
  avg_window(g, o, p, q, &h0, &h1, &w0, &w1, &div);
  const float v = d / div;
  for (int64_t h = h0; h < h1; ++h)
    for (int64_t w = w0; w < w1; ++w) dxc[h * g.W + w] += v;
}

template <class V>
void avg_backward_2x2_plane(const float* dyc, float* dxc, const PoolGeom& g, const AvgOpts& o) {
  // dyc is (P,Q), dxc is (H,W), 2x2 stride-2 windows without overhang: every window is whole,
  // so each tap gets dy / divisor with plain stores and every element of dxc is written once.
  int64_t h0, h1, w0, w1;
  float div;
  avg_window(g, o, 0, 0, &h0, &h1, &w0, &w1, &div);
  const typename V::F vdiv = V::set1(div);
  for (int64_t p = 0; p < g.P; ++p) {
    float* o0 = dxc + 2 * p * g.W;
    float* o1 = o0 + g.W;
    for (int64_t q = 0; q < g.Q; q += V::N) {
      const int n = static_cast<int>(std::min<int64_t>(V::N, g.Q - q));
      const typename V::F v = V::div(V::load_stride(dyc + p * g.Q + q, 1, n), vdiv);
      V::interleave_store(o0 + 2 * q, v, v, n);
      V::interleave_store(o1 + 2 * q, v, v, n);
    }
    for (int64_t w = 2 * g.Q; w < g.W; ++w) o0[w] = o1[w] = 0.f;
  }
  std::memset(dxc + 2 * g.P * g.W, 0, sizeof(float) * (g.H - 2 * g.P) * g.W);
}

template <class V>
void avg_pool_backward_impl(const float* dy, float* dx, int64_t planes, const PoolGeom& g,
                            const AvgOpts& o) {
  // dy is (planes,P,Q), dx is (planes,H,W): full blocks of interior columns add dy/div to
  // their taps with vector read-modify-writes; the rest one output at a time.
  const int64_t in = g.H * g.W, out = g.P * g.Q;
  int64_t qa, qb;
  interior_cols(g, &qa, &qb);
  const bool fast = is_2x2_s2(g);
#pragma omp parallel for if (worth_threads(planes, in + out * g.kh * g.kw))
  for (int64_t c = 0; c < planes; ++c) {
    float* dxc = dx + c * in;
    if (fast) {
      avg_backward_2x2_plane<V>(dy + c * out, dxc, g, o);
      continue;
    }
    std::memset(dxc, 0, sizeof(float) * in);
    for (int64_t p = 0; p < g.P; ++p) {
      const float* d = dy + c * out + p * g.Q;
      int64_t q = 0;
      for (; q < qa; ++q) avg_scatter_one(dxc, g, o, p, q, d[q]);
      if (q + V::N <= qb) {
        int64_t h0, h1, w0, w1;
        float div;
        avg_window(g, o, p, q, &h0, &h1, &w0, &w1, &div);
        const typename V::F vdiv = V::set1(div);
        for (; q + V::N <= qb; q += V::N) {
          const typename V::F v = V::div(V::loadu(d + q), vdiv);
          for (int64_t h = h0; h < h1; ++h) {
            float* row = dxc + h * g.W + q * g.sw - g.pw;
            for (int64_t j = 0; j < g.kw; ++j) V::add_stride(row + j, g.sw, v);
          }
        }
      }
      for (; q < g.Q; ++q) avg_scatter_one(dxc, g, o, p, q, d[q]);
    }
  }
}

template <class V>
void global_avg_impl(const float* x, float* y, int64_t planes, int64_t L) {
  // x is (planes,L), y is (planes)
#pragma omp parallel for if (worth_threads(planes, L))
  for (int64_t c = 0; c < planes; ++c) {
    const float* xc = x + c * L;
    typename V::F acc = V::set1(0.f);
    int64_t i = 0;
    for (; i + V::N <= L; i += V::N) acc = V::add(acc, V::loadu(xc + i));
    float sum = V::hsum(acc);
    for (; i < L; ++i) sum += xc[i];
    y[c] = sum / float(L);
  }
}

template <class V>
void global_max_impl(const float* x, float* y, int64_t* idx, int64_t planes, int64_t L) {
  // x is (planes,L), y and idx are (planes). A running sum flags NaNs (and inf - inf): such a
  // plane goes to the reference, which applies torch's NaN rule.
#pragma omp parallel for if (worth_threads(planes, L))
  for (int64_t c = 0; c < planes; ++c) {
    const float* xc = x + c * L;
    typename V::F best = V::set1(-std::numeric_limits<float>::infinity()), sum = V::set1(0.f);
    int64_t i = 0;
    for (; i + V::N <= L; i += V::N) {
      const typename V::F v = V::loadu(xc + i);
      best = V::vmax(best, v);
      sum = V::add(sum, v);
    }
    float m = V::hmax(best), s = V::hsum(sum);
    for (; i < L; ++i) m = std::max(m, xc[i]), s += xc[i];
    if (std::isnan(s)) {
      global_max_pool_ref<float>(xc, y + c, idx ? idx + c : nullptr, 1, L);
      continue;
    }
    if (!idx) {
      y[c] = m;
      continue;
    }
    int64_t arg = 0;
    while (!(xc[arg] == m)) ++arg;
    y[c] = xc[arg];
    idx[c] = arg;
  }
}

// int32 lane indices must not overflow; larger planes use the reference.
inline bool simd_fits(const PoolGeom& g) {
  return g.H * g.W < (int64_t(1) << 31) && g.sw * g.W < (int64_t(1) << 31);
}

// The exported entry points of one ISA file.
#define PG_POOL_DEFINE_VARIANTS(isa, V)                                                           \
  void max_pool_f32_##isa(const float* x, float* y, int64_t* idx, int64_t planes,                 \
                          const PoolGeom& g) {                                                    \
    if (!simd_fits(g)) return max_pool_ref<float>(x, y, idx, planes, g);                          \
    max_pool_impl<V>(x, y, idx, planes, g);                                                       \
  }                                                                                               \
  void max_pool_backward_f32_##isa(const float* dy, const float* x, float* dx, int64_t planes,    \
                                   const PoolGeom& g) {                                           \
    if (!simd_fits(g)) return max_pool_backward_f32_ref(dy, x, dx, planes, g);                    \
    max_pool_backward_impl<V>(dy, x, dx, planes, g);                                              \
  }                                                                                               \
  void avg_pool_f32_##isa(const float* x, float* y, int64_t planes, const PoolGeom& g,            \
                          const AvgOpts& o) {                                                     \
    if (!simd_fits(g)) return avg_pool_ref<float>(x, y, planes, g, o);                            \
    avg_pool_impl<V>(x, y, planes, g, o);                                                         \
  }                                                                                               \
  void avg_pool_backward_f32_##isa(const float* dy, float* dx, int64_t planes, const PoolGeom& g, \
                                   const AvgOpts& o) {                                            \
    avg_pool_backward_impl<V>(dy, dx, planes, g, o);                                              \
  }                                                                                               \
  void global_avg_pool_f32_##isa(const float* x, float* y, int64_t planes, int64_t L) {           \
    global_avg_impl<V>(x, y, planes, L);                                                          \
  }                                                                                               \
  void global_max_pool_f32_##isa(const float* x, float* y, int64_t* idx, int64_t planes,          \
                                 int64_t L) {                                                     \
    global_max_impl<V>(x, y, idx, planes, L);                                                     \
  }
