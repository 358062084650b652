// What every pass shares: the program it rewrites and the report it writes. A pass builds a new
// graph (params shared with the source graph, so assignments reach compiled programs).
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "graph/ir.h"

namespace pg::graph {

// Where plan_memory puts each intermediate value in one arena (see plan_memory.cpp).
struct PlannedValue {
  ValueId value;
  int64_t offset, bytes;  // offset: a multiple of kArenaAlign
  int first, last;        // steps (indices into order) of its def and its last reader
  ValueId inplace_of;     // the input whose bytes it takes (-1: none)
};

struct MemoryPlan {
  static constexpr int64_t kArenaAlign = 64;
  const Graph* graph = nullptr;  // the graph it was planned for (identity only)
  std::vector<NodeId> order;     // the node order it was planned for: the executor's order
  std::vector<PlannedValue> values;
  std::vector<int> slot;  // by value id: index into values, -1 when not planned
  int64_t arena_bytes = 0, naive_bytes = 0;
  int inplace = 0;
};

struct Program {
  // A constructor, so `Program{graph, outputs}` leaves the plan out without a warning.
  Program(std::shared_ptr<Graph> g = nullptr, std::vector<ValueId> out = {})
      : graph(std::move(g)), outputs(std::move(out)) {}
  std::shared_ptr<Graph> graph;
  std::vector<ValueId> outputs;
  std::shared_ptr<const MemoryPlan> plan;  // set by plan_memory, the last pass
};

struct PassReport {
  std::string pass;
  int nodes_before = 0, nodes_after = 0;
  std::vector<std::string> log;  // one line per rewrite: "simplify: mul #12 (x * 1) -> %5"
  std::string ir;                // the IR after the pass, when traced
  // By value of the program before: the value holding it after (-1: gone, e.g. absorbed into
  // a fused node). Filled by passes that rebuild the graph; plan_memory keeps it (identity).
  std::vector<ValueId> value_map;
  Program before, after;  // when traced: the programs the pass read and made (pg.render)
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

// plan_memory: liveness over the order the executor runs (graph->needed(outputs)); every value
// a node makes that is not an output gets an offset in one arena, reused once it is dead, and
// an eligible elementwise node writes over an input that dies there. Keeps the graph.
Program plan_memory(const Program& in, PassReport& report);
// Whether `op` may write its output over input `k` (same index read then written, and its
// kernel allocates nothing but the output).
bool inplace_eligible(OpId op, int k);

// Sets the grad_of of the nodes `after` a pass that rebuilt the graph from `before`, read from
// the pass's value map: a node made of gradient ops (fused ones too) stays a gradient node, of
// the node that now computes its forward node (provenance.cpp).
void carry_grad_of(const Program& before, const Program& after,
                   const std::vector<ValueId>& value_map);

// The passes in their one written order: simplify, fuse, plan_memory.
std::vector<std::string> pass_names();
// Runs the `enabled` passes (in the written order; none: the program is the graph as built),
// each followed by a check that the outputs kept their types. ValueError for an unknown name.
Program run_passes(const Graph& g, const std::vector<ValueId>& outputs,
                   const std::vector<std::string>& enabled, bool trace,
                   std::vector<PassReport>& reports);

}  // namespace pg::graph
