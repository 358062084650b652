#include "tensor/buffer_cache.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>

namespace pg {
namespace {

constexpr size_t kMinCached = size_t{1} << 16;  // smaller blocks: malloc reuses them anyway
constexpr size_t kClass = size_t{1} << 12;      // sizes are rounded to whole pages

size_t size_class(size_t bytes) {
  const size_t with_slack = bytes + 64;  // never zero; room for SIMD over-reads
  return bytes >= kMinCached ? (with_slack + kClass - 1) / kClass * kClass
                             : (with_slack + 63) / 64 * 64;
}

struct Cache {
  std::mutex mu;
  std::multimap<size_t, void*> free_blocks;  // size class -> block
  size_t held = 0;
  size_t limit = [] {  // 1/16 of physical memory, at most 1 GiB
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    const size_t phys = pages > 0 && page > 0 ? static_cast<size_t>(pages) * page : 0;
    return std::min<size_t>(phys / 16, size_t{1} << 30);
  }();
};

// Never destroyed: numpy may release our buffers after static destructors have run.
Cache& cache() {
  static Cache* c = new Cache();  // NOLINT: intentionally leaked
  return *c;
}

}  // namespace

void* cached_alloc(size_t bytes) {
  const size_t size = size_class(bytes);
  if (size >= kMinCached) {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = c.free_blocks.find(size);
    if (it != c.free_blocks.end()) {
      void* p = it->second;
      c.free_blocks.erase(it);
      c.held -= size;
      return p;
    }
  }
  void* p = nullptr;
  return posix_memalign(&p, 64, size) == 0 ? p : nullptr;
}

void cached_free(void* p, size_t bytes) {
  const size_t size = size_class(bytes);
  if (size >= kMinCached) {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mu);
    if (c.held + size <= c.limit) {
      c.free_blocks.emplace(size, p);
      c.held += size;
      return;
    }
  }
  std::free(p);
}

size_t cached_bytes() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return c.held;
}

void clear_buffer_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  for (auto& kv : c.free_blocks) std::free(kv.second);
  c.free_blocks.clear();
  c.held = 0;
}

}  // namespace pg
