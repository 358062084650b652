// Reductions and data movement: sum, mean, sum_to / broadcast_to (each other's gradient),
// reshape, transpose, and fill (a source of constants such as the seed of a gradient).
#include "ops/shape.h"

#include "graph/ir.h"
#include "graph/ops/builders.h"
#include "graph/ops/checks.h"
#include "ops/eltwise.h"
#include "ops/reduce.h"

namespace pg::graph {
namespace {

int64_t norm_axis(const char* op, int64_t axis, size_t ndim, const Shape& shape) {
  const int64_t n = static_cast<int64_t>(ndim);
  if (axis < -n || axis >= n)
    throw ValueError(cat(op, ": axis ", axis, " is out of range for input of shape ",
                         shape_str(shape), " (", n, " dims)"));
  return axis < 0 ? axis + n : axis;
}

template <bool Mean>
std::vector<ValueType> infer_reduce(const std::vector<ValueType>& in, const Attrs& attrs) {
  const auto mask = ops::reduced_mask(Mean ? "mean" : "sum", in[0].shape, axis_list(attrs));
  return {{ops::reduced_shape(in[0].shape, mask, keepdims(attrs)), in[0].dtype}};
}

std::vector<Tensor> run_sum(const std::vector<Tensor>& in, const Attrs& attrs) {
  return {ops::sum(in[0], axis_list(attrs), keepdims(attrs))};
}

std::vector<Tensor> run_mean(const std::vector<Tensor>& in, const Attrs& attrs) {
  return {ops::mean(in[0], axis_list(attrs), keepdims(attrs))};
}

// The gradient of a reduction spreads gy back over the reduced axes (scaled by 1/count for mean).
template <bool Mean>
std::vector<ValueId> grad_reduce(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  const Node n = g.node(id);
  const Shape in = g.shape(n.inputs[0]);
  const auto mask = ops::reduced_mask(Mean ? "mean" : "sum", in, axis_list(n.attrs));
  ValueId v = gy[0];
  const Shape kept = ops::reduced_shape(in, mask, true);
  if (g.shape(v) != kept) v = g.add1(OpId::reshape, {v}, {{"shape", kept}});
  v = broadcast_to(g, v, in);
  if (Mean) {
    const double count = static_cast<double>(ops::reduced_count(in, mask));
    v = mul(g, v, g.scalar(1.0 / count, g.value(v).type.dtype));
  }
  return {v};
}

std::vector<ValueType> infer_sum_to(const std::vector<ValueType>& in, const Attrs& attrs) {
  const Shape& target = attrs.ints("shape");
  if (ops::broadcast_shapes("sum_to", target, in[0].shape) != in[0].shape)
    throw ValueError(
        cat("sum_to: cannot sum ", shape_str(in[0].shape), " down to ", shape_str(target)));
  return {{target, in[0].dtype}};
}

std::vector<Tensor> run_sum_to(const std::vector<Tensor>& in, const Attrs& attrs) {
  return {ops::sum_to(in[0], attrs.ints("shape"))};
}

std::vector<ValueId> grad_sum_to(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  return {broadcast_to(g, gy[0], g.shape(g.node(id).inputs[0]))};
}

std::vector<ValueType> infer_broadcast_to(const std::vector<ValueType>& in, const Attrs& attrs) {
  const Shape& target = attrs.ints("shape");
  if (ops::broadcast_shapes("broadcast_to", in[0].shape, target) != target)
    throw ValueError(
        cat("broadcast_to: cannot broadcast ", shape_str(in[0].shape), " to ", shape_str(target)));
  return {{target, in[0].dtype}};
}

std::vector<Tensor> run_broadcast_to(const std::vector<Tensor>& in, const Attrs& attrs) {
  Tensor zeros = Tensor::zeros(attrs.ints("shape"), in[0].dtype(), "broadcast_to");
  return {ops::binary(kernels::Binary::add, zeros, in[0])};
}

std::vector<ValueId> grad_broadcast_to(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  return {sum_to(g, gy[0], g.shape(g.node(id).inputs[0]))};
}

std::vector<ValueType> infer_reshape(const std::vector<ValueType>& in, const Attrs& attrs) {
  Shape out = attrs.ints("shape");
  int64_t known = 1, infer = -1, total = 1;
  for (int64_t d : in[0].shape) total *= d;
  for (size_t k = 0; k < out.size(); ++k) {
    if (out[k] == -1 && infer < 0)
      infer = static_cast<int64_t>(k);
    else if (out[k] < 0)
      throw ValueError(cat("reshape: bad target shape ", shape_str(out), " (one -1 at most)"));
    else
      known *= out[k];
  }
  if (infer >= 0 && known > 0 && total % known == 0) out[infer] = total / known;
  int64_t n = 1;
  for (int64_t d : out) n *= d;
  if (n != total || (infer >= 0 && known == 0))
    throw ValueError(cat("reshape: cannot reshape input of shape ", shape_str(in[0].shape), " (",
                         total, " elements) into ", shape_str(attrs.ints("shape"))));
  return {{out, in[0].dtype}};
}

std::vector<Tensor> run_reshape(const std::vector<Tensor>& in, const Attrs& attrs) {
  return {ops::reshape(in[0], attrs.ints("shape"))};
}

std::vector<ValueId> grad_reshape(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  const Shape in = g.shape(g.node(id).inputs[0]);
  return {g.add1(OpId::reshape, {gy[0]}, {{"shape", in}})};
}

std::vector<ValueType> infer_transpose(const std::vector<ValueType>& in, const Attrs& attrs) {
  Shape out = in[0].shape;
  const int64_t a = norm_axis("transpose", attrs.i("axis0"), out.size(), out);
  const int64_t b = norm_axis("transpose", attrs.i("axis1"), out.size(), out);
  std::swap(out[a], out[b]);
  return {{out, in[0].dtype}};
}

std::vector<Tensor> run_transpose(const std::vector<Tensor>& in, const Attrs& attrs) {
  return {ops::transpose(in[0], attrs.i("axis0"), attrs.i("axis1"))};
}

std::vector<ValueId> grad_transpose(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  const Attrs attrs = g.node(id).attrs;
  return {g.add1(OpId::transpose, {gy[0]}, attrs)};
}

DType dtype_attr(const Attrs& attrs) {
  const std::string& d = attrs.s("dtype");
  if (d == "float32") return DType::f32;
  if (d == "float64") return DType::f64;
  throw TypeError(cat("fill: dtype must be 'float32' or 'float64', got '", d, "'"));
}

std::vector<ValueType> infer_fill(const std::vector<ValueType>&, const Attrs& attrs) {
  return {{attrs.ints("shape"), dtype_attr(attrs)}};
}

std::vector<Tensor> run_fill(const std::vector<Tensor>&, const Attrs& attrs) {
  Tensor t = Tensor::empty(attrs.ints("shape"), dtype_attr(attrs), "fill");
  const double v = attrs.f("value");
  if (t.dtype() == DType::f32)
    std::fill(t.data<float>(), t.data<float>() + t.numel(), static_cast<float>(v));
  else
    std::fill(t.data<double>(), t.data<double>() + t.numel(), v);
  return {t};
}

}  // namespace

// clang-format off
//                                  name            category  inputs  shape rule           kernel            gradient            MACs
extern const OpDef k_sum          = {"sum",          "reduce", 1, 1, infer_reduce<false>, run_sum,          grad_reduce<false>, nullptr, "Σ", 0};
extern const OpDef k_mean         = {"mean",         "reduce", 1, 1, infer_reduce<true>,  run_mean,         grad_reduce<true>,  nullptr, "mean", 0};
extern const OpDef k_sum_to       = {"sum_to",       "grad",   1, 1, infer_sum_to,        run_sum_to,       grad_sum_to,        nullptr, "Σ to shape", 0};
extern const OpDef k_broadcast_to = {"broadcast_to", "grad",   1, 1, infer_broadcast_to,  run_broadcast_to, grad_broadcast_to,  nullptr, "broadcast", 0};
extern const OpDef k_reshape      = {"reshape",      "shape",  1, 1, infer_reshape,       run_reshape,      grad_reshape,       nullptr, "reshape", 0};
extern const OpDef k_transpose    = {"transpose",    "shape",  1, 1, infer_transpose,     run_transpose,    grad_transpose,     nullptr, "ᵀ", 0};
extern const OpDef k_fill         = {"fill",         "source", 0, 0, infer_fill,          run_fill,         nullptr,            nullptr, "fill", 0};
// clang-format on

}  // namespace pg::graph
