// What every pass shares: the program it rewrites and the report it writes. A pass builds a new
// graph (params shared with the source graph, so assignments reach compiled programs).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "graph/ir.h"

namespace pg::graph {

struct Program {
  std::shared_ptr<Graph> graph;
  std::vector<ValueId> outputs;
};

struct PassReport {
  std::string pass;
  int nodes_before = 0, nodes_after = 0;
  std::vector<std::string> log;  // one line per rewrite: "simplify: mul #12 (x * 1) -> %5"
  std::string ir;                // the IR after the pass, when traced
};

// Appends a rewrite to the report; also prints it to stderr when PYGRAPH_LOG names "passes".
void log_rewrite(PassReport& report, const std::string& line);

// The nodes a program runs.
int count_nodes(const Program& p);

// simplify: dead code, common subexpressions, constant folding, x*1, x+0, x-0, x/1, -(-x),
// reshapes and transposes that change nothing.
Program simplify(const Program& in, PassReport& report);

// fuse: gemm (transposes, bias, relu/leaky_relu folded into a matmul), conv + relu, batch-norm
// folding for inference, and elementwise chains as one fused_elementwise node (fuse.cpp).
Program fuse(const Program& in, PassReport& report);

// The passes in their one written order (more join as they are written: plan_memory).
// optimize=false runs none (the program is the graph as built).
Program run_passes(const Graph& g, const std::vector<ValueId>& outputs, bool optimize, bool trace,
                   std::vector<PassReport>& reports);

}  // namespace pg::graph
