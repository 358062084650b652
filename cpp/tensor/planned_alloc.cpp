#include "tensor/planned_alloc.h"

namespace pg {
namespace {
// Thread-local: kernels' OpenMP workers and other executors' threads never see these slots.
thread_local std::vector<PlannedSlot>* installed = nullptr;
}  // namespace

PlannedAllocation::PlannedAllocation(std::vector<PlannedSlot>* slots) { installed = slots; }

PlannedAllocation::~PlannedAllocation() { installed = nullptr; }

void* take_planned(const Shape& shape, DType dtype) {
  if (installed == nullptr) return nullptr;
  for (PlannedSlot& s : *installed)
    if (!s.taken && s.dtype == dtype && s.shape == shape) {
      s.taken = true;
      return s.data;
    }
  return nullptr;
}

}  // namespace pg
