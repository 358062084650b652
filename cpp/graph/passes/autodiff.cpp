// Reverse mode: walk the nodes y depends on backwards, ask each op's gradient rule for the
// gradients of its inputs (new nodes), and sum the contributions that meet at a value.
//   forward  x --f--> h --g--> y
//   appended gy = seed; gh = g.grad(gy); gx = f.grad(gh)
// Only nodes on a path from some x to y are differentiated.
#include "graph/passes/autodiff.h"

#include "graph/ops/builders.h"
#include "tensor/errors.h"

namespace pg::graph {
namespace {

// depends[v]: v is computed from some x.
std::vector<char> depends_on(const Graph& g, const std::vector<ValueId>& xs,
                             const std::vector<NodeId>& order) {
  std::vector<char> dep(g.num_values(), 0);
  for (ValueId x : xs) dep[x] = 1;
  for (NodeId n : order) {
    bool any = false;
    for (ValueId v : g.node(n).inputs) any = any || dep[v];
    if (any)
      for (ValueId v : g.node(n).outputs) dep[v] = 1;
  }
  return dep;
}

ValueId fill(Graph& g, const ValueType& t, double value) {
  return g.add1(OpId::fill, {},
                {{"shape", t.shape},
                 {"value", value},
                 {"dtype", std::string(t.dtype == DType::f32 ? "float32" : "float64")}});
}

}  // namespace

Gradients autodiff(Graph& g, ValueId y, const std::vector<ValueId>& xs, ValueId seed) {
  const ValueType yt = g.value(y).type;
  if (seed < 0) {
    int64_t n = 1;
    for (int64_t d : yt.shape) n *= d;
    if (n != 1)
      throw ValueError(cat("grad: y has shape ", shape_str(yt.shape),
                           "; the gradient of a non-scalar needs a seed (grad_outputs) of that "
                           "shape"));
    seed = fill(g, yt, 1.0);
  } else if (g.value(seed).type.shape != yt.shape) {
    throw ValueError(cat("grad: the seed has shape ", shape_str(g.shape(seed)), " but y has ",
                         shape_str(yt.shape)));
  }
  const std::vector<NodeId> order = g.needed({y});
  const std::vector<char> dep = depends_on(g, xs, order);
  std::vector<ValueId> grad(g.num_values(), -1);
  grad[y] = seed;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const Node n = g.node(*it);  // a copy: the rules below append nodes
    const OpDef& def = op_def(n.op);
    bool reached = false;  // some output of the node carries a gradient (any, not the first)
    for (ValueId v : n.outputs) reached = reached || grad[v] >= 0;
    if (!def.grad || !reached) continue;
    bool wanted = false;
    for (ValueId v : n.inputs) wanted = wanted || dep[v];
    if (!wanted) continue;
    const NodeId first = g.num_nodes();  // from here on, nodes differentiate *it
    std::vector<ValueId> gys;
    for (ValueId v : n.outputs) gys.push_back(grad[v] >= 0 ? grad[v] : fill(g, g.value(v).type, 0));
    const std::vector<ValueId> gxs = def.grad(g, *it, gys);
    g.mark_grad_of(first, *it);
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      const ValueId x = n.inputs[k];
      if (gxs[k] < 0 || !dep[x]) continue;
      grad[x] = grad[x] < 0 ? gxs[k] : add(g, grad[x], gxs[k]);
    }
  }
  Gradients out;
  for (size_t k = 0; k < xs.size(); ++k) {
    if (grad[xs[k]] >= 0) {
      out.values.push_back(grad[xs[k]]);
    } else {
      out.values.push_back(fill(g, g.value(xs[k]).type, 0));
      out.unreached.push_back(static_cast<int>(k));
    }
  }
  return out;
}

}  // namespace pg::graph
