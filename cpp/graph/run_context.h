// The call being run, for ops whose result depends on it: a dropout node without a fixed seed
// draws a fresh mask each call. The executor numbers its calls and installs the number on its
// thread while the nodes run; outside a compiled call the number is 0.
#pragma once
#include <cstdint>

namespace pg::graph {

uint64_t current_call();

// Installs `call` for this thread for the guard's lifetime.
class CallScope {
 public:
  explicit CallScope(uint64_t call);
  ~CallScope();
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

 private:
  uint64_t saved_;
};

}  // namespace pg::graph
