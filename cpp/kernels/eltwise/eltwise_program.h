// A small elementwise program run block by block: the kernel of the graph's fused_elementwise.
// Each instruction runs over one cache-sized block with the vectorised eltwise front doors, so
// every input is read once and the output written once. No shapes here: flat arrays only.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/eltwise/eltwise.h"

namespace pg::kernels {

// What an instruction computes: a Unary op, a Binary op, or step (x > 0 ? 1 : 0).
enum class EwKind : int { unary, binary, step };

// dst = op(a[, b]). Registers 0..num_inputs-1 are the inputs, the next ones the instructions'
// results in order (instruction k writes register num_inputs + k); the last one is the output.
struct EwInstr {
  EwKind kind;
  int op;  // a Unary or Binary value
  int a, b;
};

// inputs[k] is (n), or (1) when scalar[k] (one value broadcast); y is (n).
template <class T>
void eltwise_program(const std::vector<EwInstr>& code, const std::vector<const T*>& inputs,
                     const std::vector<char>& scalar, int64_t n, T* y);

}  // namespace pg::kernels
