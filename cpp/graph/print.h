// A readable text dump of the IR, one line per node, like a jaxpr:
//   %4 = matmul(%0, %2)                        f32(64, 10)
#pragma once
#include <string>
#include <vector>

#include "graph/ir.h"

namespace pg::graph {

// The nodes the outputs need (every node when outputs is empty), with the inputs and params.
std::string print(const Graph& g, const std::vector<ValueId>& outputs = {});

}  // namespace pg::graph
