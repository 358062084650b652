#include "ops/shape.h"

#include <cstring>

#include "kernels/shape/shape.h"
#include "tensor/check.h"

namespace pg::ops {
namespace {

std::string ints_str(const std::vector<int64_t>& a) { return shape_str(Shape(a.begin(), a.end())); }

int64_t norm_axis(const char* op, const char* arg, int64_t a, int64_t nd, const Shape& shape) {
  if (a < -nd || a >= nd)
    throw ValueError(cat(op, ": ", arg, " = ", a, " is out of range for input with shape ",
                         shape_str(shape), " (valid: ", -nd, "..", nd - 1, ")"));
  return a < 0 ? a + nd : a;
}

Tensor permuted(const char* op, const Tensor& x, const std::vector<int>& perm) {
  Shape out(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) out[i] = x.shape()[perm[i]];
  Tensor y = Tensor::empty(out, x.dtype(), op);
  kernels::permute(x.raw(), y.raw(), dtype_size(x.dtype()), x.shape(), perm);
  return y;
}

std::vector<int> check_perm(const char* op, const Tensor& x, const std::vector<int64_t>& axes) {
  const int64_t nd = x.ndim();
  if (static_cast<int64_t>(axes.size()) != nd)
    throw ValueError(cat(op, ": axes ", ints_str(axes), " has ", axes.size(),
                         " entries but input has ", nd, " dims (shape ", shape_str(x.shape()),
                         ")"));
  std::vector<int> perm(nd);
  std::vector<bool> seen(nd, false);
  for (int64_t i = 0; i < nd; ++i) {
    const int64_t a = axes[i];
    if (a < -nd || a >= nd || seen[a < 0 ? a + nd : a])
      throw ValueError(cat(op, ": axes ", ints_str(axes), " is not a permutation of 0..", nd - 1,
                           " (input shape ", shape_str(x.shape()), ")"));
    perm[i] = static_cast<int>(a < 0 ? a + nd : a);
    seen[perm[i]] = true;
  }
  return perm;
}

Tensor copy_as(const char* op, const Tensor& x, const Shape& shape) {
  Tensor y = Tensor::empty(shape, x.dtype(), op);
  kernels::copy_rows(x.raw(), y.raw(), 1, static_cast<int64_t>(x.nbytes()), 0, 0);
  return y;
}

// Output shape and per-axis index maps of a pad (see kernels::pad_forward).
struct PadPlan {
  Shape out;
  std::vector<std::vector<int64_t>> map;
  bool one_to_one;
};
PadPlan plan_pad(const char* op, const Shape& in, const std::vector<int64_t>& pad,
                 const std::string& mode) {
  const int64_t nd = static_cast<int64_t>(in.size());
  PadPlan p{pad_shape(op, in, pad, mode), {}, mode == "constant"};
  // The maps are as long as the output's axes: allocate nothing before the output itself can be.
  checked_numel(p.out, DType::f32, op);
  int64_t out_numel = 1;
  for (int64_t m : p.out) out_numel *= m;
  if (out_numel == 0 || bytes_exceed_memory(out_numel, dtype_size(DType::f32)))
    return p;  // the caller's Tensor::empty reports the size; no maps needed for an empty output
  for (int64_t d = 0; d < nd; ++d) {
    const int64_t k = nd - 1 - d;
    const int64_t lo = 2 * k < static_cast<int64_t>(pad.size()) ? pad[2 * k] : 0;
    const int64_t n = in[d], m = p.out[d];
    std::vector<int64_t> map(m);
    for (int64_t o = 0; o < m; ++o) {
      int64_t s = o - lo;
      if (s < 0 || s >= n) {
        if (mode == "constant")
          s = -1;
        else if (mode == "replicate")
          s = s < 0 ? 0 : n - 1;
        else
          s = s < 0 ? -s : 2 * (n - 1) - s;
      }
      map[o] = s;
    }
    p.map.push_back(std::move(map));
  }
  return p;
}

}  // namespace

Shape pad_shape(const char* op, const Shape& in, const std::vector<int64_t>& pad,
                const std::string& mode) {
  const int64_t nd = static_cast<int64_t>(in.size());
  if (mode != "constant" && mode != "reflect" && mode != "replicate")
    throw ValueError(
        cat(op, ": mode must be 'constant', 'reflect' or 'replicate', got '", mode, "'"));
  if (pad.size() % 2)
    throw ValueError(cat(op,
                         ": pad must have an even length ((left, right) pairs from the last "
                         "axis), got ",
                         pad.size(), " values ", ints_str(pad)));
  if (static_cast<int64_t>(pad.size()) > 2 * nd)
    throw ValueError(cat(op, ": pad ", ints_str(pad), " pads ", pad.size() / 2,
                         " axes but input has ", nd, " dims (shape ", shape_str(in), ")"));
  Shape out = in;
  for (int64_t d = 0; d < nd; ++d) {
    const int64_t k = nd - 1 - d;  // pair k pads axis d
    const int64_t lo = 2 * k < static_cast<int64_t>(pad.size()) ? pad[2 * k] : 0;
    const int64_t hi = 2 * k < static_cast<int64_t>(pad.size()) ? pad[2 * k + 1] : 0;
    const int64_t n = in[d];
    int64_t m;
    if (__builtin_add_overflow(n, lo, &m) || __builtin_add_overflow(m, hi, &m))
      throw MemoryError(cat(op, ": pad (", lo, ", ", hi, ") on axis ", d, " of size ", n,
                            " overflows 64 bits (input shape ", shape_str(in), ")"));
    if (m < 0)
      throw ValueError(cat(op, ": pad (", lo, ", ", hi, ") on axis ", d, " of size ", n,
                           " gives a negative size ", m, " (input shape ", shape_str(in), ")"));
    if (mode == "reflect" && (lo >= n || hi >= n) && (lo > 0 || hi > 0))
      throw ValueError(cat(op, ": reflect padding (", lo, ", ", hi, ") on axis ", d,
                           " must be smaller than its size ", n, " (input shape ", shape_str(in),
                           ")"));
    if (mode == "replicate" && n == 0 && (lo > 0 || hi > 0))
      throw ValueError(cat(op, ": replicate padding of axis ", d, " of size 0 (input shape ",
                           shape_str(in), ")"));
    out[d] = m;
  }
  return out;
}

Tensor transpose(const Tensor& x, int64_t axis0, int64_t axis1) {
  const int64_t a = norm_axis("transpose", "axis0", axis0, x.ndim(), x.shape());
  const int64_t b = norm_axis("transpose", "axis1", axis1, x.ndim(), x.shape());
  std::vector<int> perm(x.ndim());
  for (int i = 0; i < x.ndim(); ++i) perm[i] = i;
  std::swap(perm[a], perm[b]);
  return permuted("transpose", x, perm);
}

Tensor transpose_backward(const Tensor& gy, int64_t axis0, int64_t axis1) {
  norm_axis("transpose_backward", "axis0", axis0, gy.ndim(), gy.shape());
  norm_axis("transpose_backward", "axis1", axis1, gy.ndim(), gy.shape());
  return transpose(gy, axis0, axis1);
}

Tensor permute(const Tensor& x, const std::vector<int64_t>& axes) {
  return permuted("permute", x, check_perm("permute", x, axes));
}

Tensor permute_backward(const Tensor& gy, const std::vector<int64_t>& axes) {
  const std::vector<int> perm = check_perm("permute_backward", gy, axes);
  std::vector<int> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inv[perm[i]] = static_cast<int>(i);
  return permuted("permute_backward", gy, inv);
}

Tensor reshape(const Tensor& x, const std::vector<int64_t>& shape) {
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0)
        throw ValueError(cat("reshape: shape ", ints_str(shape),
                             " has more than one -1 (input shape ", shape_str(x.shape()), ")"));
      infer = static_cast<int64_t>(i);
    } else if (shape[i] < 0) {
      throw ValueError(cat("reshape: shape ", ints_str(shape), " has a negative size ", shape[i],
                           " (only -1, inferred, is allowed)"));
    } else {
      known *= shape[i];
    }
  }
  Shape out(shape.begin(), shape.end());
  if (infer >= 0) {
    if (known == 0 || x.numel() % known)
      throw ValueError(cat("reshape: cannot infer the -1 in ", ints_str(shape),
                           " for input of shape ", shape_str(x.shape()), " (", x.numel(),
                           " elements)"));
    out[infer] = x.numel() / known;
  } else if (known != x.numel()) {
    throw ValueError(cat("reshape: cannot reshape input of shape ", shape_str(x.shape()), " (",
                         x.numel(), " elements) into ", ints_str(shape), " (", known,
                         " elements)"));
  }
  return copy_as("reshape", x, out);
}

