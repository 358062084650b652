// The pass pipeline: copy the outputs' subgraph into a program, then run each pass in the one
// order written here. Reports keep node counts, rewrites and (traced) the IR after each pass.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "graph/passes/pass.h"
#include "graph/print.h"

namespace pg::graph {

void log_rewrite(PassReport& report, const std::string& line) {
  static const bool enabled = [] {
    const char* env = std::getenv("PYGRAPH_LOG");
    return env && std::strstr(env, "passes");
  }();
  if (enabled) std::fprintf(stderr, "%s\n", line.c_str());
  report.log.push_back(line);
}

int count_nodes(const Program& p) { return static_cast<int>(p.graph->needed(p.outputs).size()); }

namespace {

// The program as built: every input of the source graph (so every feed name stays valid), the
// params and constants the outputs use (shared cells), and the needed nodes, in order.
Program copy_program(const Graph& src, const std::vector<ValueId>& outputs) {
  Program p{std::make_shared<Graph>(), {}};
  std::vector<ValueId> map(src.num_values(), -1);
  for (ValueId v : src.inputs()) map[v] = p.graph->share(src, v);
  auto leaf = [&](ValueId v) {
    if (map[v] < 0) map[v] = p.graph->share(src, v);
    return map[v];
  };
  for (NodeId n : src.needed(outputs)) {
    const Node node = src.node(n);
    std::vector<ValueId> in;
    for (ValueId v : node.inputs) in.push_back(src.value(v).producer >= 0 ? map[v] : leaf(v));
    const auto out = p.graph->add(node.op, in, node.attrs, node.origin);
    for (size_t k = 0; k < out.size(); ++k) map[node.outputs[k]] = out[k];
  }
  for (ValueId v : outputs) p.outputs.push_back(src.value(v).producer >= 0 ? map[v] : leaf(v));
  return p;
}

}  // namespace

Program run_passes(const Graph& g, const std::vector<ValueId>& outputs, bool optimize, bool trace,
                   std::vector<PassReport>& reports) {
  Program p = copy_program(g, outputs);
  if (!optimize) return p;
  using PassFn = Program (*)(const Program&, PassReport&);
  const std::pair<const char*, PassFn> passes[] = {
      {"simplify", simplify}, {"fuse", fuse}, {"plan_memory", plan_memory}};
  for (const auto& [name, fn] : passes) {
    PassReport r;
    r.pass = name;
    r.nodes_before = count_nodes(p);
    p = fn(p, r);
    r.nodes_after = count_nodes(p);
    if (trace) r.ir = print(*p.graph, p.outputs);
    reports.push_back(std::move(r));
  }
  return p;
}

}  // namespace pg::graph
