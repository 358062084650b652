// Elementwise ops: numpy broadcasting for the binary ones. Gradients are built from these same
// primitives (sigmoid' = y (1 - y), ...), so they can be differentiated again.
#include "graph/ir.h"
#include "graph/ops/builders.h"
#include "ops/eltwise.h"
#include "tensor/check.h"

namespace pg::graph {
namespace {

using kernels::Binary;
using kernels::Unary;

// ---- shape rules ----

std::vector<ValueType> infer_binary(const char* op, const std::vector<ValueType>& in) {
  if (in[0].dtype != in[1].dtype)
    throw TypeError(cat(op, ": input is ", dtype_name(in[0].dtype), " ", shape_str(in[0].shape),
                        " but other is ", dtype_name(in[1].dtype), " ", shape_str(in[1].shape)));
  return {{ops::broadcast_shapes(op, in[0].shape, in[1].shape), in[0].dtype}};
}

std::vector<ValueType> same(const std::vector<ValueType>& in, const Attrs&) { return {in[0]}; }

template <Binary B>
std::vector<Tensor> run_binary(const std::vector<Tensor>& in, const Attrs&) {
  return {ops::binary(B, in[0], in[1])};
}

template <Unary U>
std::vector<Tensor> run_unary(const std::vector<Tensor>& in, const Attrs&) {
  return {ops::unary(U, in[0])};
}

// ---- gradient rules: x, y are the node's input and output, gy the output's gradient ----

// Holds a copy of the node: emitting nodes may reallocate the graph's node list.
struct Ctx {
  Graph& g;
  const Node n;
  ValueId x(int k = 0) const { return n.inputs[k]; }
  ValueId y() const { return n.outputs[0]; }
  Shape shape(int k) const { return g.shape(n.inputs[k]); }
};

std::vector<ValueId> grad_add(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  Ctx c{g, g.node(id)};
  return {sum_to(g, gy[0], c.shape(0)), sum_to(g, gy[0], c.shape(1))};
}

std::vector<ValueId> grad_sub(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  Ctx c{g, g.node(id)};
  return {sum_to(g, gy[0], c.shape(0)), sum_to(g, neg(g, gy[0]), c.shape(1))};
}

std::vector<ValueId> grad_mul(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  Ctx c{g, g.node(id)};
  return {sum_to(g, mul(g, gy[0], c.x(1)), c.shape(0)),
          sum_to(g, mul(g, gy[0], c.x(0)), c.shape(1))};
}

// d(a/b)/da = 1/b, d(a/b)/db = -y/b
std::vector<ValueId> grad_div(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  Ctx c{g, g.node(id)};
  return {sum_to(g, div(g, gy[0], c.x(1)), c.shape(0)),
          sum_to(g, neg(g, div(g, mul(g, gy[0], c.y()), c.x(1))), c.shape(1))};
}

std::vector<ValueId> grad_neg(Graph& g, NodeId, const std::vector<ValueId>& gy) {
  return {neg(g, gy[0])};
}

std::vector<ValueId> grad_exp(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  return {mul(g, gy[0], g.node(id).outputs[0])};
}

std::vector<ValueId> grad_log(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  return {div(g, gy[0], g.node(id).inputs[0])};
}

std::vector<ValueId> grad_relu(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  return {mul(g, gy[0], g.add1(OpId::step, {g.node(id).inputs[0]}))};
}

// sigmoid' = y (1 - y)
std::vector<ValueId> grad_sigmoid(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  const ValueId y = g.node(id).outputs[0];
  return {mul(g, gy[0], mul(g, y, sub(g, one_like(g, y), y)))};
}

// tanh' = 1 - y^2
std::vector<ValueId> grad_tanh(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  const ValueId y = g.node(id).outputs[0];
  return {mul(g, gy[0], sub(g, one_like(g, y), mul(g, y, y)))};
}

// step(x) = 1 where x > 0, else 0 (NaN -> 0, as relu's derivative). One allocation, the
// output, and y[i] from x[i] alone: plan_memory may run it in place.
template <class T>
void step_typed(const Tensor& x, Tensor& y) {
  const T* px = x.data<T>();
  T* py = y.data<T>();
  for (int64_t k = 0; k < x.numel(); ++k) py[k] = px[k] > T(0) ? T(1) : T(0);
}

std::vector<Tensor> run_step(const std::vector<Tensor>& in, const Attrs&) {
  const Tensor& x = in[0];
  check_float("step", "input", x);
  Tensor y = Tensor::empty(x.shape(), x.dtype(), "step");
  if (x.dtype() == DType::f32)
    step_typed<float>(x, y);
  else
    step_typed<double>(x, y);
  return {y};
}

}  // namespace

#define PG_BINARY(name, B, label)                                                             \
  extern const OpDef k_##name = {                                                             \
      #name,                                                                                  \
      "elementwise",                                                                          \
      2,                                                                                      \
      2,                                                                                      \
      [](const std::vector<ValueType>& in, const Attrs&) { return infer_binary(#name, in); }, \
      run_binary<Binary::B>,                                                                  \
      grad_##name,                                                                            \
      nullptr,                                                                                \
      label};
PG_BINARY(add, add, "+")
PG_BINARY(sub, sub, "−")
PG_BINARY(mul, mul, "×")
PG_BINARY(div, div, "÷")
#undef PG_BINARY

#define PG_UNARY(name, label)     \
  extern const OpDef k_##name = { \
      #name, "elementwise", 1, 1, same, run_unary<Unary::name>, grad_##name, nullptr, label};
PG_UNARY(neg, "−x")
PG_UNARY(exp, "exp")
PG_UNARY(log, "log")
PG_UNARY(relu, "ReLU")
PG_UNARY(sigmoid, "σ")
PG_UNARY(tanh, "tanh")
#undef PG_UNARY

extern const OpDef k_step = {"step", "grad", 1, 1, same, run_step, nullptr, nullptr, "step", 0};

}  // namespace pg::graph