Tensor reshape_backward(const Tensor& gy, const Shape& input_shape) {
  int64_t n = 1;
  for (int64_t d : input_shape) n *= d;
  if (n != gy.numel())
    throw ValueError(cat("reshape_backward: grad_output has shape ", shape_str(gy.shape()), " (",
                         gy.numel(), " elements) but input_shape ", shape_str(input_shape), " has ",
                         n));
  return copy_as("reshape_backward", gy, input_shape);
}

Tensor flatten(const Tensor& x, int64_t start_axis, int64_t end_axis) {
  if (x.ndim() == 0) return copy_as("flatten", x, {1});
  const int64_t s = norm_axis("flatten", "start_axis", start_axis, x.ndim(), x.shape());
  const int64_t e = norm_axis("flatten", "end_axis", end_axis, x.ndim(), x.shape());
  if (s > e)
    throw ValueError(cat("flatten: start_axis (", start_axis, ") must not come after end_axis (",
                         end_axis, ") for input with shape ", shape_str(x.shape())));
  Shape out(x.shape().begin(), x.shape().begin() + s);
  int64_t n = 1;
  for (int64_t d = s; d <= e; ++d) n *= x.shape()[d];
  out.push_back(n);
  out.insert(out.end(), x.shape().begin() + e + 1, x.shape().end());
  return copy_as("flatten", x, out);
}

