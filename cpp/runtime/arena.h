// One 64-byte-aligned block holding every planned intermediate value of an Executable. It is
// allocated once and reused by every call; it owns raw bytes, never Tensors.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

namespace pg::runtime {

class Arena {
 public:
  Arena() = default;
  explicit Arena(int64_t bytes);  // MemoryError when the machine cannot hold it
  char* at(int64_t offset) const { return base_.get() + offset; }
  int64_t size() const { return size_; }
  bool contains(const void* p) const {
    const char* c = static_cast<const char*>(p);
    return base_ && c >= base_.get() && c < base_.get() + size_;
  }

 private:
  struct Free {
    void operator()(char* p) const;
  };
  std::unique_ptr<char, Free> base_;
  int64_t size_ = 0;
};

}  // namespace pg::runtime
