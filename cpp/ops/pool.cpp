// Eager max / average / adaptive / global pooling and their gradients (unpooling: pool_unpool).
#include "ops/pool.h"

#include <array>

#include "kernels/pool/pool.h"
#include "tensor/check.h"

namespace pg::ops {
namespace {

using kernels::AvgOpts;
using kernels::PoolGeom;

// Window attributes stay far from int64 overflow in the size arithmetic (d*(k-1) and the like).
constexpr int64_t kMaxAttr = int64_t(1) << 31;

const char* layout(int nd) { return nd == 1 ? "(N, C, W)" : "(N, C, H, W)"; }
std::string name(const char* base, int nd, const char* suffix = "") {
  return cat(base, nd, "d", suffix);
}
std::string tup(const Ints& v) { return v.size() == 1 ? cat("(", v[0], ",)") : shape_str(v); }

void check_input(const std::string& op, const Tensor& x, int nd) {
  if (nd != 1 && nd != 2)
    throw ValueError(cat(op, ": only 1-D and 2-D pooling exist, got nd=", nd));
  check_float(op.c_str(), "input", x);
  check_ndim(op.c_str(), "input", x, nd + 2, layout(nd));
  check_nonempty(op.c_str(), "input", x);
}

void check_attr(const std::string& op, const char* arg, const Ints& v, int nd, bool positive) {
  if (static_cast<int>(v.size()) != nd)
    throw ValueError(cat(op, ": ", arg, " must have ", nd, " entries, got ", tup(v)));
  for (int64_t e : v) {
    if (positive ? e <= 0 : e < 0)
      throw ValueError(
          cat(op, ": ", arg, " must be ", positive ? "positive" : ">= 0", ", got ", tup(v)));
    if (e > kMaxAttr) throw ValueError(cat(op, ": ", arg, " ", tup(v), " is too large"));
  }
}

// Checks the window attributes against the input and returns the plane geometry.
PoolGeom geometry(const std::string& op, int nd, const Tensor& x, const Ints& k, const Ints& s,
                  const Ints& p, const Ints& d, bool ceil_mode) {
  check_input(op, x, nd);
  check_attr(op, "kernel_size", k, nd, true);
  check_attr(op, "stride", s, nd, true);
  check_attr(op, "padding", p, nd, false);
  check_attr(op, "dilation", d, nd, true);
  for (int i = 0; i < nd; ++i)
    if (p[i] > k[i] / 2)
      throw ValueError(cat(op, ": padding ", tup(p), " must be at most half of kernel_size ",
                           tup(k), " (input ", shape_str(x.shape()), ")"));
  Ints in(x.shape().end() - nd, x.shape().end()), out(nd);
  for (int i = 0; i < nd; ++i) {
    out[i] = pool_output_size(in[i], k[i], s[i], p[i], d[i], ceil_mode);
    if (out[i] < 1)
      throw ValueError(cat(op, ": kernel_size ", tup(k), " with dilation ", tup(d),
                           " is larger than the padded input: input ", shape_str(x.shape()),
                           ", padding ", tup(p)));
  }
  // With dilation a window can fall between the input and the padding's far side, holding no
  // input element at all (torch then returns -inf and an out-of-range index): refuse that.
  for (int i = 0; i < nd; ++i)
    for (int64_t o = 0; d[i] > 1 && o < out[i]; ++o) {
      bool any = false;
      for (int64_t a = 0; a < k[i] && !any; ++a) {
        const int64_t pos = o * s[i] - p[i] + a * d[i];
        any = pos >= 0 && pos < in[i];
      }
      if (!any)
        throw ValueError(cat(op, ": window ", o, " along dim ", i + 2, " covers only padding ",
                             "(input ", shape_str(x.shape()), ", kernel_size ", tup(k), ", stride ",
                             tup(s), ", padding ", tup(p), ", dilation ", tup(d), ")"));
    }
  if (nd == 1) return {1, in[0], 1, out[0], 1, k[0], 1, s[0], 0, p[0], 1, d[0]};
  return {in[0], in[1], out[0], out[1], k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1]};
}

Shape out_shape(const Tensor& x, int nd, int64_t P, int64_t Q) {
  return nd == 1 ? Shape{x.dim(0), x.dim(1), Q} : Shape{x.dim(0), x.dim(1), P, Q};
}
int64_t planes(const Tensor& x) { return x.dim(0) * x.dim(1); }

void check_grad(const std::string& op, const Tensor& dy, const Tensor& x, const Shape& out) {
  check_same_dtype(op.c_str(), {{"input", &x}, {"grad_output", &dy}});
  check_same_shape(op.c_str(), "grad_output", dy, out, "the forward output has shape");
}

AvgOpts avg_opts(const std::string& op, bool count_include_pad, std::optional<int64_t> div) {
  if (div && *div <= 0)
    throw ValueError(cat(op, ": divisor_override must be positive, got ", *div));
  return {count_include_pad, div ? *div : 0};
}

template <class T>
std::vector<Tensor> max_pool_typed(int nd, const Tensor& x, const PoolGeom& g, bool with_idx) {
  const std::string op = name("max_pool", nd);
  Tensor y = Tensor::empty(out_shape(x, nd, g.P, g.Q), dtype_of<T>(), op);
  Tensor idx = with_idx ? Tensor::empty(y.shape(), DType::i64, op) : Tensor();
  kernels::max_pool<T>(x.data<T>(), y.data<T>(), with_idx ? idx.data<int64_t>() : nullptr,
                       planes(x), g);
  return with_idx ? std::vector<Tensor>{y, idx} : std::vector<Tensor>{y};
}

template <class T>
Tensor max_pool_backward_typed(int nd, const Tensor& dy, const Tensor& x, const PoolGeom& g) {
  Tensor dx = Tensor::empty(x.shape(), dtype_of<T>(), name("max_pool", nd, "_backward"));
  kernels::max_pool_backward<T>(dy.data<T>(), x.data<T>(), dx.data<T>(), planes(x), g);
  return dx;
}

}  // namespace

