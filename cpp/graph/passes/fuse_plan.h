// What the fuse rewrites share: the program being read, who reads each value, and the plan
// they fill in (nodes absorbed into a later node, and the recipe that replaces each group's
// last node). fuse.cpp holds the driver and the gemm/conv/batch-norm rewrites,
// fuse_elementwise.cpp the elementwise chains.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "graph/passes/pass.h"

namespace pg::graph::fusion {

// The node that replaces a group at its last node. Inputs are values of the source program.
struct Recipe {
  OpId op;
  std::vector<ValueId> inputs;
  Attrs attrs;
  // batch_norm folded into this conv: inputs are x, w, b, mean, var, gamma, beta (-1: absent)
  bool bn_fold = false;
  double eps = 0;
};

struct Plan {
  const Graph& src;
  std::vector<NodeId> order;                 // the nodes the outputs need, in order
  std::vector<std::vector<ValueId>> ins;     // by node: its inputs (rewrites may redirect)
  std::vector<std::vector<NodeId>> readers;  // by value: the nodes that read it (distinct)
  std::vector<char> is_output;               // by value
  std::vector<char> claimed;                 // by node: absorbed into a later node
  std::map<NodeId, Recipe> recipes;          // by node: the group it ends
  PassReport& report;

  Plan(const Program& p, PassReport& r);
  void count_readers();
  // Can v disappear into its reader? Only when nothing else reads it and it is no output.
  bool private_to(ValueId v, NodeId reader) const {
    return !is_output[v] && readers[v].size() == 1 && readers[v][0] == reader;
  }
  bool free(NodeId n) const { return !claimed[n] && !recipes.count(n); }
  OpId op(NodeId n) const { return src.node(n).op; }
  ValueId out(NodeId n) const { return src.node(n).outputs[0]; }
  const Shape& shape(ValueId v) const { return src.value(v).type.shape; }
};

std::string name(const Plan& p, NodeId n);  // "relu #12"

void plan_elementwise(Plan& p);

}  // namespace pg::graph::fusion
