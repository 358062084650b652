#include "runtime/arena.h"

#include <cstdlib>

#include "tensor/tensor.h"

namespace pg::runtime {

// 64 bytes past the last value, like the buffer cache's slack: a kernel that reads a vector
// beyond its array's end stays inside memory we own.
constexpr int64_t kSlack = 64;

void Arena::Free::operator()(char* p) const { std::free(p); }

Arena::Arena(int64_t bytes) : size_(bytes) {
  if (bytes == 0) return;
  if (bytes_exceed_memory(bytes, 1))
    throw MemoryError(cat("compiled graph: the memory plan needs an arena of ", bytes >> 20,
                          " MiB, more than this machine's memory"));
  void* p = nullptr;
  if (posix_memalign(&p, 64, static_cast<size_t>(bytes + kSlack)) != 0)
    throw MemoryError(cat("compiled graph: cannot allocate the arena (", bytes >> 20, " MiB)"));
  base_.reset(static_cast<char*>(p));
}

}  // namespace pg::runtime
