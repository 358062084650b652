#include "runtime/executable.h"

#include <algorithm>
#include <cstring>

#include "graph/run_context.h"
#include "tensor/errors.h"
#include "tensor/planned_alloc.h"

namespace pg::runtime {

using graph::op_def;
using graph::ValueKind;

Executable::Executable(std::shared_ptr<Graph> g, std::vector<ValueId> outputs,
                       std::vector<std::pair<ValueId, ValueId>> updates,
                       std::shared_ptr<const graph::MemoryPlan> plan)
    : g_(std::move(g)),
      outputs_(std::move(outputs)),
      updates_(std::move(updates)),
      plan_(std::move(plan)) {
  if (outputs_.empty() && updates_.empty()) throw ValueError("compile: no outputs given");
  for (const auto& [param, value] : updates_) {
    const auto &p = g_->value(param), &v = g_->value(value);
    if (p.kind != ValueKind::param)
      throw ValueError(cat("compile: updates must assign parameters; #", param, " is ",
                           graph::kind_name(p.kind)));
    if (p.type.shape != v.type.shape || p.type.dtype != v.type.dtype)
      throw ValueError(cat("compile: the update of param '", p.name, "' (",
                           dtype_name(p.type.dtype), " ", shape_str(p.type.shape), ") is ",
                           dtype_name(v.type.dtype), " ", shape_str(v.type.shape)));
  }
  std::vector<ValueId> wanted = outputs_;
  for (const auto& u : updates_) wanted.push_back(u.second);
  for (ValueId v : wanted) g_->value(v);  // validates the ids
  order_ = g_->needed(wanted);
  std::vector<char> used(g_->num_values(), 0);
  for (ValueId v : wanted) used[v] = 1;
  last_use_.assign(g_->num_values(), 0);
  for (size_t k = 0; k < order_.size(); ++k)
    for (ValueId v : g_->node(order_[k]).inputs) {
      used[v] = 1;
      last_use_[v] = static_cast<int>(k);
    }
  for (ValueId v : wanted) last_use_[v] = -1;
  for (int v = 0; v < g_->num_values(); ++v)
    if (used[v] && g_->value(v).kind == ValueKind::input) inputs_.push_back(v);
  for (ValueId v : g_->inputs()) feedable_[g_->value(v).name] = {v, used[v] != 0};
  if (plan_) {
    check_plan(wanted);
    arena_ = Arena(plan_->arena_bytes);
  }
}

// The plan must be for this graph and this order, and leave what the caller keeps unplanned.
void Executable::check_plan(const std::vector<ValueId>& wanted) const {
  bool ok = plan_->graph == g_.get() && plan_->order == order_ &&
            plan_->slot.size() == static_cast<size_t>(g_->num_values());
  for (ValueId v : wanted) ok = ok && plan_->slot[v] < 0;
  if (!ok)
    throw ValueError(
        "compiled graph: the memory plan was made for another program (plan_memory "
        "must see the outputs and update values the executable is given)");
}

PlanStats Executable::plan_stats() {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

namespace {
Tensor copy_of(const Tensor& t) {
  Tensor c = Tensor::empty(t.shape(), t.dtype(), "compiled graph");
  if (t.nbytes()) std::memcpy(c.raw(), t.raw(), t.nbytes());
  return c;
}
}  // namespace

// Runs one node with its planned outputs offered to Tensor::empty, then checks where each
// output landed. An allocation that is not an output (a kernel's scratch) may take a slot;
// that is harmless: no value live at this step shares those bytes, except the input an
// in-place output overwrites, and in-place ops allocate nothing but their output.
std::vector<Tensor> Executable::run_node(const graph::Node& node, const std::vector<Tensor>& in) {
  if (!plan_) return op_def(node.op).run(in, node.attrs);
  std::vector<PlannedSlot> slots;
  std::vector<void*> want(node.outputs.size(), nullptr);
  for (size_t j = 0; j < node.outputs.size(); ++j) {
    const int s = plan_->slot[node.outputs[j]];
    if (s < 0) continue;
    want[j] = arena_.at(plan_->values[s].offset);
    const auto& type = g_->value(node.outputs[j]).type;
    slots.push_back({type.shape, type.dtype, want[j]});
  }
  if (reverse_slots_) std::reverse(slots.begin(), slots.end());
  std::vector<Tensor> out;
  {
    PlannedAllocation planned(&slots);
    out = op_def(node.op).run(in, node.attrs);
  }
  for (size_t j = 0; j < out.size(); ++j) {
    if (!out[j].defined()) continue;  // an output nobody reads, left uncomputed (pool indices)
    if (want[j] != nullptr && out[j].raw() == want[j]) {
      ++stats_.landed;
      continue;
    }
    if (want[j] != nullptr) ++stats_.fallback;
    // In the arena but not at its own slot (another output's, or a view of an input): those
    // bytes belong to another value once this step is over.
    if (arena_.contains(out[j].raw())) out[j] = copy_of(out[j]);
  }
  return out;
}

std::vector<Tensor> Executable::run(const std::vector<std::pair<std::string, Tensor>>& feeds) {
  std::lock_guard<std::mutex> lock(mu_);
  return run_locked(feeds);
}

std::vector<Tensor> Executable::run_locked(
    const std::vector<std::pair<std::string, Tensor>>& feeds) {
  graph::CallScope call(calls_++);
  Graph& g = *g_;
  std::vector<Tensor> vals(g.num_values());
  std::vector<char> fed(g.num_values(), 0);
  for (const auto& [name, t] : feeds) {
    const auto it = feedable_.find(name);
    if (it == feedable_.end()) {
      std::string names;
      for (ValueId in : g.inputs()) names += (names.empty() ? "" : ", ") + g.value(in).name;
      throw ValueError(cat("compiled graph: '", name, "' is not an input of the graph; its ",
                           "inputs are: ", names.empty() ? "none" : names));
    }
    const auto [v, wanted] = it->second;
    if (!wanted) continue;  // an input of the graph these outputs do not need: ignored
    const auto& type = g.value(v).type;
    if (t.shape() != type.shape || t.dtype() != type.dtype)
      throw ValueError(cat("compiled graph: input '", name, "' must be ", dtype_name(type.dtype),
                           " ", shape_str(type.shape), ", got ", dtype_name(t.dtype()), " ",
                           shape_str(t.shape())));
    vals[v] = t;
    fed[v] = 1;
  }
  for (ValueId in : inputs_)
    if (!fed[in])
      throw ValueError(cat("compiled graph: input '", g.value(in).name, "' (",
                           dtype_name(g.value(in).type.dtype), " ",
                           shape_str(g.value(in).type.shape), ") was not fed"));
  for (size_t k = 0; k < order_.size(); ++k) {
    const graph::Node& node = g.node(order_[k]);
    std::vector<Tensor> in;
    for (ValueId v : node.inputs) {
      const auto kind = g.value(v).kind;
      in.push_back(kind == ValueKind::param || kind == ValueKind::constant ? g.data(v) : vals[v]);
    }
    std::vector<Tensor> out = run_node(node, in);
    for (size_t j = 0; j < out.size(); ++j) vals[node.outputs[j]] = std::move(out[j]);
    for (ValueId v : node.inputs)  // free what no later node reads
      if (last_use_[v] == static_cast<int>(k)) vals[v] = Tensor();
  }
  std::vector<Tensor> fresh;  // update values that are not node results are copied first
  for (const auto& [param, v] : updates_)
    fresh.push_back(g.value(v).kind == ValueKind::node    ? vals[v]
                    : g.value(v).kind == ValueKind::input ? copy_of(vals[v])
                                                          : copy_of(g.data(v)));
  std::vector<Tensor> result;
  for (ValueId v : outputs_) {
    const auto kind = g.value(v).kind;
    // An output that is an input, param or constant is copied: the caller may write to it.
    if (kind == ValueKind::node)
      result.push_back(vals[v]);
    else
      result.push_back(copy_of(kind == ValueKind::input ? vals[v] : g.data(v)));
  }
  for (size_t k = 0; k < updates_.size(); ++k) {
    // an output that is also an update value must not alias the param's new storage
    Tensor t = fresh[k];
    for (const Tensor& r : result)
      if (r.raw() == t.raw()) t = copy_of(t);
    g.assign(updates_[k].first, std::move(t));
  }
  return result;
}

}  // namespace pg::runtime
