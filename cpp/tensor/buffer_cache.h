// A bounded cache of freed large buffers. Fresh multi-megabyte buffers come from mmap and pay a
// page fault per 4 KB on first touch, which costs more than memory-bound kernels themselves;
// reusing a freed buffer of the same size class avoids that. Small buffers go straight to
// malloc, which already reuses them.
#pragma once
#include <cstddef>

namespace pg {

// 64-byte aligned, at least `bytes` long; nullptr when the system has no memory.
void* cached_alloc(size_t bytes);
// Returns a buffer from cached_alloc(bytes) (same `bytes`).
void cached_free(void* p, size_t bytes);
// Bytes held in the cache now (for tests); and drop everything it holds.
size_t cached_bytes();
void clear_buffer_cache();

}  // namespace pg
