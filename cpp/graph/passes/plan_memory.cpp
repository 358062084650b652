// plan_memory: one arena for every intermediate value of a program.
//   liveness   value v made at step first(v), last read at step last(v) (its own step when no
//              node reads it: a dead second output still needs bytes while its node runs)
//   in place   y = op(x) at step k takes x's bytes when x dies at k, has y's shape and dtype,
//              is itself in the arena, and the op is inplace_eligible: a chain x -> y -> z
//              becomes one group over [first(x), last(z)]
//   offsets    groups by size, largest first, each at the lowest 64-byte-aligned offset whose
//              bytes no already placed group with an overlapping interval uses
// Program outputs (and update values, which the caller passes as outputs) are not planned: the
// caller keeps them, so they get their own buffers. The graph is not changed.
#include <algorithm>
#include <cstdio>

#include "graph/passes/pass.h"

namespace pg::graph {

// An op joins this list once its kernel has been read for both conditions of pass.h (a new
// elementwise op such as a fused one included); the plan checker in tests keeps its own list.
bool inplace_eligible(OpId op, int k) {
  switch (op) {
    // ops::binary: one Tensor::empty (the output), then y[i] = a[i] op b[i] row by row;
    // broadcast operands are never the in-place one (their byte size differs).
    case OpId::add:
    case OpId::sub:
    case OpId::mul:
    case OpId::div:
      return k == 0 || k == 1;
    // ops::unary: one Tensor::empty, then y[i] = f(x[i]) (kernels/eltwise map1, unary_ref);
    // step (graph/ops/elementwise.cpp) likewise.
    case OpId::step:
    case OpId::neg:
    case OpId::exp:
    case OpId::log:
    case OpId::relu:
    case OpId::sigmoid:
    case OpId::tanh:
    case OpId::leaky_relu:
    case OpId::elu:
    case OpId::selu:
    case OpId::gelu:
    case OpId::silu:
    case OpId::softplus:
    case OpId::sqrt:
    case OpId::abs:
    case OpId::erf:
      return k == 0;
    // eltwise_program: one Tensor::empty (scratch is a std::vector); each block reads every
    // input at [s, s+m) into registers before its last instruction writes y at [s, s+m) (an
    // input it reads directly, it reads at the index it writes). Scalar inputs differ in size.
    case OpId::fused_elementwise:
      return true;
    default:
      return false;
  }
}

namespace {

int64_t value_bytes(const Graph& g, ValueId v) {
  int64_t n = 1;
  for (int64_t d : g.value(v).type.shape) n *= d;
  return n * static_cast<int64_t>(dtype_size(g.value(v).type.dtype));
}

int64_t align_up(int64_t bytes) {
  const int64_t a = MemoryPlan::kArenaAlign;
  return (bytes + a - 1) / a * a;
}

// Values planned and their intervals, in order of definition.
void find_intervals(const Graph& g, const std::vector<ValueId>& outputs, MemoryPlan& plan) {
  plan.slot.assign(g.num_values(), -1);
  std::vector<char> kept(g.num_values(), 0);
  for (ValueId v : outputs) kept[v] = 1;
  for (int k = 0; k < static_cast<int>(plan.order.size()); ++k) {
    const Node& n = g.node(plan.order[k]);
    for (ValueId v : n.inputs)
      if (plan.slot[v] >= 0) plan.values[plan.slot[v]].last = k;
    for (ValueId v : n.outputs) {
      const int64_t bytes = value_bytes(g, v);
      if (kept[v] || bytes == 0) continue;
      plan.slot[v] = static_cast<int>(plan.values.size());
      plan.values.push_back({v, 0, bytes, k, k, -1});
      plan.naive_bytes += bytes;
    }
  }
}

// The input a node may overwrite, or -1.
ValueId inplace_input(const Graph& g, const MemoryPlan& plan, const Node& n, int step) {
  if (n.outputs.size() != 1 || plan.slot[n.outputs[0]] < 0) return -1;
  const Value& out = g.value(n.outputs[0]);
  for (int k = 0; k < static_cast<int>(n.inputs.size()); ++k) {
    const ValueId x = n.inputs[k];
    if (!inplace_eligible(n.op, k) || plan.slot[x] < 0) continue;
    const PlannedValue& px = plan.values[plan.slot[x]];
    const Value& in = g.value(x);
    if (px.last == step && in.type.shape == out.type.shape && in.type.dtype == out.type.dtype)
      return x;
  }
  return -1;
}

struct Group {
  std::vector<int> members;  // indices into plan.values, in chain order
  int64_t bytes;
  int first, last;
  int64_t offset = 0;
};

// In-place chains: every planned value starts a group unless it takes over an input's bytes.
// `lines` gets one line per in-place value.
std::vector<Group> find_groups(const Graph& g, MemoryPlan& plan, std::vector<std::string>& lines) {
  std::vector<Group> groups;
  std::vector<int> group_of(plan.values.size(), -1);
  for (int i = 0; i < static_cast<int>(plan.values.size()); ++i) {
    PlannedValue& pv = plan.values[i];
    const Node& n = g.node(plan.order[pv.first]);
    const ValueId x = inplace_input(g, plan, n, pv.first);
    if (x < 0) {
      group_of[i] = static_cast<int>(groups.size());
      groups.push_back({{i}, pv.bytes, pv.first, pv.last});
      continue;
    }
    pv.inplace_of = x;
    ++plan.inplace;
    Group& grp = groups[group_of[plan.slot[x]]];
    grp.members.push_back(i);
    grp.last = std::max(grp.last, pv.last);
    group_of[i] = group_of[plan.slot[x]];
    lines.push_back(cat("plan_memory: ", op_def(n.op).name, " #", plan.order[pv.first], " writes %",
                        pv.value, " in place of %", x));
  }
  return groups;
}

// Greedy by size: the lowest aligned offset free over the group's whole interval.
void place(std::vector<Group>& groups, MemoryPlan& plan) {
  std::vector<int> by_size(groups.size());
  for (size_t i = 0; i < groups.size(); ++i) by_size[i] = static_cast<int>(i);
  std::stable_sort(by_size.begin(), by_size.end(),
                   [&](int a, int b) { return groups[a].bytes > groups[b].bytes; });
  std::vector<int> placed;
  for (int gi : by_size) {
    Group& grp = groups[gi];
    std::vector<std::pair<int64_t, int64_t>> busy;  // [begin, end) of overlapping groups
    for (int pi : placed) {
      const Group& o = groups[pi];
      if (o.first <= grp.last && grp.first <= o.last)
        busy.push_back({o.offset, o.offset + align_up(o.bytes)});
    }
    std::sort(busy.begin(), busy.end());
    int64_t offset = 0;
    for (const auto& [begin, end] : busy) {
      if (offset + align_up(grp.bytes) <= begin) break;
      offset = std::max(offset, end);
    }
    grp.offset = offset;
    plan.arena_bytes = std::max(plan.arena_bytes, offset + align_up(grp.bytes));
    placed.push_back(gi);
    for (int m : grp.members) plan.values[m].offset = offset;
  }
}

std::string human(int64_t bytes) {
  char buf[32];
  if (bytes < 10000)
    std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(bytes));
  else if (bytes < 10000000)
    std::snprintf(buf, sizeof buf, "%.1f KB", static_cast<double>(bytes) / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

}  // namespace

Program plan_memory(const Program& in, PassReport& report) {
  const Graph& g = *in.graph;
  auto plan = std::make_shared<MemoryPlan>();
  plan->graph = &g;
  plan->order = g.needed(in.outputs);
  find_intervals(g, in.outputs, *plan);
  std::vector<std::string> inplace_lines;
  std::vector<Group> groups = find_groups(g, *plan, inplace_lines);
  place(groups, *plan);
  const int64_t pct = plan->naive_bytes ? 100 * plan->arena_bytes / plan->naive_bytes : 0;
  log_rewrite(report, cat("plan_memory: ", plan->values.size(), " values, arena ",
                          human(plan->arena_bytes), " vs naive ", human(plan->naive_bytes), " (",
                          pct, "%), ", plan->inplace, " in place"));
  for (const auto& line : inplace_lines) log_rewrite(report, line);
  Program out = in;
  out.plan = plan;
  return out;
}

}  // namespace pg::graph
