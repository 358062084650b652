#include "ops/eltwise.h"

#include <algorithm>
#include <cstring>

#include "tensor/check.h"

namespace pg::ops {
namespace {

template <class T>
kernels::UnaryArgs<T> cast_args(const UnaryArgs& a) {
  return {static_cast<T>(a.alpha), static_cast<T>(a.beta), static_cast<T>(a.threshold)};
}

const char* binary_name(Binary op) {
  static const char* names[] = {"add", "sub", "mul", "div"};
  return names[static_cast<int>(op)];
}

// A broadcast traversal: dims of the output with, per operand, the stride of each dim (0 where
// broadcast), adjacent dims merged where both operands allow it. The innermost dim then has
// stride 1 or 0 for each operand, which is what the flat kernels take.
struct Plan {
  std::vector<int64_t> dims, sa, sb;
  int64_t rows() const {
    int64_t r = 1;
    for (size_t i = 0; i + 1 < dims.size(); ++i) r *= dims[i];
    return r;
  }
  int64_t inner() const { return dims.empty() ? 1 : dims.back(); }
  int64_t inner_sa() const { return sa.empty() ? 0 : sa.back(); }
  int64_t inner_sb() const { return sb.empty() ? 0 : sb.back(); }
  // Offsets of row r (an index over every dim but the last) into a and b.
  void offsets(int64_t r, int64_t& oa, int64_t& ob) const {
    oa = ob = 0;
    for (int i = static_cast<int>(dims.size()) - 2; i >= 0; --i) {
      const int64_t k = r % dims[i];
      r /= dims[i];
      oa += k * sa[i];
      ob += k * sb[i];
    }
  }
};

// Strides of `s` (C-contiguous) seen from an output of shape `out`, 0 on broadcast dims.
std::vector<int64_t> broadcast_strides(const Shape& s, const Shape& out) {
  const size_t R = out.size(), off = R - s.size();
  std::vector<int64_t> st(R, 0);
  int64_t step = 1;
  for (size_t i = R; i-- > off;) {
    const int64_t d = s[i - off];
    st[i] = (d == 1 && out[i] != 1) ? 0 : step;
    step *= d;
  }
  return st;
}

Plan make_plan(const Shape& out, const Shape& a, const Shape& b) {
  const std::vector<int64_t> sa = broadcast_strides(a, out), sb = broadcast_strides(b, out);
  Plan p;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == 1) continue;
    if (!p.dims.empty() && p.sa.back() == sa[i] * out[i] && p.sb.back() == sb[i] * out[i]) {
      p.dims.back() *= out[i];
      p.sa.back() = sa[i];
      p.sb.back() = sb[i];
    } else {
      p.dims.push_back(out[i]);
      p.sa.push_back(sa[i]);
      p.sb.push_back(sb[i]);
    }
  }
  return p;
}

template <class T>
void binary_typed(Binary op, const Tensor& a, const Tensor& b, Tensor& y) {
  const Plan p = make_plan(y.shape(), a.shape(), b.shape());
  const int64_t rows = p.rows(), n = p.inner();
  const T *pa = a.data<T>(), *pb = b.data<T>();
  T* py = y.data<T>();
  if (rows == 1) return kernels::binary<T>(op, n, pa, p.inner_sa(), pb, p.inner_sb(), py);
#pragma omp parallel for schedule(static) if (rows * n >= 65536)
  for (int64_t r = 0; r < rows; ++r) {
    int64_t oa, ob;
    p.offsets(r, oa, ob);
    kernels::binary<T>(op, n, pa + oa, p.inner_sa(), pb + ob, p.inner_sb(), py + r * n);
  }
}

template <class T>
Tensor sum_to_typed(const Tensor& t, const Shape& target) {
  Tensor out = Tensor::empty(target, dtype_of<T>(), "sum_to");
  const int64_t m = out.numel();
  // Plan over t's shape with operand a = t itself (contiguous) and b = the target.
  const Plan p = make_plan(t.shape(), t.shape(), target);
  const int64_t rows = p.rows(), n = p.inner();
  // Large sums into a small target: a fixed number of row blocks, each with its own double
  // accumulators, added in block order. Fixed, so the result does not depend on the threads.
  const int64_t blocks = (rows * n >= 65536 && m <= 65536) ? std::min<int64_t>(16, rows) : 1;
  std::vector<double> acc(static_cast<size_t>(m * blocks), 0.0);
  const T* g = t.data<T>();
#pragma omp parallel for schedule(static) if (blocks > 1)
  for (int64_t blk = 0; blk < blocks; ++blk) {
    double* a = acc.data() + blk * m;
    for (int64_t r = rows * blk / blocks; r < rows * (blk + 1) / blocks; ++r) {
      int64_t ot, oacc;
      p.offsets(r, ot, oacc);
      kernels::accumulate_ref<T>(n, g + r * n, a + oacc, p.inner_sb());
    }
  }
  T* o = out.data<T>();
  for (int64_t i = 0; i < m; ++i) {
    double s = 0;
    for (int64_t blk = 0; blk < blocks; ++blk) s += acc[blk * m + i];
    o[i] = static_cast<T>(s);
  }
  return out;
}

