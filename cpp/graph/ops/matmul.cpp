// matmul: a (..., M, K) @ b (..., K, N) -> (..., M, N), batch dims broadcast as in numpy.
#include "ops/matmul.h"

#include "graph/ir.h"
#include "graph/ops/builders.h"
#include "ops/eltwise.h"

namespace pg::graph {
namespace {

std::vector<ValueType> infer_matmul(const std::vector<ValueType>& in, const Attrs&) {
  const Shape &a = in[0].shape, &b = in[1].shape;
  if (in[0].dtype != in[1].dtype)
    throw TypeError(
        cat("matmul: a is ", dtype_name(in[0].dtype), " but b is ", dtype_name(in[1].dtype)));
  if (a.size() < 2 || b.size() < 2)
    throw ValueError(cat("matmul: in a graph a and b must be at least 2-D, got ", shape_str(a),
                         " and ", shape_str(b), "; reshape a vector to (1, K) or (K, 1)"));
  if (a.back() != b[b.size() - 2])
    throw ValueError(cat("matmul: a has shape ", shape_str(a), " and b has shape ", shape_str(b),
                         ": a's columns (", a.back(), ") must equal b's rows (", b[b.size() - 2],
                         ")"));
  Shape batch =
      ops::broadcast_shapes("matmul", Shape(a.begin(), a.end() - 2), Shape(b.begin(), b.end() - 2));
  batch.push_back(a[a.size() - 2]);
  batch.push_back(b.back());
  return {{batch, in[0].dtype}};
}

std::vector<Tensor> run_matmul(const std::vector<Tensor>& in, const Attrs&) {
  return {ops::matmul(in[0], in[1])};
}

ValueId swap_last(Graph& g, ValueId v) {
  return g.add1(OpId::transpose, {v}, {{"axis0", int64_t{-1}}, {"axis1", int64_t{-2}}});
}

// d(a @ b) = gy @ b^T for a and a^T @ gy for b, summed over broadcast batch dims.
std::vector<ValueId> grad_matmul(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  const Node n = g.node(id);
  const Shape sa = g.shape(n.inputs[0]), sb = g.shape(n.inputs[1]);
  const ValueId ga = g.add1(OpId::matmul, {gy[0], swap_last(g, n.inputs[1])});
  const ValueId gb = g.add1(OpId::matmul, {swap_last(g, n.inputs[0]), gy[0]});
  return {sum_to(g, ga, sa), sum_to(g, gb, sb)};
}

int64_t macs_matmul(const std::vector<ValueType>& in, const Attrs& attrs) {
  const Shape out = infer_matmul(in, attrs)[0].shape;
  int64_t n = in[0].shape.back();
  for (int64_t d : out) n *= d;
  return n;
}

}  // namespace

extern const OpDef k_matmul = {"matmul",   "matmul",    2,           2,  infer_matmul,
                               run_matmul, grad_matmul, macs_matmul, "@"};

}  // namespace pg::graph
