// A dense, C-contiguous tensor: shape, dtype and a 64-byte-aligned buffer that it owns, or a
// pointer it borrows (numpy inputs during a call). No strides: layouts are fixed (NCHW).
#pragma once
#include <cstdint>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tensor/errors.h"

namespace pg {

enum class DType { f32, f64, i64 };
using Shape = std::vector<int64_t>;

const char* dtype_name(DType dtype);
size_t dtype_size(DType dtype);
std::string shape_str(const Shape& shape);  // "(2, 3, 4)"

// Builds a message from pieces: cat("conv2d: input ", shape_str(s), " ...").
template <class... Args>
std::string cat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

class Tensor {
 public:
  Tensor() = default;
  // Owning, 64-byte aligned, uninitialised. `op` names the caller in a MemoryError.
  static Tensor empty(const Shape& shape, DType dtype, const std::string& op);
  static Tensor zeros(const Shape& shape, DType dtype, const std::string& op);
  // Non-owning view of memory that outlives the tensor (a numpy array held by the binding).
  static Tensor borrow(void* data, const Shape& shape, DType dtype);

  const Shape& shape() const { return shape_; }
  int ndim() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int i) const { return shape_[i < 0 ? i + ndim() : i]; }
  int64_t numel() const;
  DType dtype() const { return dtype_; }
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype_); }
  bool defined() const { return data_ != nullptr; }
  const std::shared_ptr<void>& buffer() const { return buffer_; }

  template <class T>
  T* data() const {
    return static_cast<T*>(data_);
  }
  void* raw() const { return data_; }

 private:
  Shape shape_;
  DType dtype_ = DType::f32;
  std::shared_ptr<void> buffer_;  // empty when borrowed
  void* data_ = nullptr;
};

// True when numel elements of elem_size bytes exceed this machine's physical memory.
bool bytes_exceed_memory(int64_t numel, size_t elem_size);

// Product of a shape; MemoryError (naming op) when it overflows or cannot be allocated.
int64_t checked_numel(const Shape& shape, DType dtype, const std::string& op);

// The C++ type of each dtype, for kernels templated on float and double.
template <class T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() {
  return DType::f32;
}
template <>
constexpr DType dtype_of<double>() {
  return DType::f64;
}
template <>
constexpr DType dtype_of<int64_t>() {
  return DType::i64;
}

}  // namespace pg