Tensor concat(const std::vector<Tensor>& xs, int64_t axis) {
  if (xs.empty()) throw ValueError("concat: tensors is empty; pass at least one array");
  const Tensor& first = xs[0];
  if (first.ndim() == 0)
    throw ValueError(
        "concat: tensors[0] is 0-dimensional; only arrays with an axis can be "
        "concatenated");
  const int64_t a = norm_axis("concat", "axis", axis, first.ndim(), first.shape());
  Shape out = first.shape();
  out[a] = 0;
  for (size_t k = 0; k < xs.size(); ++k) {
    const Tensor& t = xs[k];
    if (t.dtype() != first.dtype())
      throw TypeError(cat("concat: tensors[", k, "] is ", dtype_name(t.dtype()),
                          " but tensors[0] is ", dtype_name(first.dtype()),
                          "; pass arrays of one dtype"));
    if (t.ndim() != first.ndim())
      throw ValueError(cat("concat: tensors[", k, "] has ", t.ndim(), " dims (shape ",
                           shape_str(t.shape()), ") but tensors[0] has ", first.ndim(), " (shape ",
                           shape_str(first.shape()), ")"));
    for (int64_t d = 0; d < first.ndim(); ++d)
      if (d != a && t.shape()[d] != first.shape()[d])
        throw ValueError(cat("concat: tensors[", k, "] has shape ", shape_str(t.shape()),
                             " but tensors[0] has shape ", shape_str(first.shape()),
                             "; they must agree on every axis except axis ", a));
    out[a] += t.shape()[a];
  }
  Tensor y = Tensor::empty(out, first.dtype(), "concat");
  int64_t outer = 1, inner = static_cast<int64_t>(dtype_size(first.dtype()));
  for (int64_t d = 0; d < a; ++d) outer *= out[d];
  for (int64_t d = a + 1; d < first.ndim(); ++d) inner *= out[d];
  const int64_t ld = out[a] * inner;
  int64_t off = 0;
  for (const Tensor& t : xs) {
    const int64_t row = t.shape()[a] * inner;
    if (row > 0 && outer > 0)
      kernels::copy_rows(t.raw(), static_cast<char*>(y.raw()) + off, outer, row, row, ld);
    off += row;
  }
  return y;
}

