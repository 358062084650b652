// The portable GEMM variant: plain C++ the compiler vectorizes at the baseline ISA (SSE2).
#include "kernels/gemm/gemm_small.h"

namespace pg::kernels::gemm_detail {

// a is (kc, 6) packed, b is (kc, 8) packed, c is (6, 8) with row stride ldc
const GemmKernels kPortableKernels = {
    6,       8,         /*kc=*/256, /*mc=*/96, /*nc=*/2048, ukernel_generic<6, 8>,
    nullptr, pack_a<6>, pack_b<8>,  small_nn,  small_nt};

}  // namespace pg::kernels::gemm_detail
