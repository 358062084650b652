// Gradient provenance (Node::grad_of) carried through a pass that rebuilt the graph, read from
// the pass's value map alone, so no pass has to know about it. Not a rewrite: nodes are kept.
#include "graph/passes/pass.h"

namespace pg::graph {

// A node after the pass is made of the node before whose outputs it computes (the earliest,
// when twins merged into it) and of the nodes absorbed into it (outputs gone: the inner nodes of
// a fused group). It is a gradient node when one of those is, and differentiates what the first
// of them did: the node after that now computes, or absorbed, that forward node. Forward nodes
// (and nodes made of none, such as batch-norm folding's arithmetic) keep -1, and so does a
// gradient node whose forward node the program no longer runs.
void carry_grad_of(const Program& before, const Program& after,
                   const std::vector<ValueId>& value_map) {
  const Graph& src = *before.graph;
  Graph& dst = *after.graph;
  const std::vector<NodeId> order = src.needed(before.outputs);
  std::vector<NodeId> first_reader(src.num_values(), -1);
  for (NodeId n : order)
    for (ValueId v : src.node(n).inputs)
      if (first_reader[v] < 0) first_reader[v] = n;
  // where[n]: the node after that computes n's output, or (n's outputs gone, or folded into a
  // constant, or an identity of a leaf) the node its first reader went to
  std::vector<NodeId> where(src.num_nodes(), -1), origin(dst.num_nodes(), -1);
  std::vector<char> absorbed(src.num_nodes(), 0);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {  // readers first
    const Node& node = src.node(*it);
    bool gone = true;
    for (ValueId v : node.outputs) {
      if (value_map.at(v) < 0) continue;
      gone = false;
      if (where[*it] < 0) where[*it] = dst.value(value_map[v]).producer;
    }
    if (where[*it] >= 0) {
      origin[where[*it]] = *it;  // the last write is the earliest node
      continue;
    }
    absorbed[*it] = gone;
    for (ValueId v : node.outputs)
      if (where[*it] < 0 && first_reader[v] >= 0) where[*it] = where[first_reader[v]];
  }
  std::vector<char> done(dst.num_nodes(), 0);
  for (NodeId n : order) {
    const NodeId to = where[n], of = src.node(n).grad_of;
    if (to < 0 || done[to] || of < 0 || where[of] < 0) continue;
    if (origin[to] == n || absorbed[n]) {
      dst.set_grad_of(to, where[of]);
      done[to] = 1;
    }
  }
}

}  // namespace pg::graph
