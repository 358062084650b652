// The three exceptions the core raises; the bindings map them to Python's ValueError,
// TypeError and MemoryError. Messages name the op, the argument and the shapes.
#pragma once
#include <stdexcept>
#include <string>

namespace pg {

struct ValueError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct TypeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct MemoryError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace pg
