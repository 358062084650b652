// Softmax, log-softmax, layer norm, batch norm and dropout. The softmax gradients and dropout's
// are compositions of primitives (differentiable again); layer_norm and batch_norm emit a
// backward op of category "grad" that calls the eager backward of cpp/ops/norm.h.
//
// Optional inputs are trailing: layer_norm(x[, weight[, bias]]), batch_norm(x, running_mean,
// running_var[, weight[, bias]]); pygraph.functional fills a missing weight with ones when only
// the bias is given.
#include "ops/norm.h"

#include "graph/ir.h"
#include "graph/ops/builders.h"
#include "graph/ops/checks.h"
#include "graph/run_context.h"
#include "ops/dropout.h"

namespace pg::graph {
namespace {

// A per-channel (per-feature) parameter of exactly `shape`, the input's dtype.
void check_param(const char* op, const char* arg, const ValueType& t, const Shape& shape,
                 const ValueType& x, const char* what) {
  check_dtype(op, arg, t, x);
  if (t.shape != shape)
    throw ValueError(cat(op, ": ", arg, " has shape ", shape_str(t.shape), " but must be ",
                         shape_str(shape), " (", what, ") for input ", shape_str(x.shape)));
}

// ---- softmax, log_softmax ----

int64_t softmax_axis(const char* op, const ValueType& x, int64_t axis) {
  check_float(op, "input", x);
  check_nonempty(op, x);
  const int64_t nd = static_cast<int64_t>(x.shape.size());
  if (nd == 0) throw ValueError(cat(op, ": input must have at least 1 dim, got a 0-d array"));
  if (axis < -nd || axis >= nd)
    throw ValueError(cat(op, ": axis ", axis, " is out of range for input of shape ",
                         shape_str(x.shape), " (", nd, " dims)"));
  return axis < 0 ? axis + nd : axis;
}

template <bool Log>
std::vector<ValueType> infer_softmax(const std::vector<ValueType>& in, const Attrs& attrs) {
  softmax_axis(Log ? "log_softmax" : "softmax", in[0], attrs.i("axis"));
  return {in[0]};
}

std::vector<Tensor> run_softmax(const std::vector<Tensor>& in, const Attrs& attrs) {
  return {ops::softmax(in[0], attrs.i("axis"))};
}

std::vector<Tensor> run_log_softmax(const std::vector<Tensor>& in, const Attrs& attrs) {
  return {ops::log_softmax(in[0], attrs.i("axis"))};
}

ValueId sum_keep(Graph& g, ValueId v, int64_t axis) {
  return g.add1(OpId::sum, {v}, {{"axis", std::vector<int64_t>{axis}}, {"keepdims", int64_t{1}}});
}

// y = softmax(x): gx = y (gy - sum(gy y, axis))
std::vector<ValueId> grad_softmax(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  const Node n = g.node(id);
  const ValueId y = n.outputs[0];
  return {mul(g, y, sub(g, gy[0], sum_keep(g, mul(g, gy[0], y), n.attrs.i("axis"))))};
}

// y = log_softmax(x): gx = gy - exp(y) sum(gy, axis)
std::vector<ValueId> grad_log_softmax(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  const Node n = g.node(id);
  const ValueId p = g.add1(OpId::exp, {n.outputs[0]});
  return {sub(g, gy[0], mul(g, p, sum_keep(g, gy[0], n.attrs.i("axis"))))};
}

// ---- layer_norm(x[, weight[, bias]]) ----

void check_eps(const char* op, double eps) {
  if (!(eps >= 0)) throw ValueError(cat(op, ": eps must be >= 0, got ", eps));
}

// Checks x and the optional weight/bias (in[first], in[first + 1]) as the eager op does.
void check_layer_norm(const char* op, const std::vector<ValueType>& in, size_t first,
                      const Attrs& attrs) {
  const ValueType& x = in[first - 1];
  const Shape& ns = attrs.ints("normalized_shape");
  check_float(op, "input", x);
  check_nonempty(op, x);
  const size_t k = ns.size();
  bool ok = k >= 1 && k <= x.shape.size();
  for (size_t i = 0; ok && i < k; ++i) ok = ns[i] == x.shape[x.shape.size() - k + i];
  if (!ok)
    throw ValueError(cat(op, ": normalized_shape ", shape_str(ns),
                         " must be 1 or more trailing dims of input ", shape_str(x.shape)));
  const char* names[] = {"weight", "bias"};
  for (size_t j = first; j < in.size(); ++j)
    check_param(op, names[j - first], in[j], ns, x, "normalized_shape");
  check_eps(op, attrs.f("eps"));
}

std::vector<ValueType> infer_layer_norm(const std::vector<ValueType>& in, const Attrs& attrs) {
  check_layer_norm("layer_norm", in, 1, attrs);
  return {in[0]};
}

std::vector<Tensor> run_layer_norm(const std::vector<Tensor>& in, const Attrs& attrs) {
  return {ops::layer_norm(in[0], attrs.ints("normalized_shape"), opt(in, 1), opt(in, 2),
                          attrs.f("eps"))[0]};
}

// layer_norm_backward(gy, x[, weight[, bias]]) -> (gx[, gweight[, gbias]])
std::vector<ValueType> infer_layer_norm_backward(const std::vector<ValueType>& in,
                                                 const Attrs& attrs) {
  check_layer_norm("layer_norm_backward", in, 2, attrs);
  if (in[0].shape != in[1].shape)
    throw ValueError(cat("layer_norm_backward: grad_output has shape ", shape_str(in[0].shape),
                         " but must match input ", shape_str(in[1].shape)));
  return std::vector<ValueType>(in.begin() + 1, in.end());
}

std::vector<Tensor> run_layer_norm_backward(const std::vector<Tensor>& in, const Attrs& attrs) {
  const auto out = ops::layer_norm_backward(in[0], in[1], attrs.ints("normalized_shape"),
                                            opt(in, 2), opt(in, 3), attrs.f("eps"));
  return std::vector<Tensor>(out.begin(), out.begin() + static_cast<int64_t>(in.size()) - 1);
}

std::vector<ValueId> grad_layer_norm(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  const Node n = g.node(id);
  std::vector<ValueId> ins{gy[0]};
  ins.insert(ins.end(), n.inputs.begin(), n.inputs.end());
  return g.add(OpId::layer_norm_backward, ins, n.attrs);
}

// ---- batch_norm(x, running_mean, running_var[, weight[, bias]]) ----

void check_batch_norm(const char* op, const std::vector<ValueType>& in, size_t first, bool training,
                      double eps) {
  const ValueType& x = in[first];
  check_float(op, "input", x);
  check_nonempty(op, x);
  if (x.shape.size() < 2)
    throw ValueError(cat(op, ": input must be (N, C), (N, C, L) or (N, C, H, W), got shape ",
                         shape_str(x.shape)));
  const Shape cs{x.shape[1]};
  const char* names[] = {"running_mean", "running_var", "weight", "bias"};
  for (size_t j = first + 1; j < in.size(); ++j)
    check_param(op, names[j - first - 1], in[j], cs, x, "one value per channel");
  if (training && numel(x.shape) / x.shape[1] < 2)
    throw ValueError(
        cat(op, ": training needs more than 1 value per channel, got input ", shape_str(x.shape)));
  check_eps(op, eps);
}

std::vector<ValueType> infer_batch_norm(const std::vector<ValueType>& in, const Attrs& attrs) {
  check_batch_norm("batch_norm", in, 0, attrs.i("training") != 0, attrs.f("eps"));
  const double momentum = attrs.f("momentum");
  if (!(momentum >= 0 && momentum <= 1))
    throw ValueError(cat("batch_norm: momentum must be in [0, 1], got ", momentum));
  return {in[0]};
}

// Training normalizes with the batch statistics; the running statistics are NOT updated (the
// eager op would update them in place: they are passed undefined so the graph's data stays).
std::vector<Tensor> run_batch_norm(const std::vector<Tensor>& in, const Attrs& attrs) {
  const bool training = attrs.i("training") != 0;
  return {ops::batch_norm(in[0], training ? Tensor() : in[1], training ? Tensor() : in[2],
                          opt(in, 3), opt(in, 4), training, attrs.f("momentum"),
                          attrs.f("eps"))[0]};
}

// batch_norm_backward(gy, x, running_mean, running_var[, weight[, bias]])
//   -> (gx[, gweight[, gbias]])
std::vector<ValueType> infer_batch_norm_backward(const std::vector<ValueType>& in,
                                                 const Attrs& attrs) {
  check_batch_norm("batch_norm_backward", in, 1, attrs.i("training") != 0, attrs.f("eps"));
  if (in[0].shape != in[1].shape)
    throw ValueError(cat("batch_norm_backward: grad_output has shape ", shape_str(in[0].shape),
                         " but must match input ", shape_str(in[1].shape)));
  std::vector<ValueType> out{in[1]};
  out.insert(out.end(), in.begin() + 4, in.end());
  return out;
}

std::vector<Tensor> run_batch_norm_backward(const std::vector<Tensor>& in, const Attrs& attrs) {
  const bool training = attrs.i("training") != 0;
  const auto out = ops::batch_norm_backward(in[0], in[1], training ? Tensor() : in[2],
                                            training ? Tensor() : in[3], opt(in, 4), opt(in, 5),
                                            training, attrs.f("eps"), Tensor(), Tensor());
  return std::vector<Tensor>(out.begin(), out.begin() + static_cast<int64_t>(in.size()) - 3);
}

// The running statistics get no gradient (they are buffers, as in torch).
std::vector<ValueId> grad_batch_norm(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  const Node n = g.node(id);
  std::vector<ValueId> ins{gy[0]};
  ins.insert(ins.end(), n.inputs.begin(), n.inputs.end());
  const std::vector<ValueId> gs =
      g.add(OpId::batch_norm_backward, ins,
            {{"training", n.attrs.i("training")}, {"eps", n.attrs.f("eps")}});
  std::vector<ValueId> out{gs[0], -1, -1};
  out.insert(out.end(), gs.begin() + 1, gs.end());
  return out;
}

// ---- dropout(x) -> (y, mask) ----

std::vector<ValueType> infer_dropout(const std::vector<ValueType>& in, const Attrs& attrs) {
  check_float("dropout", "input", in[0]);
  const double p = attrs.f("p");
  if (!(p >= 0 && p <= 1)) throw ValueError(cat("dropout: p must be in [0, 1], got ", p));
  return {in[0], in[0]};
}

// fresh=1 (no seed given): call k of a compiled program draws from (seed, k), so every call
// has a new mask and a rerun of the same calls repeats them; call 0 uses the seed itself.
std::vector<Tensor> run_dropout(const std::vector<Tensor>& in, const Attrs& attrs) {
  uint64_t seed = static_cast<uint64_t>(attrs.i("seed"));
  const uint64_t call = attrs.has("fresh") && attrs.i("fresh") ? current_call() : 0;
  if (call) {  // splitmix64 of (seed, call): neighbouring calls get unrelated streams
    uint64_t z = seed + call * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    seed = (z ^ (z >> 31)) >> 1;  // the seed attribute is a non-negative int64
  }
  return ops::dropout(in[0], attrs.f("p"), attrs.i("training") != 0, seed);
}

// gx = gy * mask / (1 - p) (mask is all ones outside training); the mask gets no gradient.
std::vector<ValueId> grad_dropout(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  const Node n = g.node(id);
  if (n.attrs.i("training") == 0) return {gy[0]};
  const double p = n.attrs.f("p");
  const ValueId kept = mul(g, gy[0], n.outputs[1]);
  return {mul(g, kept, g.scalar(p < 1 ? 1.0 / (1.0 - p) : 0.0, g.value(kept).type.dtype))};
}

}  // namespace

// clang-format off
//                                         name                   category inputs shape rule                 kernel                   gradient          MACs
extern const OpDef k_softmax             = {"softmax",             "norm", 1, 1, infer_softmax<false>,      run_softmax,             grad_softmax,     nullptr, "Softmax", 0};
extern const OpDef k_log_softmax         = {"log_softmax",         "norm", 1, 1, infer_softmax<true>,       run_log_softmax,         grad_log_softmax, nullptr, "LogSoftmax", 0};
extern const OpDef k_layer_norm          = {"layer_norm",          "norm", 1, 3, infer_layer_norm,          run_layer_norm,          grad_layer_norm,  nullptr, "LayerNorm", 6};
extern const OpDef k_layer_norm_backward = {"layer_norm_backward", "grad", 2, 4, infer_layer_norm_backward, run_layer_norm_backward, nullptr,          nullptr, nullptr, 0};
extern const OpDef k_batch_norm          = {"batch_norm",          "norm", 3, 5, infer_batch_norm,          run_batch_norm,          grad_batch_norm,  nullptr, "BatchNorm", 24};
extern const OpDef k_batch_norm_backward = {"batch_norm_backward", "grad", 4, 6, infer_batch_norm_backward, run_batch_norm_backward, nullptr,          nullptr, nullptr, 0};
extern const OpDef k_dropout             = {"dropout",             "norm", 1, 1, infer_dropout,             run_dropout,             grad_dropout,     nullptr, "Dropout", 0};
// clang-format on

}  // namespace pg::graph
