#include "ops/reduce.h"

#include <cstring>

#include "kernels/reduce/reduce.h"
#include "tensor/check.h"

namespace pg::ops {
namespace {

using kernels::ReduceOp;

std::string axes_str(const std::vector<int64_t>& a) {
  std::string s = "(";
  for (size_t i = 0; i < a.size(); ++i) s += (i ? ", " : "") + std::to_string(a[i]);
  return s + (a.size() == 1 ? ",)" : ")");
}

// Axes merged into runs of equal flag, size-1 axes dropped: [(size, reduced), ...].
struct Run {
  int64_t size;
  bool reduced;
};
std::vector<Run> merge_runs(const Shape& shape, const std::vector<bool>& mask) {
  std::vector<Run> runs;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (!runs.empty() && runs.back().reduced == mask[d])
      runs.back().size *= shape[d];
    else
      runs.push_back({shape[d], mask[d]});
  }
  return runs;
}

// Reduce run by run (innermost first); the last pass writes into `out` and applies `scale`.
template <class T>
void reduce_runs(ReduceOp op, const Tensor& x, Tensor& out, std::vector<Run> runs, double scale,
                 const char* name) {
  Tensor cur = x;
  while (true) {
    int k = -1;
    for (int i = static_cast<int>(runs.size()) - 1; i >= 0 && k < 0; --i)
      if (runs[i].reduced) k = i;
    if (k < 0) {  // nothing (left) to reduce: copy
      std::memcpy(out.raw(), cur.raw(), out.nbytes());
      return;
    }
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < k; ++i) outer *= runs[i].size;
    for (size_t i = k + 1; i < runs.size(); ++i) inner *= runs[i].size;
    const int64_t R = runs[k].size;
    runs.erase(runs.begin() + k);
    bool last = true;
    for (const Run& r : runs) last &= !r.reduced;
    Tensor dst = last ? out : Tensor::empty({outer, inner}, x.dtype(), name);
    kernels::reduce<T>(op, cur.data<T>(), dst.data<T>(), outer, R, inner, last ? scale : 1.0);
    if (last) return;
    cur = dst;
  }
}

Tensor reduce_op(const char* name, ReduceOp op, bool mean, const Tensor& x, const AxisList& axis,
                 bool keepdims) {
  check_float(name, "input", x);
  const std::vector<bool> mask = reduced_mask(name, x.shape(), axis);
  const int64_t count = reduced_count(x.shape(), mask);
  Tensor out = Tensor::empty(reduced_shape(x.shape(), mask, keepdims), x.dtype(), name);
  if (out.numel() == 0) return out;
  if (count == 0 && (op != ReduceOp::sum || mean))
    throw ValueError(cat(name, ": cannot reduce over zero elements (input shape ",
                         shape_str(x.shape()), ", reduced axes have size 0)"));
  const double scale = mean ? 1.0 / static_cast<double>(count) : 1.0;
  std::vector<Run> runs = merge_runs(x.shape(), mask);
  if (count == 0) runs = {{out.numel(), false}, {0, true}};  // an empty sum: zeros
  if (x.dtype() == DType::f32)
    reduce_runs<float>(op, x, out, runs, scale, name);
  else
    reduce_runs<double>(op, x, out, runs, scale, name);
  return out;
}

Tensor arg_op(const char* name, bool is_min, const Tensor& x, std::optional<int64_t> axis,
              bool keepdims) {
  check_float(name, "input", x);
  const AxisList list = axis ? AxisList(std::vector<int64_t>{*axis}) : std::nullopt;
  const std::vector<bool> mask = reduced_mask(name, x.shape(), list);
  if (reduced_count(x.shape(), mask) == 0)
    throw ValueError(cat(name, ": cannot take the ", is_min ? "argmin" : "argmax",
                         " of zero elements (input shape ", shape_str(x.shape()), ")"));
  Tensor out = Tensor::empty(reduced_shape(x.shape(), mask, keepdims), DType::i64, name);
  int64_t outer = 1, R = 1, inner = 1;
  for (size_t d = 0; d < mask.size(); ++d) {
    if (mask[d])
      R *= x.shape()[d];
    else if (axis && static_cast<int64_t>(d) < (*axis < 0 ? *axis + x.ndim() : *axis))
      outer *= x.shape()[d];
    else
      inner *= x.shape()[d];
  }
  if (out.numel() == 0) return out;
  if (x.dtype() == DType::f32)
    kernels::arg_reduce_f32(x.data<float>(), out.data<int64_t>(), outer, R, inner, is_min);
  else
    kernels::arg_reduce_ref<double>(x.data<double>(), out.data<int64_t>(), outer, R, inner, is_min);
  return out;
}

