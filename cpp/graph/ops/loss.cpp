// Losses with torch's reductions ("mean", "sum", "none"): cross_entropy and nll_loss over int64
// class labels, mse_loss, binary_cross_entropy(_with_logits). Each gradient is a backward op of
// category "grad" calling the eager backward of cpp/ops/loss.h. Integer labels and the optional
// class / element weights get no gradient; a float target of a pointwise loss does.
//
// Inputs: cross_entropy / nll_loss (input, target[, weight]); mse_loss (input, target);
// binary_cross_entropy (input, target[, weight]); binary_cross_entropy_with_logits (input,
// target[, weight[, pos_weight]]). Pointwise weights broadcast to input's shape.
#include "ops/loss.h"

#include "graph/ir.h"
#include "graph/ops/builders.h"
#include "graph/ops/checks.h"
#include "ops/eltwise.h"

namespace pg::graph {
namespace {

bool check_reduction(const char* op, const Attrs& attrs) {  // true: the loss is reduced
  const std::string& r = attrs.s("reduction");
  if (r != "mean" && r != "sum" && r != "none")
    throw ValueError(cat(op, ": reduction must be 'mean', 'sum' or 'none', got '", r, "'"));
  return r != "none";
}

// grad_output of a backward op: a scalar for a reduced loss, else the loss's shape.
void check_grad_output(const char* op, const ValueType& gy, bool reduced, const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : gy.shape) n *= d;
  if (!reduced && gy.shape != shape)
    throw ValueError(cat(op, ": grad_output has shape ", shape_str(gy.shape),
                         " but reduction='none' needs the loss shape ", shape_str(shape)));
  if (reduced && n != 1)
    throw ValueError(cat(op, ": grad_output must be a scalar for a reduced loss, got shape ",
                         shape_str(gy.shape)));
}

// ---- class losses: input (N, C, d1, ...) or (C), target int64 (N, d1, ...) or () ----

// The per-position loss shape (input without its class dim), after the eager op's checks.
// The label values are checked when the graph runs.
Shape class_loss_shape(const char* op, const std::vector<ValueType>& in, size_t first) {
  const ValueType &x = in[first], &t = in[first + 1];
  check_float(op, "input", x);
  if (in.size() > first + 2) check_dtype(op, "weight", in[first + 2], x);
  if (t.dtype != DType::i64)
    throw TypeError(cat(op, ": target must hold integer class labels (int64), got ",
                        dtype_name(t.dtype), " with shape ", shape_str(t.shape)));
  check_nonempty(op, x);
  if (x.shape.empty())
    throw ValueError(cat(op, ": input must be (N, C) or (N, C, d1, ...), got a 0-d array"));
  Shape expect;
  int64_t C = x.shape[0];
  if (x.shape.size() == 1) {
    if (t.shape.size() <= 1 && (t.shape.empty() || t.shape[0] == 1)) expect = t.shape;
  } else {
    C = x.shape[1];
    expect.push_back(x.shape[0]);
    expect.insert(expect.end(), x.shape.begin() + 2, x.shape.end());
  }
  if (t.shape != expect)
    throw ValueError(cat(op, ": target has shape ", shape_str(t.shape), " but input ",
                         shape_str(x.shape), " needs target shape ", shape_str(expect),
                         " (input without its class dim 1)"));
  if (in.size() > first + 2 && in[first + 2].shape != Shape{C})
    throw ValueError(cat(op, ": weight has shape ", shape_str(in[first + 2].shape),
                         " but must be (", C, ") (one value per class) for input ",
                         shape_str(x.shape)));
  return expect;
}

void check_smoothing(const char* op, const Attrs& attrs) {
  if (!attrs.has("label_smoothing")) return;
  const double s = attrs.f("label_smoothing");
  if (!(s >= 0 && s <= 1))
    throw ValueError(cat(op, ": label_smoothing must be in [0, 1], got ", s));
}

template <bool Logits>
std::vector<ValueType> infer_class_loss(const std::vector<ValueType>& in, const Attrs& attrs) {
  const char* op = Logits ? "cross_entropy" : "nll_loss";
  const bool reduced = check_reduction(op, attrs);
  check_smoothing(op, attrs);
  const Shape loss = class_loss_shape(op, in, 0);
  return {{reduced ? Shape{} : loss, in[0].dtype}};
}

template <bool Logits>
std::vector<ValueType> infer_class_loss_backward(const std::vector<ValueType>& in,
                                                 const Attrs& attrs) {
  const char* op = Logits ? "cross_entropy_backward" : "nll_loss_backward";
  const bool reduced = check_reduction(op, attrs);
  check_smoothing(op, attrs);
  const Shape loss = class_loss_shape(op, in, 1);
  check_dtype(op, "grad_output", in[0], in[1]);
  check_grad_output(op, in[0], reduced, loss);
  return {in[1]};
}

std::vector<Tensor> run_cross_entropy(const std::vector<Tensor>& in, const Attrs& a) {
  return {ops::cross_entropy(in[0], in[1], opt(in, 2), a.i("ignore_index"), a.s("reduction"),
                             a.f("label_smoothing"))};
}

std::vector<Tensor> run_cross_entropy_backward(const std::vector<Tensor>& in, const Attrs& a) {
  return {ops::cross_entropy_backward(in[0], in[1], in[2], opt(in, 3), a.i("ignore_index"),
                                      a.s("reduction"), a.f("label_smoothing"))[0]};
}

std::vector<Tensor> run_nll_loss(const std::vector<Tensor>& in, const Attrs& a) {
  return {ops::nll_loss(in[0], in[1], opt(in, 2), a.i("ignore_index"), a.s("reduction"))};
}

std::vector<Tensor> run_nll_loss_backward(const std::vector<Tensor>& in, const Attrs& a) {
  return {ops::nll_loss_backward(in[0], in[1], in[2], opt(in, 3), a.i("ignore_index"),
                                 a.s("reduction"))[0]};
}

// (gy, input, target[, weight]) -> backward op -> gradient of input only.
template <OpId Backward>
std::vector<ValueId> grad_class_loss(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  const Node n = g.node(id);
  std::vector<ValueId> ins{gy[0]};
  ins.insert(ins.end(), n.inputs.begin(), n.inputs.end());
  std::vector<ValueId> out(n.inputs.size(), -1);
  out[0] = g.add1(Backward, ins, n.attrs);
  return out;
}

// ---- pointwise losses: input, target (input's shape), weight and pos_weight broadcast ----

const char* const kPointArgs[] = {"input", "target", "weight", "pos_weight"};

void check_point_args(const char* op, const std::vector<ValueType>& in, size_t first) {
  const ValueType& x = in[first];
  check_float(op, "input", x);
  for (size_t k = first + 1; k < in.size(); ++k) check_dtype(op, kPointArgs[k - first], in[k], x);
  check_nonempty(op, x);
  if (in[first + 1].shape != x.shape)
    throw ValueError(cat(op, ": target has shape ", shape_str(in[first + 1].shape),
                         " but must match input ", shape_str(x.shape)));
  for (size_t k = first + 2; k < in.size(); ++k)
    if (ops::broadcast_shapes(op, in[k].shape, x.shape) != x.shape)
      throw ValueError(cat(op, ": ", kPointArgs[k - first], " has shape ", shape_str(in[k].shape),
                           " but must broadcast to input ", shape_str(x.shape)));
}

template <const char* Name>
std::vector<ValueType> infer_point_loss(const std::vector<ValueType>& in, const Attrs& attrs) {
  const bool reduced = check_reduction(Name, attrs);
  check_point_args(Name, in, 0);
  return {{reduced ? Shape{} : in[0].shape, in[0].dtype}};
}

template <const char* Name>
std::vector<ValueType> infer_point_loss_backward(const std::vector<ValueType>& in,
                                                 const Attrs& attrs) {
  const std::string op = std::string(Name) + "_backward";
  const bool reduced = check_reduction(op.c_str(), attrs);
  check_point_args(op.c_str(), in, 1);
  check_dtype(op.c_str(), "grad_output", in[0], in[1]);
  check_grad_output(op.c_str(), in[0], reduced, in[1].shape);
  return {in[1], in[2]};
}

// An optional weight, broadcast to `shape` (the eager op wants it at input's shape).
Tensor expand(const std::vector<Tensor>& in, size_t k, const Shape& shape) {
  if (k >= in.size() || in[k].shape() == shape) return opt(in, k);
  Tensor zeros = Tensor::zeros(shape, in[k].dtype(), "loss");
  return ops::binary(kernels::Binary::add, zeros, in[k]);
}

std::vector<Tensor> run_mse_loss(const std::vector<Tensor>& in, const Attrs& a) {
  return {ops::mse_loss(in[0], in[1], a.s("reduction"))};
}

std::vector<Tensor> run_mse_loss_backward(const std::vector<Tensor>& in, const Attrs& a) {
  return ops::mse_loss_backward(in[0], in[1], in[2], a.s("reduction"));
}

std::vector<Tensor> run_bce(const std::vector<Tensor>& in, const Attrs& a) {
  return {ops::binary_cross_entropy(in[0], in[1], expand(in, 2, in[0].shape()), a.s("reduction"))};
}

std::vector<Tensor> run_bce_backward(const std::vector<Tensor>& in, const Attrs& a) {
  return ops::binary_cross_entropy_backward(in[0], in[1], in[2], expand(in, 3, in[1].shape()),
                                            a.s("reduction"));
}

std::vector<Tensor> run_bce_logits(const std::vector<Tensor>& in, const Attrs& a) {
  const Shape& s = in[0].shape();
  return {ops::binary_cross_entropy_with_logits(in[0], in[1], expand(in, 2, s), a.s("reduction"),
                                                expand(in, 3, s))};
}

std::vector<Tensor> run_bce_logits_backward(const std::vector<Tensor>& in, const Attrs& a) {
  const Shape& s = in[1].shape();
  return ops::binary_cross_entropy_with_logits_backward(in[0], in[1], in[2], expand(in, 3, s),
                                                        a.s("reduction"), expand(in, 4, s));
}

// (gy, input, target[, weights]) -> backward op -> gradients of input and target.
template <OpId Backward>
std::vector<ValueId> grad_point_loss(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  const Node n = g.node(id);
  std::vector<ValueId> ins{gy[0]};
  ins.insert(ins.end(), n.inputs.begin(), n.inputs.end());
  const std::vector<ValueId> gs = g.add(Backward, ins, n.attrs);
  std::vector<ValueId> out(n.inputs.size(), -1);
  out[0] = gs[0];
  out[1] = gs[1];
  return out;
}

constexpr char kMse[] = "mse_loss";
constexpr char kBce[] = "binary_cross_entropy";
constexpr char kBceLogits[] = "binary_cross_entropy_with_logits";

}  // namespace

