// The pass pipeline: copy the outputs' subgraph into a program, then run each pass in the one
// order written here. Reports keep node counts, rewrites and (traced) the IR after each pass.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

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
  std::vector<NodeId> node_map(src.num_nodes(), -1);
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
    node_map[n] = p.graph->value(out.at(0)).producer;
    // a forward node the outputs do not need (a gradient rule that reads only shapes): -1
    if (node.grad_of >= 0) p.graph->set_grad_of(node_map[n], node_map[node.grad_of]);
  }
  for (ValueId v : outputs) p.outputs.push_back(src.value(v).producer >= 0 ? map[v] : leaf(v));
  return p;
}

}  // namespace

namespace {

using PassFn = Program (*)(const Program&, PassReport&);
// The one written order.
const std::pair<const char*, PassFn> kPasses[] = {
    {"simplify", simplify}, {"fuse", fuse}, {"plan_memory", plan_memory}};

// Every node's types were inferred (and checked) by its op's shape rule when a pass added it;
// what a rewrite could still get wrong is the program's interface: each output keeps its type.
void verify(const Program& before, const Program& after, const char* pass) {
  for (size_t k = 0; k < before.outputs.size(); ++k) {
    const ValueType &a = before.graph->value(before.outputs[k]).type,
                    &b = after.graph->value(after.outputs[k]).type;
    if (a.shape != b.shape || a.dtype != b.dtype)
      throw std::logic_error(cat("pygraph internal error: the ", pass, " pass changed output ", k,
                                 " from ", dtype_name(a.dtype), " ", shape_str(a.shape), " to ",
                                 dtype_name(b.dtype), " ", shape_str(b.shape)));
  }
}

}  // namespace

std::vector<std::string> pass_names() {
  std::vector<std::string> names;
  for (const auto& pass : kPasses) names.emplace_back(pass.first);
  return names;
}

Program run_passes(const Graph& g, const std::vector<ValueId>& outputs,
                   const std::vector<std::string>& enabled, bool trace,
                   std::vector<PassReport>& reports) {
  const std::vector<std::string> known = pass_names();
  for (const std::string& name : enabled)
    if (std::find(known.begin(), known.end(), name) == known.end())
      throw ValueError(
          cat("compile: unknown pass '", name, "'; the passes are simplify, fuse, plan_memory"));
  Program p = copy_program(g, outputs);
  for (const auto& [name, fn] : kPasses) {
    if (std::find(enabled.begin(), enabled.end(), name) == enabled.end()) continue;
    PassReport r;
    r.pass = name;
    r.nodes_before = count_nodes(p);
    Program next = fn(p, r);
    verify(p, next, name);
    if (next.graph != p.graph) carry_grad_of(p, next, r.value_map);
    if (trace) {
      r.before = p;
      r.after = next;
      if (next.graph == p.graph) {  // the graph is kept: every value stays itself
        r.value_map.resize(p.graph->num_values());
        for (ValueId v = 0; v < p.graph->num_values(); ++v) r.value_map[v] = v;
      }
    } else {
      r.value_map.clear();
    }
    p = std::move(next);
    r.nodes_after = count_nodes(p);
    if (trace) r.ir = print(*p.graph, p.outputs);
    reports.push_back(std::move(r));
  }
  return p;
}

}  // namespace pg::graph
