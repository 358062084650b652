// Planned allocation: the executor lists where a node's outputs should live (slots in its
// arena) before the node runs; while the list is installed on this thread, Tensor::empty of an
// exactly matching shape and dtype returns the first free slot, borrowed, instead of a new
// buffer. Kernels stay unaware of arenas; the executor checks where each output landed.
#pragma once
#include <vector>

#include "tensor/tensor.h"

namespace pg {

struct PlannedSlot {
  Shape shape;
  DType dtype;
  void* data;
  bool taken = false;
};

// Installs `slots` for this thread for the guard's lifetime (not nestable: one node at a time).
class PlannedAllocation {
 public:
  explicit PlannedAllocation(std::vector<PlannedSlot>* slots);
  ~PlannedAllocation();
  PlannedAllocation(const PlannedAllocation&) = delete;
  PlannedAllocation& operator=(const PlannedAllocation&) = delete;
};

// The first free installed slot of this shape and dtype, now taken; nullptr when none.
void* take_planned(const Shape& shape, DType dtype);

}  // namespace pg
