#include "graph/run_context.h"

namespace pg::graph {
namespace {
thread_local uint64_t t_call = 0;
}  // namespace

uint64_t current_call() { return t_call; }

CallScope::CallScope(uint64_t call) : saved_(t_call) { t_call = call; }
CallScope::~CallScope() { t_call = saved_; }

}  // namespace pg::graph