// grad_output must have the forward output's shape; returns the mask.
std::vector<bool> check_grad(const char* name, const Tensor& gy, const Shape& input_shape,
                             const AxisList& axis, bool keepdims) {
  check_float(name, "grad_output", gy);
  for (int64_t d : input_shape)
    if (d < 0)
      throw ValueError(cat(name, ": input_shape ", shape_str(input_shape), " has a negative size"));
  const std::vector<bool> mask = reduced_mask(name, input_shape, axis);
  check_same_shape(name, "grad_output", gy, reduced_shape(input_shape, mask, keepdims),
                   "the forward output has shape");
  return mask;
}

// y strides of every input axis (0 on reduced axes), on the merged axes of input_shape.
void expand_layout(const Shape& shape, const std::vector<bool>& mask, std::vector<int64_t>& dims,
                   std::vector<int64_t>& ystride) {
  const std::vector<Run> runs = merge_runs(shape, mask);
  int64_t s = 1;
  dims.assign(runs.size(), 0);
  ystride.assign(runs.size(), 0);
  for (int i = static_cast<int>(runs.size()) - 1; i >= 0; --i) {
    dims[i] = runs[i].size;
    if (!runs[i].reduced) ystride[i] = s, s *= runs[i].size;
  }
}

Tensor expand_op(const char* name, bool mean, const Tensor& gy, const Shape& input_shape,
                 const AxisList& axis, bool keepdims) {
  const std::vector<bool> mask = check_grad(name, gy, input_shape, axis, keepdims);
  Tensor gx = Tensor::empty(input_shape, gy.dtype(), name);
  if (gx.numel() == 0) return gx;
  const double scale = mean ? 1.0 / static_cast<double>(reduced_count(input_shape, mask)) : 1.0;
  std::vector<int64_t> dims, ys;
  expand_layout(input_shape, mask, dims, ys);
  if (gy.dtype() == DType::f32)
    kernels::expand_ref<float>(gy.data<float>(), gx.data<float>(), dims, ys, scale);
  else
    kernels::expand_ref<double>(gy.data<double>(), gx.data<double>(), dims, ys, scale);
  return gx;
}

Tensor route_op(const char* name, ReduceOp op, const Tensor& gy, const Tensor& x,
                const AxisList& axis, bool keepdims) {
  check_same_dtype(name, {{"input", &x}, {"grad_output", &gy}});
  const std::vector<bool> mask = check_grad(name, gy, x.shape(), axis, keepdims);
  Tensor gx = Tensor::empty(x.shape(), x.dtype(), name);
  if (gx.numel() == 0) return gx;
  const Tensor y = op == ReduceOp::max ? amax(x, axis, keepdims) : amin(x, axis, keepdims);
  const std::vector<Run> runs = merge_runs(x.shape(), mask);
  int reduced_runs = 0, k = 0;
  for (size_t i = 0; i < runs.size(); ++i)
    if (runs[i].reduced) ++reduced_runs, k = static_cast<int>(i);
  if (reduced_runs == 1) {  // (outer, R, inner): threaded
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < k; ++i) outer *= runs[i].size;
    for (size_t i = k + 1; i < runs.size(); ++i) inner *= runs[i].size;
    if (x.dtype() == DType::f32)
      kernels::route_first_rows_ref<float>(x.data<float>(), y.data<float>(), gy.data<float>(),
                                           gx.data<float>(), outer, runs[k].size, inner);
    else
      kernels::route_first_rows_ref<double>(x.data<double>(), y.data<double>(), gy.data<double>(),
                                            gx.data<double>(), outer, runs[k].size, inner);
    return gx;
  }
  std::vector<int64_t> dims, ys;
  expand_layout(x.shape(), mask, dims, ys);
  if (x.dtype() == DType::f32)
    kernels::route_first_ref<float>(x.data<float>(), y.data<float>(), gy.data<float>(),
                                    gx.data<float>(), dims, ys, y.numel());
  else
    kernels::route_first_ref<double>(x.data<double>(), y.data<double>(), gy.data<double>(),
                                     gx.data<double>(), dims, ys, y.numel());
  return gx;
}

}  // namespace