int64_t pool_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t padding,
                         int64_t dilation, bool ceil_mode) {
  const char* op = "pool_output_size";
  check_nonnegative(op, "input_size", in);
  check_attr(op, "kernel_size", {kernel}, 1, true);
  check_attr(op, "stride", {stride}, 1, true);
  check_attr(op, "padding", {padding}, 1, false);
  check_attr(op, "dilation", {dilation}, 1, true);
  const int64_t span = in + 2 * padding - dilation * (kernel - 1) - 1;
  if (span < 0) return 0;
  int64_t out = (span + (ceil_mode ? stride - 1 : 0)) / stride + 1;
  if (ceil_mode && (out - 1) * stride >= in + padding) --out;
  return out;
}

std::vector<Tensor> max_pool(int nd, const Tensor& x, const Ints& kernel, const Ints& stride,
                             const Ints& padding, const Ints& dilation, bool ceil_mode,
                             bool return_indices) {
  const PoolGeom g =
      geometry(name("max_pool", nd), nd, x, kernel, stride, padding, dilation, ceil_mode);
  return x.dtype() == DType::f32 ? max_pool_typed<float>(nd, x, g, return_indices)
                                 : max_pool_typed<double>(nd, x, g, return_indices);
}

Tensor max_pool_backward(int nd, const Tensor& dy, const Tensor& x, const Ints& kernel,
                         const Ints& stride, const Ints& padding, const Ints& dilation,
                         bool ceil_mode, const Tensor& indices) {
  const std::string op = name("max_pool", nd, "_backward");
  const PoolGeom g = geometry(op, nd, x, kernel, stride, padding, dilation, ceil_mode);
  check_grad(op, dy, x, out_shape(x, nd, g.P, g.Q));
  if (!indices.defined())
    return x.dtype() == DType::f32 ? max_pool_backward_typed<float>(nd, dy, x, g)
                                   : max_pool_backward_typed<double>(nd, dy, x, g);
  if (indices.dtype() != DType::i64)
    throw TypeError(cat(op, ": indices must be int64, got ", dtype_name(indices.dtype())));
  check_same_shape(op.c_str(), "indices", indices, dy.shape(), "grad_output has shape");
  const int64_t HW = g.H * g.W, n = indices.numel();
  const int64_t* id = indices.data<int64_t>();
  for (int64_t i = 0; i < n; ++i)
    if (id[i] < 0 || id[i] >= HW)
      throw ValueError(cat(op, ": indices hold ", id[i], " at flat position ", i,
                           ", outside the input plane of ", HW, " elements (input ",
                           shape_str(x.shape()), ")"));
  Tensor dx = Tensor::empty(x.shape(), x.dtype(), op);
  if (x.dtype() == DType::f32)
    kernels::max_pool_backward_indices_ref<float>(dy.data<float>(), id, dx.data<float>(), planes(x),
                                                  HW, g.P * g.Q);
  else
    kernels::max_pool_backward_indices_ref<double>(dy.data<double>(), id, dx.data<double>(),
                                                   planes(x), HW, g.P * g.Q);
  return dx;
}

