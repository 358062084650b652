// Reverse-mode autodiff as a graph transformation.
#pragma once
#include <vector>

#include "graph/ir.h"

namespace pg::graph {

struct Gradients {
  std::vector<ValueId> values;  // one per x: d(y)/d(x) as a value of the graph
  std::vector<int> unreached;   // indices of xs that y does not depend on (given zeros)
};

// Appends to g the nodes computing d(seed . y)/d(x) for each x in xs. Without a seed
// (seed < 0), y must hold one element and the seed is 1.
Gradients autodiff(Graph& g, ValueId y, const std::vector<ValueId>& xs, ValueId seed = -1);

}  // namespace pg::graph
