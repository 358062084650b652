// An Executable runs the nodes that some outputs need, in order, with no Python between ops.
// This first version keeps each value in its own buffer and frees it after its last use; the
// arena from plan_memory replaces that later. Parameters are read when the call starts, so
// the current values are used.
#pragma once
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "graph/ir.h"

namespace pg::runtime {

using graph::Graph;
using graph::NodeId;
using graph::ValueId;

class Executable {
 public:
  // updates: (param, value) pairs; after each run the value becomes the param's new value
  // (a training step). All values are computed before any param is assigned.
  Executable(std::shared_ptr<Graph> g, std::vector<ValueId> outputs,
             std::vector<std::pair<ValueId, ValueId>> updates = {});
  // The graph inputs the outputs depend on, in graph order: each must be fed by name. Feeding
  // another input of the graph is allowed and ignored; a name the graph lacks is an error.
  const std::vector<ValueId>& inputs() const { return inputs_; }
  // Not const: a run with updates assigns params. Runs of one Executable must not overlap.
  std::vector<Tensor> run(const std::vector<std::pair<std::string, Tensor>>& feeds);

 private:
  std::shared_ptr<Graph> g_;
  std::vector<ValueId> outputs_, inputs_;
  std::vector<std::pair<ValueId, ValueId>> updates_;
  std::vector<NodeId> order_;
  std::vector<int> last_use_;  // by value: index in order_ of its last reader (-1: an output)
  // Every input of the graph by name, and whether these outputs need it (looked up per feed).
  std::unordered_map<std::string, std::pair<ValueId, bool>> feedable_;
};

}  // namespace pg::runtime