// clang-format off
//                                                              name                                        category inputs shape rule                          kernel                       gradient                                                        MACs
extern const OpDef k_cross_entropy                            = {"cross_entropy",                            "loss", 2, 3, infer_class_loss<true>,               run_cross_entropy,           grad_class_loss<OpId::cross_entropy_backward>,                  nullptr, "CrossEntropy", 0};
extern const OpDef k_cross_entropy_backward                   = {"cross_entropy_backward",                   "grad", 3, 4, infer_class_loss_backward<true>,      run_cross_entropy_backward,  nullptr,                                                        nullptr, nullptr, 0};
extern const OpDef k_nll_loss                                 = {"nll_loss",                                 "loss", 2, 3, infer_class_loss<false>,              run_nll_loss,                grad_class_loss<OpId::nll_loss_backward>,                       nullptr, "NLLLoss", 0};
extern const OpDef k_nll_loss_backward                        = {"nll_loss_backward",                        "grad", 3, 4, infer_class_loss_backward<false>,     run_nll_loss_backward,       nullptr,                                                        nullptr, nullptr, 0};
extern const OpDef k_mse_loss                                 = {"mse_loss",                                 "loss", 2, 2, infer_point_loss<kMse>,               run_mse_loss,                grad_point_loss<OpId::mse_loss_backward>,                       nullptr, "MSELoss", 0};
extern const OpDef k_mse_loss_backward                        = {"mse_loss_backward",                        "grad", 3, 3, infer_point_loss_backward<kMse>,      run_mse_loss_backward,       nullptr,                                                        nullptr, nullptr, 0};
extern const OpDef k_binary_cross_entropy                     = {"binary_cross_entropy",                     "loss", 2, 3, infer_point_loss<kBce>,               run_bce,                     grad_point_loss<OpId::binary_cross_entropy_backward>,           nullptr, "BCELoss", 0};
extern const OpDef k_binary_cross_entropy_backward            = {"binary_cross_entropy_backward",            "grad", 3, 4, infer_point_loss_backward<kBce>,      run_bce_backward,            nullptr,                                                        nullptr, nullptr, 0};
extern const OpDef k_binary_cross_entropy_with_logits         = {"binary_cross_entropy_with_logits",         "loss", 2, 4, infer_point_loss<kBceLogits>,         run_bce_logits,              grad_point_loss<OpId::binary_cross_entropy_with_logits_backward>, nullptr, "BCEWithLogitsLoss", 0};
extern const OpDef k_binary_cross_entropy_with_logits_backward = {"binary_cross_entropy_with_logits_backward", "grad", 3, 5, infer_point_loss_backward<kBceLogits>, run_bce_logits_backward,   nullptr,                                                        nullptr, nullptr, 0};
// clang-format on

}  // namespace pg::graph
