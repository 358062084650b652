// The block interpreter of fused elementwise programs: blocks of kBlock elements over OpenMP
// threads, each instruction by the eltwise front doors (serial inside the parallel region).
#include "kernels/eltwise/eltwise_program.h"

#include <omp.h>

#include <algorithm>

namespace pg::kernels {
namespace {

constexpr int64_t kBlock = 2048;         // 8 KiB of float per register: a few fit in L1/L2
constexpr int64_t kParallelMin = 65536;  // the eltwise front doors' threshold

// One register during a block: its data and whether it is one broadcast value.
template <class T>
struct Reg {
  const T* p;
  bool scalar;
};

template <class T>
void run_instr(const EwInstr& in, const Reg<T>& a, const Reg<T>& b, int64_t m, T* dst) {
  switch (in.kind) {
    case EwKind::unary:
      unary<T>(static_cast<Unary>(in.op), m, a.p, dst, UnaryArgs<T>{});
      return;
    case EwKind::binary:
      binary<T>(static_cast<Binary>(in.op), m, a.p, a.scalar ? 0 : 1, b.p, b.scalar ? 0 : 1, dst);
      return;
    case EwKind::step:
      for (int64_t i = 0; i < m; ++i) dst[i] = a.p[i] > T(0) ? T(1) : T(0);
      return;
  }
}

// y[0, m) from the inputs at offset s; scratch holds `stride` elements per instruction.
template <class T>
void run_block(const std::vector<EwInstr>& code, const std::vector<const T*>& inputs,
               const std::vector<char>& scalar, int64_t s, int64_t m, T* y, T* scratch,
               int64_t stride) {
  std::vector<Reg<T>> regs;
  regs.reserve(inputs.size() + code.size());
  for (size_t k = 0; k < inputs.size(); ++k)
    regs.push_back({scalar[k] ? inputs[k] : inputs[k] + s, scalar[k] != 0});
  for (size_t k = 0; k < code.size(); ++k) {
    const EwInstr& in = code[k];
    const Reg<T>& a = regs[in.a];
    const Reg<T>& b = in.kind == EwKind::binary ? regs[in.b] : a;
    // An instruction over scalars only gives one value; the last one still fills the block.
    const bool one = a.scalar && b.scalar && k + 1 < code.size();
    T* dst = k + 1 == code.size() ? y : scratch + k * stride;
    if (k + 1 == code.size() && a.scalar && b.scalar) {
      run_instr(in, a, b, 1, dst);
      std::fill(dst + 1, dst + m, dst[0]);
    } else {
      run_instr(in, a, b, one ? 1 : m, dst);
    }
    regs.push_back({dst, one});
  }
}

}  // namespace

template <class T>
void eltwise_program(const std::vector<EwInstr>& code, const std::vector<const T*>& inputs,
                     const std::vector<char>& scalar, int64_t n, T* y) {
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  const int64_t stride = std::min(n, kBlock);  // small tensors need small scratch
  const size_t scratch_len = code.size() * static_cast<size_t>(stride);
  if (n < kParallelMin || omp_in_parallel() || omp_get_max_threads() == 1) {
    std::vector<T> scratch(scratch_len);
    for (int64_t c = 0; c < blocks; ++c)
      run_block(code, inputs, scalar, c * kBlock, std::min(kBlock, n - c * kBlock), y + c * kBlock,
                scratch.data(), stride);
    return;
  }
#pragma omp parallel
  {
    std::vector<T> scratch(scratch_len);
#pragma omp for schedule(static)
    for (int64_t c = 0; c < blocks; ++c)
      run_block(code, inputs, scalar, c * kBlock, std::min(kBlock, n - c * kBlock), y + c * kBlock,
                scratch.data(), stride);
  }
}

template void eltwise_program<float>(const std::vector<EwInstr>&, const std::vector<const float*>&,
                                     const std::vector<char>&, int64_t, float*);
template void eltwise_program<double>(const std::vector<EwInstr>&,
                                      const std::vector<const double*>&, const std::vector<char>&,
                                      int64_t, double*);

}  // namespace pg::kernels
