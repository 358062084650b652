// A readable text dump of the IR, one line per node, like a jaxpr:
//   %4 = matmul(%0, %2)                        f32(64, 10)
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "graph/ir.h"

namespace pg::graph {

// The nodes the outputs need (every node when outputs is empty), with the inputs and params.
std::string print(const Graph& g, const std::vector<ValueId>& outputs = {});

// A fused_elementwise program's text ("mul($0, step($1))") with each $k replaced by name(k).
std::string fill_inputs(const std::string& expr, const std::function<std::string(size_t)>& name);

}  // namespace pg::graph
