// An Executable runs the nodes that some outputs need, in order, with no Python between ops.
// With a memory plan, intermediate values live in one arena owned by the Executable (reused by
// every call; calls are serialized by a mutex, so one object may be called from several
// threads); without one, each value has its own buffer, freed after its last use. Outputs and
// update values always get their own buffers. Parameters are read as the nodes run.
#pragma once
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "graph/ir.h"
#include "graph/passes/pass.h"
#include "runtime/arena.h"

namespace pg::runtime {

using graph::Graph;
using graph::NodeId;
using graph::ValueId;

// Where the planned outputs of the calls so far landed: in their arena slot, or elsewhere (a
// kernel returned a view or allocated before the output; the value then keeps that buffer).
struct PlanStats {
  int64_t landed = 0, fallback = 0;
};

class Executable {
 public:
  // updates: (param, value) pairs; after each run the value becomes the param's new value
  // (a training step). All values are computed before any param is assigned.
  Executable(std::shared_ptr<Graph> g, std::vector<ValueId> outputs,
             std::vector<std::pair<ValueId, ValueId>> updates = {},
             std::shared_ptr<const graph::MemoryPlan> plan = nullptr);
  // The graph inputs the outputs depend on, in graph order: each must be fed by name. Feeding
  // another input of the graph is allowed and ignored; a name the graph lacks is an error.
  const std::vector<ValueId>& inputs() const { return inputs_; }
  // Not const: a run with updates assigns params. Concurrent calls wait for each other.
  std::vector<Tensor> run(const std::vector<std::pair<std::string, Tensor>>& feeds);
  PlanStats plan_stats();
  // Tests: offer a node's slots last output first, so outputs of one shape (dropout's value
  // and mask) land in each other's slots and must be moved out of the arena.
  void reverse_slots_for_testing(bool on) { reverse_slots_ = on; }
  int64_t arena_bytes() const { return arena_.size(); }

 private:
  std::shared_ptr<Graph> g_;
  std::vector<ValueId> outputs_, inputs_;
  std::vector<std::pair<ValueId, ValueId>> updates_;
  std::vector<NodeId> order_;
  std::vector<int> last_use_;  // by value: index in order_ of its last reader (-1: an output)
  // Every input of the graph by name, and whether these outputs need it (looked up per feed).
  std::unordered_map<std::string, std::pair<ValueId, bool>> feedable_;
  std::shared_ptr<const graph::MemoryPlan> plan_;  // null: no arena
  Arena arena_;
  std::mutex mu_;  // one call at a time: calls share the arena
  PlanStats stats_;
  uint64_t calls_ = 0;  // calls so far: a fresh dropout mask per call (graph/run_context.h)
  bool reverse_slots_ = false;

  void check_plan(const std::vector<ValueId>& wanted) const;
  std::vector<Tensor> run_node(const graph::Node& node, const std::vector<Tensor>& in);
  std::vector<Tensor> run_locked(const std::vector<std::pair<std::string, Tensor>>& feeds);
};

}  // namespace pg::runtime