Tensor avg_pool(int nd, const Tensor& x, const Ints& kernel, const Ints& stride,
                const Ints& padding, bool ceil_mode, bool count_include_pad,
                std::optional<int64_t> divisor_override) {
  const std::string op = name("avg_pool", nd);
  const PoolGeom g = geometry(op, nd, x, kernel, stride, padding, Ints(nd, 1), ceil_mode);
  const AvgOpts o = avg_opts(op, count_include_pad, divisor_override);
  Tensor y = Tensor::empty(out_shape(x, nd, g.P, g.Q), x.dtype(), op);
  if (x.dtype() == DType::f32)
    kernels::avg_pool<float>(x.data<float>(), y.data<float>(), planes(x), g, o);
  else
    kernels::avg_pool<double>(x.data<double>(), y.data<double>(), planes(x), g, o);
  return y;
}

Tensor avg_pool_backward(int nd, const Tensor& dy, const Tensor& x, const Ints& kernel,
                         const Ints& stride, const Ints& padding, bool ceil_mode,
                         bool count_include_pad, std::optional<int64_t> divisor_override) {
  const std::string op = name("avg_pool", nd, "_backward");
  const PoolGeom g = geometry(op, nd, x, kernel, stride, padding, Ints(nd, 1), ceil_mode);
  const AvgOpts o = avg_opts(op, count_include_pad, divisor_override);
  check_grad(op, dy, x, out_shape(x, nd, g.P, g.Q));
  Tensor dx = Tensor::empty(x.shape(), x.dtype(), op);
  if (x.dtype() == DType::f32)
    kernels::avg_pool_backward<float>(dy.data<float>(), dx.data<float>(), planes(x), g, o);
  else
    kernels::avg_pool_backward<double>(dy.data<double>(), dx.data<double>(), planes(x), g, o);
  return dx;
}

namespace {
// (H, W, P, Q) of an adaptive pool, after checking output_size.
std::array<int64_t, 4> adaptive_dims(const std::string& op, int nd, const Tensor& x,
                                     const Ints& out) {
  check_input(op, x, nd);
  check_attr(op, "output_size", out, nd, true);
  if (nd == 1) return {1, x.dim(2), 1, out[0]};
  return {x.dim(2), x.dim(3), out[0], out[1]};
}
}  // namespace