Tensor negate(const Tensor& t) { return unary(Unary::neg, t); }

// The layout (outer, C, inner) of x around `axis`.
void split_at(const Shape& s, int64_t axis, int64_t& outer, int64_t& inner) {
  outer = inner = 1;
  for (int64_t i = 0; i < axis; ++i) outer *= s[i];
  for (size_t i = axis + 1; i < s.size(); ++i) inner *= s[i];
}

}  // namespace

const char* unary_name(Unary op) {
  static const char* names[] = {
#define PG_NAME(name) #name,
      PG_ELTWISE_UNARY(PG_NAME)
#undef PG_NAME
  };
  return names[static_cast<int>(op)];
}

std::string unary_variant(const std::string& op) {
  for (int i = 0; i < static_cast<int>(Unary::count); ++i)
    if (op == unary_name(static_cast<Unary>(i)))
      return kernels::unary_variant(static_cast<Unary>(i));
  throw ValueError("eltwise_variant: unknown op '" + op + "'");
}

Tensor unary(Unary op, const Tensor& x, const UnaryArgs& args) {
  const char* name = unary_name(op);
  check_float(name, "input", x);
  Tensor y = Tensor::empty(x.shape(), x.dtype(), name);
  if (x.dtype() == DType::f32)
    kernels::unary<float>(op, x.numel(), x.data<float>(), y.data<float>(), cast_args<float>(args));
  else
    kernels::unary<double>(op, x.numel(), x.data<double>(), y.data<double>(), args);
  return y;
}