std::vector<Tensor> concat_backward(const Tensor& gy, const std::vector<Shape>& shapes,
                                    int64_t axis) {
  const char* op = "concat_backward";
  if (shapes.empty()) throw ValueError("concat_backward: shapes is empty");
  if (gy.ndim() == 0) throw ValueError("concat_backward: grad_output is 0-dimensional");
  const int64_t a = norm_axis(op, "axis", axis, gy.ndim(), gy.shape());
  int64_t total = 0;
  for (size_t k = 0; k < shapes.size(); ++k) {
    const Shape& s = shapes[k];
    bool ok = static_cast<int64_t>(s.size()) == gy.ndim();
    for (int64_t d = 0; ok && d < gy.ndim(); ++d)
      ok = s[d] >= 0 && (d == a || s[d] == gy.shape()[d]);
    if (!ok)
      throw ValueError(cat(op, ": shapes[", k, "] = ", shape_str(s),
                           " does not fit grad_output of shape ", shape_str(gy.shape()),
                           " along axis ", a));
    total += s[a];
  }
  if (total != gy.shape()[a])
    throw ValueError(cat(op, ": the shapes add up to ", total, " along axis ", a,
                         " but grad_output has shape ", shape_str(gy.shape())));
  int64_t outer = 1, inner = static_cast<int64_t>(dtype_size(gy.dtype()));
  for (int64_t d = 0; d < a; ++d) outer *= gy.shape()[d];
  for (int64_t d = a + 1; d < gy.ndim(); ++d) inner *= gy.shape()[d];
  const int64_t ld = gy.shape()[a] * inner;
  std::vector<Tensor> out;
  int64_t off = 0;
  for (const Shape& s : shapes) {
    Tensor g = Tensor::empty(s, gy.dtype(), op);
    const int64_t row = s[a] * inner;
    if (row > 0 && outer > 0)
      kernels::copy_rows(static_cast<const char*>(gy.raw()) + off, g.raw(), outer, row, ld, row);
    off += row;
    out.push_back(g);
  }
  return out;
}

Tensor pad(const Tensor& x, const std::vector<int64_t>& pad, const std::string& mode,
           double value) {
  const PadPlan p = plan_pad("pad", x.shape(), pad, mode);
  Tensor y = Tensor::empty(p.out, x.dtype(), "pad");
  if (y.numel() == 0) return y;
  if (x.ndim() == 0) return copy_as("pad", x, {});
  switch (x.dtype()) {
    case DType::f32:
      kernels::pad_forward<float>(x.data<float>(), y.data<float>(), x.shape(), p.out, p.map,
                                  static_cast<float>(value));
      break;
    case DType::f64:
      kernels::pad_forward<double>(x.data<double>(), y.data<double>(), x.shape(), p.out, p.map,
                                   value);
      break;
    case DType::i64:
      kernels::pad_forward<int64_t>(x.data<int64_t>(), y.data<int64_t>(), x.shape(), p.out, p.map,
                                    static_cast<int64_t>(value));
      break;
  }
  return y;
}

Tensor pad_backward(const Tensor& gy, const Shape& input_shape, const std::vector<int64_t>& pad,
                    const std::string& mode) {
  const PadPlan p = plan_pad("pad_backward", input_shape, pad, mode);
  check_same_shape("pad_backward", "grad_output", gy, p.out, "the padded output has shape");
  Tensor gx = Tensor::zeros(input_shape, gy.dtype(), "pad_backward");
  if (gy.numel() == 0 || gx.numel() == 0) return gx;
  if (gy.ndim() == 0) return copy_as("pad_backward", gy, {});
  switch (gy.dtype()) {
    case DType::f32:
      kernels::pad_backward<float>(gy.data<float>(), gx.data<float>(), input_shape, p.out, p.map,
                                   p.one_to_one);
      break;
    case DType::f64:
      kernels::pad_backward<double>(gy.data<double>(), gx.data<double>(), input_shape, p.out, p.map,
                                    p.one_to_one);
      break;
    case DType::i64:
      kernels::pad_backward<int64_t>(gy.data<int64_t>(), gx.data<int64_t>(), input_shape, p.out,
                                     p.map, p.one_to_one);
      break;
  }
  return gx;
}

}  // namespace pg::ops