Tensor adaptive_avg_pool(int nd, const Tensor& x, const Ints& output_size) {
  const std::string op = name("adaptive_avg_pool", nd);
  const auto [H, W, P, Q] = adaptive_dims(op, nd, x, output_size);
  Tensor y = Tensor::empty(out_shape(x, nd, P, Q), x.dtype(), op);
  if (x.dtype() == DType::f32)
    kernels::adaptive_avg_pool_ref<float>(x.data<float>(), y.data<float>(), planes(x), H, W, P, Q);
  else
    kernels::adaptive_avg_pool_ref<double>(x.data<double>(), y.data<double>(), planes(x), H, W, P,
                                           Q);
  return y;
}

Tensor adaptive_avg_pool_backward(int nd, const Tensor& dy, const Tensor& x,
                                  const Ints& output_size) {
  const std::string op = name("adaptive_avg_pool", nd, "_backward");
  const auto [H, W, P, Q] = adaptive_dims(op, nd, x, output_size);
  check_grad(op, dy, x, out_shape(x, nd, P, Q));
  Tensor dx = Tensor::empty(x.shape(), x.dtype(), op);
  if (x.dtype() == DType::f32)
    kernels::adaptive_avg_pool_backward_ref<float>(dy.data<float>(), dx.data<float>(), planes(x), H,
                                                   W, P, Q);
  else
    kernels::adaptive_avg_pool_backward_ref<double>(dy.data<double>(), dx.data<double>(), planes(x),
                                                    H, W, P, Q);
  return dx;
}

namespace {
template <class T>
Tensor global_typed(const Tensor& x, bool is_max, const char* op) {
  Tensor y = Tensor::empty({x.dim(0), x.dim(1), 1, 1}, x.dtype(), op);
  const int64_t L = x.dim(2) * x.dim(3);
  if (is_max)
    kernels::global_max_pool<T>(x.data<T>(), y.data<T>(), nullptr, planes(x), L);
  else
    kernels::global_avg_pool<T>(x.data<T>(), y.data<T>(), planes(x), L);
  return y;
}

template <class T>
Tensor global_backward_typed(const Tensor& dy, const Tensor& x, bool is_max, const char* op) {
  Tensor dx = Tensor::empty(x.shape(), x.dtype(), op);
  const int64_t L = x.dim(2) * x.dim(3), n = planes(x);
  if (is_max) {
    Tensor y = Tensor::empty(dy.shape(), x.dtype(), op);
    Tensor idx = Tensor::empty(dy.shape(), DType::i64, op);
    kernels::global_max_pool<T>(x.data<T>(), y.data<T>(), idx.data<int64_t>(), n, L);
    kernels::global_max_pool_backward_ref<T>(dy.data<T>(), idx.data<int64_t>(), dx.data<T>(), n, L);
  } else {
    kernels::global_avg_pool_backward_ref<T>(dy.data<T>(), dx.data<T>(), n, L);
  }
  return dx;
}

Tensor global_forward(const Tensor& x, bool is_max) {
  const char* op = is_max ? "global_max_pool2d" : "global_avg_pool2d";
  check_input(op, x, 2);
  return x.dtype() == DType::f32 ? global_typed<float>(x, is_max, op)
                                 : global_typed<double>(x, is_max, op);
}

Tensor global_backward(const Tensor& dy, const Tensor& x, bool is_max) {
  const char* op = is_max ? "global_max_pool2d_backward" : "global_avg_pool2d_backward";
  check_input(op, x, 2);
  check_grad(op, dy, x, {x.dim(0), x.dim(1), 1, 1});
  return x.dtype() == DType::f32 ? global_backward_typed<float>(dy, x, is_max, op)
                                 : global_backward_typed<double>(dy, x, is_max, op);
}
}  // namespace

Tensor global_avg_pool2d(const Tensor& x) { return global_forward(x, false); }
Tensor global_max_pool2d(const Tensor& x) { return global_forward(x, true); }
Tensor global_avg_pool2d_backward(const Tensor& dy, const Tensor& x) {
  return global_backward(dy, x, false);
}
Tensor global_max_pool2d_backward(const Tensor& dy, const Tensor& x) {
  return global_backward(dy, x, true);
}

}  // namespace pg::ops
