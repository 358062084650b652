// Allocation and formatting for Tensor. The only place in the core that allocates buffers.
#include "tensor/tensor.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <limits>

#include "tensor/buffer_cache.h"
#include "tensor/planned_alloc.h"

namespace pg {

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return "float32";
    case DType::f64:
      return "float64";
    case DType::i64:
      return "int64";
  }
  return "?";
}

size_t dtype_size(DType dtype) { return dtype == DType::f32 ? 4 : 8; }

std::string shape_str(const Shape& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape_) n *= d;
  return n;
}

namespace {
// Physical memory: a request beyond it cannot succeed and would only thrash or be overcommitted.
uint64_t physical_bytes() {
  static const uint64_t bytes = [] {
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
    return pages > 0 && size > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(size)
                                 : std::numeric_limits<uint64_t>::max();
  }();
  return bytes;
}
}  // namespace

bool bytes_exceed_memory(int64_t numel, size_t elem_size) {
  return static_cast<uint64_t>(numel) > physical_bytes() / elem_size;
}

int64_t checked_numel(const Shape& shape, DType dtype, const std::string& op) {
  const int64_t limit = std::numeric_limits<int64_t>::max() / 8;
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw ValueError(cat(op, ": negative size in shape ", shape_str(shape)));
    if (d != 0 && n > limit / d)
      throw MemoryError(cat(op, ": cannot allocate a ", dtype_name(dtype), " tensor of shape ",
                            shape_str(shape), ": its size overflows 64 bits"));
    n *= d;
  }
  return n;
}

Tensor Tensor::empty(const Shape& shape, DType dtype, const std::string& op) {
  if (void* slot = take_planned(shape, dtype)) return borrow(slot, shape, dtype);
  const int64_t n = checked_numel(shape, dtype, op);
  const uint64_t bytes = static_cast<uint64_t>(n) * dtype_size(dtype);
  if (bytes_exceed_memory(n, dtype_size(dtype)))
    throw MemoryError(cat(op, ": cannot allocate a ", dtype_name(dtype), " tensor of shape ",
                          shape_str(shape), " (", bytes / (1 << 20), " MiB): more than this ",
                          "machine's memory"));
  void* p = cached_alloc(bytes);
  if (p == nullptr)
    throw MemoryError(cat(op, ": cannot allocate a ", dtype_name(dtype), " tensor of shape ",
                          shape_str(shape), " (", bytes / (1 << 20), " MiB)"));
  Tensor t;
  t.shape_ = shape;
  t.dtype_ = dtype;
  t.buffer_ = std::shared_ptr<void>(p, [bytes](void* q) { cached_free(q, bytes); });
  t.data_ = p;
  return t;
}

Tensor Tensor::zeros(const Shape& shape, DType dtype, const std::string& op) {
  Tensor t = empty(shape, dtype, op);
  std::memset(t.data_, 0, t.nbytes());
  return t;
}

Tensor Tensor::borrow(void* data, const Shape& shape, DType dtype) {
  Tensor t;
  t.shape_ = shape;
  t.dtype_ = dtype;
  t.data_ = data;
  return t;
}

}  // namespace pg