// The reduced-axis mask of `shape`; ValueError for an axis out of range or given twice.
std::vector<bool> reduced_mask(const char* op, const Shape& shape, const AxisList& axis) {
  const int64_t nd = static_cast<int64_t>(shape.size());
  std::vector<bool> mask(shape.size(), !axis.has_value());
  if (!axis) return mask;
  for (int64_t a : *axis) {
    if (a < -nd || a >= nd)
      throw ValueError(cat(op, ": axis ", a, " is out of range for input with shape ",
                           shape_str(shape), " (valid axes: ", -nd, "..", nd - 1, ")"));
    const int64_t k = a < 0 ? a + nd : a;
    if (mask[k])
      throw ValueError(cat(op, ": axis ", axes_str(*axis), " names axis ", k,
                           " twice (input shape ", shape_str(shape), ")"));
    mask[k] = true;
  }
  return mask;
}

Shape reduced_shape(const Shape& shape, const std::vector<bool>& mask, bool keepdims) {
  Shape out;
  for (size_t d = 0; d < shape.size(); ++d)
    if (!mask[d])
      out.push_back(shape[d]);
    else if (keepdims)
      out.push_back(1);
  return out;
}

int64_t reduced_count(const Shape& shape, const std::vector<bool>& mask) {
  int64_t n = 1;
  for (size_t d = 0; d < shape.size(); ++d)
    if (mask[d]) n *= shape[d];
  return n;
}

Tensor sum(const Tensor& x, const AxisList& axis, bool keepdims) {
  return reduce_op("sum", ReduceOp::sum, false, x, axis, keepdims);
}
Tensor mean(const Tensor& x, const AxisList& axis, bool keepdims) {
  return reduce_op("mean", ReduceOp::sum, true, x, axis, keepdims);
}
Tensor amax(const Tensor& x, const AxisList& axis, bool keepdims) {
  return reduce_op("amax", ReduceOp::max, false, x, axis, keepdims);
}
Tensor amin(const Tensor& x, const AxisList& axis, bool keepdims) {
  return reduce_op("amin", ReduceOp::min, false, x, axis, keepdims);
}
Tensor argmax(const Tensor& x, std::optional<int64_t> axis, bool keepdims) {
  return arg_op("argmax", false, x, axis, keepdims);
}
Tensor argmin(const Tensor& x, std::optional<int64_t> axis, bool keepdims) {
  return arg_op("argmin", true, x, axis, keepdims);
}
Tensor sum_backward(const Tensor& gy, const Shape& input_shape, const AxisList& axis,
                    bool keepdims) {
  return expand_op("sum_backward", false, gy, input_shape, axis, keepdims);
}
Tensor mean_backward(const Tensor& gy, const Shape& input_shape, const AxisList& axis,
                     bool keepdims) {
  return expand_op("mean_backward", true, gy, input_shape, axis, keepdims);
}
Tensor amax_backward(const Tensor& gy, const Tensor& x, const AxisList& axis, bool keepdims) {
  return route_op("amax_backward", ReduceOp::max, gy, x, axis, keepdims);
}
Tensor amin_backward(const Tensor& gy, const Tensor& x, const AxisList& axis, bool keepdims) {
  return route_op("amin_backward", ReduceOp::min, gy, x, axis, keepdims);
}

}  // namespace pg::ops
