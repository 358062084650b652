// The vectorised pooling loops, written once over a vector type V and included by each
// pool_<isa>.cpp INSIDE its anonymous namespace (so every ISA gets its own private copy).
// Vectors run along the output width over the interior columns, whose windows lie inside the
// row; border columns and rows use the scalar code, which computes exactly what the reference
// does (same tap order, so max ties and average sums agree bit for bit).
//
// V provides: N (lanes); F, I (float and int32 vectors), M (lane mask); loadu, load_stride
// (N floats at a stride), storeu, set1, add, div, takes(v, best) = v > best || isnan(v),
// blend(m, a, b) = m ? b : a (F and I), seti, iota(s) = lane * s, addi, store_idx (to int64).

inline int64_t ceil_div_nonneg(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Interior output columns [qa, qb): every tap inside the row, and a load at the largest stride
// reads at most the row's last element.
inline void interior_cols(const PoolGeom& g, int64_t* qa, int64_t* qb) {
  const int64_t a = ceil_div_nonneg(g.pw, g.sw);
  const int64_t last = g.W - 1 - (g.kw - 1) * g.dw + g.pw;  // q*sw <= last
  int64_t b = last < 0 ? 0 : last / g.sw + 1;
  b = b < g.Q ? b : g.Q;
  *qa = a < b ? a : b;
  *qb = b;
}

inline void max_one(const float* xc, const PoolGeom& g, int64_t h0, int64_t h1, int64_t q,
                    float* y, int64_t* idx) {
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

template <class V, bool kIdx>
void max_plane(const float* xc, float* yc, int64_t* ic, const PoolGeom& g) {
  // xc is (H,W), yc and ic are (P,Q)
  int64_t qa, qb;
  interior_cols(g, &qa, &qb);
  const typename V::F neg_inf = V::set1(-std::numeric_limits<float>::infinity());
  for (int64_t p = 0; p < g.P; ++p) {
    int64_t h0 = p * g.sh - g.ph;
    const int64_t h1 = std::min(h0 + (g.kh - 1) * g.dh + 1, g.H);
    while (h0 < 0) h0 += g.dh;
    float* yr = yc + p * g.Q;
    int64_t* ir = kIdx ? ic + p * g.Q : nullptr;
    int64_t q = 0;
    for (; q < qa; ++q) max_one(xc, g, h0, h1, q, yr + q, kIdx ? ir + q : nullptr);
    for (; q + V::N <= qb; q += V::N) {
      typename V::F best = neg_inf;
      typename V::I arg = V::seti(0), cols = V::addi(V::iota(g.sw), V::seti(q * g.sw - g.pw));
      if (kIdx) arg = V::addi(cols, V::seti(h0 * g.W));
      for (int64_t h = h0; h < h1; h += g.dh) {
        const float* row = xc + h * g.W + q * g.sw - g.pw;
        for (int64_t j = 0; j < g.kw; ++j) {
          const typename V::F v = V::load_stride(row + j * g.dw, g.sw);
          const typename V::M m = V::takes(v, best);
          best = V::blend(m, best, v);
          if (kIdx) arg = V::blendi(m, arg, V::addi(cols, V::seti(h * g.W + j * g.dw)));
        }
      }
      V::storeu(yr + q, best);
      if (kIdx) V::store_idx(ir + q, arg);
    }
    for (; q < g.Q; ++q) max_one(xc, g, h0, h1, q, yr + q, kIdx ? ir + q : nullptr);
  }
}

inline float avg_one(const float* xc, const PoolGeom& g, const AvgOpts& o, int64_t p,
                     int64_t q) {
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
    if (q + V::N <= qb) {
      int64_t h0, h1, w0, w1;
      float div;
      avg_window(g, o, p, q, &h0, &h1, &w0, &w1, &div);  // the same for every interior column
      const typename V::F vdiv = V::set1(div);
      for (; q + V::N <= qb; q += V::N) {
        typename V::F sum = V::set1(0.f);
        for (int64_t h = h0; h < h1; ++h) {
          const float* row = xc + h * g.W + q * g.sw - g.pw;
          for (int64_t j = 0; j < g.kw; ++j) sum = V::add(sum, V::load_stride(row + j, g.sw));
        }
        V::storeu(yr + q, V::div(sum, vdiv));
      }
    }
    for (; q < g.Q; ++q) yr[q] = avg_one(xc, g, o, p, q);
  }
}

// Threads over planes when there is enough work to pay for waking them.
inline bool worth_threads(int64_t planes, int64_t work_per_plane) {
  return planes > 1 && planes * work_per_plane > 32768;
}

template <class V>
void max_pool_impl(const float* x, float* y, int64_t* idx, int64_t planes, const PoolGeom& g) {
  const int64_t in = g.H * g.W, out = g.P * g.Q;
#pragma omp parallel for if (worth_threads(planes, in + out * g.kh * g.kw))
  for (int64_t c = 0; c < planes; ++c) {
    if (idx)
      max_plane<V, true>(x + c * in, y + c * out, idx + c * out, g);
    else
      max_plane<V, false>(x + c * in, y + c * out, nullptr, g);
  }
}

template <class V>
void avg_pool_impl(const float* x, float* y, int64_t planes, const PoolGeom& g,
                   const AvgOpts& o) {
  const int64_t in = g.H * g.W, out = g.P * g.Q;
#pragma omp parallel for if (worth_threads(planes, in + out * g.kh * g.kw))
  for (int64_t c = 0; c < planes; ++c) avg_plane<V>(x + c * in, y + c * out, g, o);
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
  // x is (planes,L), y and idx are (planes); first max, a NaN wins (then the reference decides)
#pragma omp parallel for if (worth_threads(planes, L))
  for (int64_t c = 0; c < planes; ++c) {
    const float* xc = x + c * L;
    typename V::F best = V::set1(-std::numeric_limits<float>::infinity());
    int64_t i = 0;
    for (; i + V::N <= L; i += V::N) {
      const typename V::F v = V::loadu(xc + i);
      best = V::blend(V::takes(v, best), best, v);
    }
    float m = V::hmax(best);
    for (; i < L; ++i) m = xc[i] > m || std::isnan(xc[i]) ? xc[i] : m;
    if (std::isnan(m)) {
      global_max_pool_ref<float>(xc, y + c, idx ? idx + c : nullptr, 1, L);
      continue;
    }
    int64_t arg = 0;
    while (!(xc[arg] == m)) ++arg;
    y[c] = xc[arg];
    if (idx) idx[c] = arg;
  }
}

// Fits int32 lane indices; larger planes (or odd strides in a very wide row) use the reference.
inline bool simd_fits(const PoolGeom& g) {
  return g.H * g.W < (int64_t(1) << 31) && g.sw * g.W < (int64_t(1) << 31);
}