Tensor unary_backward(Unary op, const Tensor& gy, const Tensor& x, const UnaryArgs& args) {
  const std::string name = std::string(unary_name(op)) + "_backward";
  check_same_dtype(name.c_str(), {{"input", &x}, {"grad_output", &gy}});
  check_same_shape(name.c_str(), "grad_output", gy, x.shape(), "input has shape");
  Tensor gx = Tensor::empty(x.shape(), x.dtype(), name);
  if (x.dtype() == DType::f32)
    kernels::unary_backward<float>(op, x.numel(), gy.data<float>(), x.data<float>(),
                                   gx.data<float>(), cast_args<float>(args));
  else
    kernels::unary_backward<double>(op, x.numel(), gy.data<double>(), x.data<double>(),
                                    gx.data<double>(), args);
  return gx;
}

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
  const size_t R = std::max(a.size(), b.size());
  Shape out(R);
  for (size_t i = 0; i < R; ++i) {
    const int64_t da = i < R - a.size() ? 1 : a[i - (R - a.size())];
    const int64_t db = i < R - b.size() ? 1 : b[i - (R - b.size())];
    if (da != db && da != 1 && db != 1)
      throw ValueError(cat(op, ": input ", shape_str(a), " and other ", shape_str(b),
                           " are not broadcastable: dimension ",
                           static_cast<int64_t>(i) - static_cast<int64_t>(R), " has sizes ", da,
                           " and ", db));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Tensor binary(Binary op, const Tensor& a, const Tensor& b) {
  const char* name = binary_name(op);
  check_same_dtype(name, {{"input", &a}, {"other", &b}});
  Tensor y = Tensor::empty(broadcast_shapes(name, a.shape(), b.shape()), a.dtype(), name);
  if (y.numel() == 0) return y;
  if (a.dtype() == DType::f32)
    binary_typed<float>(op, a, b, y);
  else
    binary_typed<double>(op, a, b, y);
  return y;
}

Tensor sum_to(const Tensor& t, const Shape& target) {
  if (t.shape() == target) {
    // Nothing to reduce: a copy (outputs never alias inputs), in 256 KB pieces over threads.
    Tensor c = Tensor::empty(target, t.dtype(), "sum_to");
    const int64_t bytes = static_cast<int64_t>(t.nbytes()), piece = 1 << 18;
    const char* src = static_cast<const char*>(t.raw());
    char* dst = static_cast<char*>(c.raw());
#pragma omp parallel for schedule(static) if (bytes >= 4 * piece)
    for (int64_t off = 0; off < bytes; off += piece)
      std::memcpy(dst + off, src + off, static_cast<size_t>(std::min(piece, bytes - off)));
    return c;
  }
  return t.dtype() == DType::f32 ? sum_to_typed<float>(t, target) : sum_to_typed<double>(t, target);
}

namespace {
// sum_to for a tensor this op just made: when nothing is reduced, it is the answer itself.
Tensor reduce_to(const Tensor& fresh, const Shape& target) {
  return fresh.shape() == target ? fresh : sum_to(fresh, target);
}
}  // namespace

std::vector<Tensor> binary_backward(Binary op, const Tensor& gy, const Tensor& a, const Tensor& b) {
  const std::string name = std::string(binary_name(op)) + "_backward";
  check_same_dtype(name.c_str(), {{"input", &a}, {"other", &b}, {"grad_output", &gy}});
  const Shape out = broadcast_shapes(name.c_str(), a.shape(), b.shape());
  check_same_shape(name.c_str(), "grad_output", gy, out, "input and other broadcast to shape");
  switch (op) {
    case Binary::add:
      return {sum_to(gy, a.shape()), sum_to(gy, b.shape())};
    case Binary::sub:
      return {sum_to(gy, a.shape()), negate(sum_to(gy, b.shape()))};
    case Binary::mul:
      return {reduce_to(binary(Binary::mul, gy, b), a.shape()),
              reduce_to(binary(Binary::mul, gy, a), b.shape())};
    case Binary::div: {  // d/da = 1/b, d/db = -a/b^2 = -(gy/b) * a / b
      const Tensor q = binary(Binary::div, gy, b);
      const Tensor qb = binary(Binary::div, binary(Binary::mul, q, a), b);
      return {reduce_to(q, a.shape()), negate(sum_to(qb, b.shape()))};
    }
    default:
      return {};
  }
}

namespace {

void check_prelu(const char* op, const Tensor& x, const Tensor& w) {
  check_same_dtype(op, {{"input", &x}, {"weight", &w}});
  const int64_t C = x.ndim() >= 2 ? x.dim(1) : 1;
  if (w.ndim() > 1 || (w.numel() != 1 && w.numel() != C))
    throw ValueError(cat(op, ": weight has shape ", shape_str(w.shape()), " but input ",
                         shape_str(x.shape()), " has ", C,
                         " channels along axis 1; weight must have 1 or ", C, " elements"));
}

// x viewed as (outer, C, inner): C along axis 1 (1 for inputs of fewer than 2 dims)
void prelu_layout(const Tensor& x, int64_t& outer, int64_t& C, int64_t& inner) {
  C = x.ndim() >= 2 ? x.dim(1) : 1;
  outer = x.ndim() >= 2 ? x.dim(0) : 1;
  inner = x.numel() / (outer * C);  // callers return early on empty x
}

template <class T>
void prelu_typed(const Tensor& x, const Tensor& w, Tensor& y) {
  int64_t outer, C, inner;
  prelu_layout(x, outer, C, inner);
  const bool per_channel = w.numel() > 1;
  const T *px = x.data<T>(), *pw = w.data<T>();
  T* py = y.data<T>();
#pragma omp parallel for schedule(static) if (outer * C * inner >= 65536)
  for (int64_t oc = 0; oc < outer * C; ++oc) {
    kernels::UnaryArgs<T> args;
    args.alpha = pw[per_channel ? oc % C : 0];
    kernels::unary<T>(Unary::leaky_relu, inner, px + oc * inner, py + oc * inner, args);
  }
}

template <class T>
void prelu_backward_typed(const Tensor& gy, const Tensor& x, const Tensor& w, Tensor& gx,
                          Tensor& gw) {
  int64_t outer, C, inner;
  prelu_layout(x, outer, C, inner);
  const bool per_channel = w.numel() > 1;
  const T *px = x.data<T>(), *pw = w.data<T>(), *pg = gy.data<T>();
  T* pgx = gx.data<T>();
  std::vector<double> sums(static_cast<size_t>(C), 0.0);
#pragma omp parallel for schedule(static) if (outer * C * inner >= 65536)
  for (int64_t c = 0; c < C; ++c) {
    kernels::UnaryArgs<T> args;
    args.alpha = pw[per_channel ? c : 0];
    for (int64_t o = 0; o < outer; ++o) {
      const int64_t off = (o * C + c) * inner;
      kernels::unary_backward<T>(Unary::leaky_relu, inner, pg + off, px + off, pgx + off, args);
      sums[c] += kernels::prelu_slope_grad_ref<T>(inner, pg + off, px + off);
    }
  }
  T* pgw = gw.data<T>();
  if (per_channel) {
    for (int64_t c = 0; c < C; ++c) pgw[c] = static_cast<T>(sums[c]);
  } else {
    double s = 0;
    for (double v : sums) s += v;
    pgw[0] = static_cast<T>(s);
  }
}

int64_t normalize_axis(const char* op, const Tensor& x, int64_t axis) {
  const int64_t nd = x.ndim();
  if (axis < -nd || axis >= nd)
    throw ValueError(cat(op, ": axis ", axis, " is out of range for input of shape ",
                         shape_str(x.shape()), " (", nd, " dims)"));
  return axis < 0 ? axis + nd : axis;
}

void check_maxout(const char* op, const Tensor& x, int64_t pieces, int64_t& axis) {
  check_float(op, "input", x);
  if (pieces <= 0) throw ValueError(cat(op, ": pieces must be positive, got ", pieces));
  axis = normalize_axis(op, x, axis);
  if (x.dim(axis) % pieces != 0)
    throw ValueError(cat(op, ": input ", shape_str(x.shape()), " has ", x.dim(axis),
                         " channels along axis ", axis, ", not divisible by pieces=", pieces));
}

}  // namespace

Tensor prelu(const Tensor& x, const Tensor& w) {
  check_prelu("prelu", x, w);
  Tensor y = Tensor::empty(x.shape(), x.dtype(), "prelu");
  if (x.numel() == 0) return y;
  if (x.dtype() == DType::f32)
    prelu_typed<float>(x, w, y);
  else
    prelu_typed<double>(x, w, y);
  return y;
}

std::vector<Tensor> prelu_backward(const Tensor& gy, const Tensor& x, const Tensor& w) {
  check_prelu("prelu_backward", x, w);
  check_same_dtype("prelu_backward", {{"input", &x}, {"grad_output", &gy}});
  check_same_shape("prelu_backward", "grad_output", gy, x.shape(), "input has shape");
  Tensor gx = Tensor::empty(x.shape(), x.dtype(), "prelu_backward");
  Tensor gw = Tensor::zeros(w.shape(), w.dtype(), "prelu_backward");
  if (x.numel() == 0) return {gx, gw};
  if (x.dtype() == DType::f32)
    prelu_backward_typed<float>(gy, x, w, gx, gw);
  else
    prelu_backward_typed<double>(gy, x, w, gx, gw);
  return {gx, gw};
}

Tensor maxout(const Tensor& x, int64_t pieces, int64_t axis) {
  check_maxout("maxout", x, pieces, axis);
  Shape out = x.shape();
  out[axis] /= pieces;
  Tensor y = Tensor::empty(out, x.dtype(), "maxout");
  if (y.numel() == 0) return y;
  int64_t outer, inner;
  split_at(x.shape(), axis, outer, inner);
  if (x.dtype() == DType::f32)
    kernels::maxout_ref<float>(outer, x.dim(axis), inner, pieces, x.data<float>(), y.data<float>());
  else
    kernels::maxout_ref<double>(outer, x.dim(axis), inner, pieces, x.data<double>(),
                                y.data<double>());
  return y;
}

Tensor maxout_backward(const Tensor& gy, const Tensor& x, int64_t pieces, int64_t axis) {
  check_maxout("maxout_backward", x, pieces, axis);
  check_same_dtype("maxout_backward", {{"input", &x}, {"grad_output", &gy}});
  Shape out = x.shape();
  out[axis] /= pieces;
  check_same_shape("maxout_backward", "grad_output", gy, out, "the output of maxout has shape");
  Tensor gx = Tensor::empty(x.shape(), x.dtype(), "maxout_backward");
  if (x.numel() == 0) return gx;
  int64_t outer, inner;
  split_at(x.shape(), axis, outer, inner);
  if (x.dtype() == DType::f32)
    kernels::maxout_backward_ref<float>(outer, x.dim(axis), inner, pieces, gy.data<float>(),
                                        x.data<float>(), gx.data<float>());
  else
    kernels::maxout_backward_ref<double>(outer, x.dim(axis), inner, pieces, gy.data<double>(),
                                         x.data<double>(), gx.data<double>());
  return gx;
}

}  // namespace pg::ops
