// More data movement and reductions: permute, flatten, concat, slice (concat's gradient, pg.slice
// and Tensor indexing), pad (and pad_backward, its gradient), amax / amin (and their backward ops),
// argmax / argmin. The shape rules repeat the eager ops' checks with the same messages (the eager
// helpers are private to cpp/ops), so a bad graph fails when it is built, not when it runs.
//
// Gradients stay differentiable: permute's is a permute, flatten's a reshape, concat's slices
// whose gradient is a zero pad, pad's a pad_backward whose gradient is a pad (each is the other's
// adjoint), and amax_backward is linear in its gradient input (its own gradient routes through
// the same first-maximum mask; the mask itself is piecewise constant in x, so x gets none).
#include <climits>
#include <optional>

#include "graph/ir.h"
#include "graph/ops/builders.h"
#include "graph/ops/checks.h"
#include "ops/reduce.h"
#include "ops/shape.h"

namespace pg::graph {
namespace {

std::string ints_str(const std::vector<int64_t>& a) { return shape_str(Shape(a.begin(), a.end())); }

// As the eager shape ops word it: "op: arg = a is out of range for input with shape ...".
int64_t norm_axis(const char* op, const char* arg, int64_t a, const Shape& shape) {
  const int64_t nd = static_cast<int64_t>(shape.size());
  if (a < -nd || a >= nd)
    throw ValueError(cat(op, ": ", arg, " = ", a, " is out of range for input with shape ",
                         shape_str(shape), " (valid: ", -nd, "..", nd - 1, ")"));
  return a < 0 ? a + nd : a;
}

// ---- permute ----

std::vector<int64_t> check_perm(const char* op, const Shape& in, const std::vector<int64_t>& axes) {
  const int64_t nd = static_cast<int64_t>(in.size());
  if (static_cast<int64_t>(axes.size()) != nd)
    throw ValueError(cat(op, ": axes ", ints_str(axes), " has ", axes.size(),
                         " entries but input has ", nd, " dims (shape ", shape_str(in), ")"));
  std::vector<int64_t> perm(nd);
  std::vector<char> seen(nd, 0);
  for (int64_t i = 0; i < nd; ++i) {
    const int64_t a = axes[i];
    if (a < -nd || a >= nd || seen[a < 0 ? a + nd : a])
      throw ValueError(cat(op, ": axes ", ints_str(axes), " is not a permutation of 0..", nd - 1,
                           " (input shape ", shape_str(in), ")"));
    perm[i] = a < 0 ? a + nd : a;
    seen[perm[i]] = 1;
  }
  return perm;
}

std::vector<ValueType> infer_permute(const std::vector<ValueType>& in, const Attrs& attrs) {
  const std::vector<int64_t> perm = check_perm("permute", in[0].shape, attrs.ints("axes"));
  Shape out(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) out[i] = in[0].shape[perm[i]];
  return {{out, in[0].dtype}};
}

std::vector<Tensor> run_permute(const std::vector<Tensor>& in, const Attrs& attrs) {
  return {ops::permute(in[0], attrs.ints("axes"))};
}

// The gradient permutes back by the inverse permutation.
std::vector<ValueId> grad_permute(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  const Node n = g.node(id);
  const std::vector<int64_t> perm =
      check_perm("permute", g.shape(n.inputs[0]), n.attrs.ints("axes"));
  std::vector<int64_t> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inv[perm[i]] = static_cast<int64_t>(i);
  return {g.add1(OpId::permute, {gy[0]}, {{"axes", inv}})};
}

// ---- flatten ----

std::vector<ValueType> infer_flatten(const std::vector<ValueType>& in, const Attrs& attrs) {
  const Shape& x = in[0].shape;
  if (x.empty()) return {{{1}, in[0].dtype}};
  const int64_t start = attrs.i("start_axis"), end = attrs.i("end_axis");
  const int64_t s = norm_axis("flatten", "start_axis", start, x);
  const int64_t e = norm_axis("flatten", "end_axis", end, x);
  if (s > e)
    throw ValueError(cat("flatten: start_axis (", start, ") must not come after end_axis (", end,
                         ") for input with shape ", shape_str(x)));
  Shape out(x.begin(), x.begin() + s);
  int64_t n = 1;
  for (int64_t d = s; d <= e; ++d) n *= x[d];
  out.push_back(n);
  out.insert(out.end(), x.begin() + e + 1, x.end());
  return {{out, in[0].dtype}};
}

std::vector<Tensor> run_flatten(const std::vector<Tensor>& in, const Attrs& attrs) {
  return {ops::flatten(in[0], attrs.i("start_axis"), attrs.i("end_axis"))};
}

std::vector<ValueId> grad_flatten(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  const Shape in = g.shape(g.node(id).inputs[0]);
  return {g.add1(OpId::reshape, {gy[0]}, {{"shape", in}})};
}

// ---- concat and slice ----

std::vector<ValueType> infer_concat(const std::vector<ValueType>& in, const Attrs& attrs) {
  if (in.empty()) throw ValueError("concat: tensors is empty; pass at least one array");
  const ValueType& first = in[0];
  if (first.shape.empty())
    throw ValueError(
        "concat: tensors[0] is 0-dimensional; only arrays with an axis can be concatenated");
  const int64_t a = norm_axis("concat", "axis", attrs.i("axis"), first.shape);
  Shape out = first.shape;
  out[a] = 0;
  for (size_t k = 0; k < in.size(); ++k) {
    const ValueType& t = in[k];
    if (t.dtype != first.dtype)
      throw TypeError(cat("concat: tensors[", k, "] is ", dtype_name(t.dtype),
                          " but tensors[0] is ", dtype_name(first.dtype),
                          "; pass arrays of one dtype"));
    if (t.shape.size() != first.shape.size())
      throw ValueError(cat("concat: tensors[", k, "] has ", t.shape.size(), " dims (shape ",
                           shape_str(t.shape), ") but tensors[0] has ", first.shape.size(),
                           " (shape ", shape_str(first.shape), ")"));
    for (size_t d = 0; d < first.shape.size(); ++d)
      if (static_cast<int64_t>(d) != a && t.shape[d] != first.shape[d])
        throw ValueError(cat("concat: tensors[", k, "] has shape ", shape_str(t.shape),
                             " but tensors[0] has shape ", shape_str(first.shape),
                             "; they must agree on every axis except axis ", a));
    out[a] += t.shape[a];
  }
  return {{out, first.dtype}};
}

std::vector<Tensor> run_concat(const std::vector<Tensor>& in, const Attrs& attrs) {
  return {ops::concat(in, attrs.i("axis"))};
}

// slice(x; axis, start, stop): x[..., start:stop, ...] along one axis, as a pad that crops.
std::vector<int64_t> slice_pads(const Shape& in, const Attrs& attrs, bool check) {
  if (in.empty()) throw ValueError("slice: input is 0-dimensional; it has no axis to slice");
  const int64_t a = norm_axis("slice", "axis", attrs.i("axis"), in);
  const int64_t start = attrs.i("start"), stop = attrs.i("stop");
  if (check && (start < 0 || stop < start || stop > in[a]))
    throw ValueError(cat("slice: [", start, ":", stop, "] is not a range within axis ", a,
                         " of size ", in[a], " (input shape ", shape_str(in), ")"));
  const size_t k = in.size() - 1 - static_cast<size_t>(a);  // pair k pads axis a
  std::vector<int64_t> pads(2 * (k + 1), 0);
  pads[2 * k] = -start;
  pads[2 * k + 1] = -(in[a] - stop);
  return pads;
}

std::vector<ValueType> infer_slice(const std::vector<ValueType>& in, const Attrs& attrs) {
  slice_pads(in[0].shape, attrs, true);
  Shape out = in[0].shape;
  out[norm_axis("slice", "axis", attrs.i("axis"), out)] = attrs.i("stop") - attrs.i("start");
  return {{out, in[0].dtype}};
}

std::vector<Tensor> run_slice(const std::vector<Tensor>& in, const Attrs& attrs) {
  return {ops::pad(in[0], slice_pads(in[0].shape(), attrs, true), "constant", 0.0)};
}

// The gradient of a slice pads it back with zeros.
std::vector<ValueId> grad_slice(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  const Node n = g.node(id);
  std::vector<int64_t> pads = slice_pads(g.shape(n.inputs[0]), n.attrs, true);
  for (int64_t& p : pads) p = -p;
  return {g.add1(OpId::pad, {gy[0]},
                 {{"pad", pads}, {"mode", std::string("constant")}, {"value", 0.0}})};
}

// The gradient of concat slices gy back into the inputs' extents along the axis. (One
// single-output slice per input rather than a multi-output split: autodiff skips a node whose
// first output has no gradient, which would lose the other pieces' gradients in second order.)
std::vector<ValueId> grad_concat(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  const Node n = g.node(id);
  if (n.inputs.size() == 1) return {gy[0]};
  const int64_t a = norm_axis("concat", "axis", n.attrs.i("axis"), g.shape(n.inputs[0]));
  std::vector<ValueId> out;
  int64_t offset = 0;
  for (ValueId v : n.inputs) {
    const int64_t size = g.shape(v)[a];
    out.push_back(
        g.add1(OpId::slice, {gy[0]}, {{"axis", a}, {"start", offset}, {"stop", offset + size}}));
    offset += size;
  }
  return out;
}

// ---- pad and pad_backward ----

std::vector<ValueType> infer_pad(const std::vector<ValueType>& in, const Attrs& attrs) {
  return {{ops::pad_shape("pad", in[0].shape, attrs.ints("pad"), attrs.s("mode")), in[0].dtype}};
}

std::vector<Tensor> run_pad(const std::vector<Tensor>& in, const Attrs& attrs) {
  return {ops::pad(in[0], attrs.ints("pad"), attrs.s("mode"), attrs.f("value"))};
}

// The gradient crops (constant) or also folds the mirrored parts back (reflect, replicate).
std::vector<ValueId> grad_pad(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  const Node n = g.node(id);
  const Shape in = g.shape(n.inputs[0]);
  return {g.add1(OpId::pad_backward, {gy[0]},
                 {{"shape", in}, {"pad", n.attrs.ints("pad")}, {"mode", n.attrs.s("mode")}})};
}

// pad_backward(grad_output; shape, pad, mode): the adjoint of pad, from the padded shape to shape.
std::vector<ValueType> infer_pad_backward(const std::vector<ValueType>& in, const Attrs& attrs) {
  const Shape& shape = attrs.ints("shape");
  const Shape out = ops::pad_shape("pad_backward", shape, attrs.ints("pad"), attrs.s("mode"));
  if (in[0].shape != out)
    throw ValueError(cat("pad_backward: grad_output has shape ", shape_str(in[0].shape),
                         " but the padded output has shape ", shape_str(out)));
  return {{shape, in[0].dtype}};
}

std::vector<Tensor> run_pad_backward(const std::vector<Tensor>& in, const Attrs& attrs) {
  return {ops::pad_backward(in[0], attrs.ints("shape"), attrs.ints("pad"), attrs.s("mode"))};
}

std::vector<ValueId> grad_pad_backward(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  const Attrs attrs = g.node(id).attrs;
  return {g.add1(OpId::pad, {gy[0]},
                 {{"pad", attrs.ints("pad")}, {"mode", attrs.s("mode")}, {"value", 0.0}})};
}

// ---- amax / amin, argmax / argmin ----

template <bool Min>
std::vector<ValueType> infer_extreme(const std::vector<ValueType>& in, const Attrs& attrs) {
  const char* op = Min ? "amin" : "amax";
  check_float(op, "input", in[0]);
  const std::vector<bool> mask = ops::reduced_mask(op, in[0].shape, axis_list(attrs));
  const Shape out = ops::reduced_shape(in[0].shape, mask, keepdims(attrs));
  if (numel(out) > 0 && ops::reduced_count(in[0].shape, mask) == 0)
    throw ValueError(cat(op, ": cannot reduce over zero elements (input shape ",
                         shape_str(in[0].shape), ", reduced axes have size 0)"));
  return {{out, in[0].dtype}};
}

template <bool Min>
std::vector<Tensor> run_extreme(const std::vector<Tensor>& in, const Attrs& attrs) {
  return {Min ? ops::amin(in[0], axis_list(attrs), keepdims(attrs))
              : ops::amax(in[0], axis_list(attrs), keepdims(attrs))};
}

// The whole gradient of each output goes to the first extreme of its block (as the eager op).
template <bool Min>
std::vector<ValueId> grad_extreme(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  const Node n = g.node(id);
  const OpId back = Min ? OpId::amin_backward : OpId::amax_backward;
  return {g.add1(back, {gy[0], n.inputs[0]}, n.attrs)};
}

// amax_backward(grad_output, input; axis, keepdims) -> grad_input of the input's type.
template <bool Min>
std::vector<ValueType> infer_extreme_backward(const std::vector<ValueType>& in,
                                              const Attrs& attrs) {
  const char* op = Min ? "amin_backward" : "amax_backward";
  check_float(op, "input", in[1]);
  if (in[0].dtype != in[1].dtype)
    throw TypeError(cat(op, ": grad_output is ", dtype_name(in[0].dtype), " but input is ",
                        dtype_name(in[1].dtype), "; pass both as float32 or both as float64"));
  const std::vector<bool> mask = ops::reduced_mask(op, in[1].shape, axis_list(attrs));
  const Shape out = ops::reduced_shape(in[1].shape, mask, keepdims(attrs));
  if (in[0].shape != out)
    throw ValueError(cat(op, ": grad_output has shape ", shape_str(in[0].shape),
                         " but the forward output has shape ", shape_str(out)));
  return {in[1]};
}

template <bool Min>
std::vector<Tensor> run_extreme_backward(const std::vector<Tensor>& in, const Attrs& attrs) {
  return {Min ? ops::amin_backward(in[0], in[1], axis_list(attrs), keepdims(attrs))
              : ops::amax_backward(in[0], in[1], axis_list(attrs), keepdims(attrs))};
}

// Linear in grad_output: gx = route(gy) = mask * broadcast(gy), with the first-extreme mask
// route(1). Its adjoint gathers: g_gy = sum(gg * mask) over the reduced axes. The mask is
// piecewise constant in the input, which gets no gradient.
template <bool Min>
std::vector<ValueId> grad_extreme_backward(Graph& g, NodeId id, const std::vector<ValueId>& gg) {
  const Node n = g.node(id);
  const ValueId gy = n.inputs[0], x = n.inputs[1];
  const ValueId ones = broadcast_to(g, one_like(g, gy), g.shape(gy));
  const ValueId mask = g.add1(n.op, {ones, x}, n.attrs);
  Attrs sum_attrs{{"keepdims", int64_t{keepdims(n.attrs)}}};
  if (n.attrs.has("axis")) sum_attrs.set("axis", n.attrs.ints("axis"));
  ValueId v = g.add1(OpId::sum, {mul(g, gg[0], mask)}, sum_attrs);
  return {v, -1};
}

template <bool Min>
std::vector<ValueType> infer_arg(const std::vector<ValueType>& in, const Attrs& attrs) {
  const char* op = Min ? "argmin" : "argmax";
  check_float(op, "input", in[0]);
  ops::AxisList list;
  if (attrs.has("axis")) list = std::vector<int64_t>{attrs.i("axis")};
  const std::vector<bool> mask = ops::reduced_mask(op, in[0].shape, list);
  if (ops::reduced_count(in[0].shape, mask) == 0)
    throw ValueError(cat(op, ": cannot take the ", op, " of zero elements (input shape ",
                         shape_str(in[0].shape), ")"));
  return {{ops::reduced_shape(in[0].shape, mask, keepdims(attrs)), DType::i64}};
}

template <bool Min>
std::vector<Tensor> run_arg(const std::vector<Tensor>& in, const Attrs& attrs) {
  std::optional<int64_t> axis;
  if (attrs.has("axis")) axis = attrs.i("axis");
  return {Min ? ops::argmin(in[0], axis, keepdims(attrs))
              : ops::argmax(in[0], axis, keepdims(attrs))};
}

}  // namespace

// clang-format off
//                                   name             category inputs        shape rule                      kernel                         gradient                         MACs
extern const OpDef k_permute       = {"permute",       "shape",  1, 1,       infer_permute,                  run_permute,                   grad_permute,                    nullptr, "permute", 0};
extern const OpDef k_flatten       = {"flatten",       "shape",  1, 1,       infer_flatten,                  run_flatten,                   grad_flatten,                    nullptr, "Flatten", 0};
extern const OpDef k_concat        = {"concat",        "shape",  1, INT_MAX, infer_concat,                   run_concat,                    grad_concat,                     nullptr, "concat", 0};
extern const OpDef k_slice         = {"slice",         "shape",  1, 1,       infer_slice,                    run_slice,                     grad_slice,                      nullptr, "slice", 0};
extern const OpDef k_pad           = {"pad",           "shape",  1, 1,       infer_pad,                      run_pad,                       grad_pad,                        nullptr, "pad", 0};
extern const OpDef k_pad_backward  = {"pad_backward",  "grad",   1, 1,       infer_pad_backward,             run_pad_backward,              grad_pad_backward,               nullptr, nullptr, 0};
extern const OpDef k_amax          = {"amax",          "reduce", 1, 1,       infer_extreme<false>,           run_extreme<false>,            grad_extreme<false>,             nullptr, "max", 0};
extern const OpDef k_amin          = {"amin",          "reduce", 1, 1,       infer_extreme<true>,            run_extreme<true>,             grad_extreme<true>,              nullptr, "min", 0};
extern const OpDef k_amax_backward = {"amax_backward", "grad",   2, 2,       infer_extreme_backward<false>,  run_extreme_backward<false>,   grad_extreme_backward<false>,    nullptr, nullptr, 0};
extern const OpDef k_amin_backward = {"amin_backward", "grad",   2, 2,       infer_extreme_backward<true>,   run_extreme_backward<true>,    grad_extreme_backward<true>,     nullptr, nullptr, 0};
extern const OpDef k_argmax        = {"argmax",        "reduce", 1, 1,       infer_arg<false>,               run_arg<false>,                nullptr,                         nullptr, "argmax", 0};
extern const OpDef k_argmin        = {"argmin",        "reduce", 1, 1,       infer_arg<true>,                run_arg<true>,                 nullptr,                         nullptr, "argmin", 0};
// clang-format on

}  // namespace pg::graph
