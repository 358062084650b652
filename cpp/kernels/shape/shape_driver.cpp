// Dispatch and loops for data movement: permute (axis merging, block copies, batched 2-D
// transposes), strided row copies and padding by index maps. Tile arithmetic is in
// transpose_<isa>.cpp.
#include <algorithm>
#include <cstring>

#include "kernels/cpu.h"
#include "kernels/shape/shape.h"

namespace pg::kernels {
namespace {

const Variant<Transpose2dFn> kTranspose[] = {
#ifdef PYGRAPH_SIMD
    {"transpose_f32_avx512", Isa::avx512, transpose2d_f32_avx512},
    {"transpose_f32_avx2", Isa::avx2, transpose2d_f32_avx2},
#endif
    {"transpose_f32_portable", Isa::portable, transpose2d_f32_portable},
    {"transpose_f32_ref", Isa::ref, transpose2d_ref<float>}};
const bool kRegistered = register_table("shape", kTranspose);

constexpr int64_t kParallelBytes = 1 << 16;
constexpr int64_t kRowBlock = 16;  // rows of a 2-D plane per task: few input streams, and few
                                   // cache sets hit when rows are a power-of-two apart

// Strides (in elements) of a contiguous shape.
std::vector<int64_t> strides_of(const std::vector<int64_t>& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (int i = static_cast<int>(shape.size()) - 2; i >= 0; --i) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

// Offsets in x and y of batch element b, whose index runs over `dims` (row-major).
void batch_offsets(int64_t b, const std::vector<int64_t>& dims, const std::vector<int64_t>& sx,
                   const std::vector<int64_t>& sy, int64_t& ox, int64_t& oy) {
  ox = oy = 0;
  for (int i = static_cast<int>(dims.size()) - 1; i >= 0; --i) {
    const int64_t idx = b % dims[i];
    b /= dims[i];
    ox += idx * sx[i];
    oy += idx * sy[i];
  }
}

template <class T>
void transpose_planes(const T* x, T* y, const std::vector<int64_t>& dims,
                      const std::vector<int64_t>& sx, const std::vector<int64_t>& sy, int64_t rows,
                      int64_t cols, int64_t ldx, int64_t ldy) {
  int64_t batch = 1;
  for (int64_t d : dims) batch *= d;
  const int64_t blocks = (rows + kRowBlock - 1) / kRowBlock;
  const auto fn = [] {
    if constexpr (sizeof(T) == 4)
      return pick(kTranspose).fn;
    else
      return transpose2d_ref<T>;
  }();
  const bool big = batch * rows * cols * int64_t(sizeof(T)) > kParallelBytes;
#pragma omp parallel for if (big)
  for (int64_t task = 0; task < batch * blocks; ++task) {
    int64_t ox, oy;
    batch_offsets(task / blocks, dims, sx, sy, ox, oy);
    const int64_t r0 = (task % blocks) * kRowBlock, nr = std::min(kRowBlock, rows - r0);
    fn(x + ox + r0 * ldx, y + oy + r0, nr, cols, ldx, ldy);
  }
}

}  // namespace

void copy_rows(const void* src, void* dst, int64_t rows, int64_t row_bytes, int64_t src_ld,
               int64_t dst_ld) {
  const char* s = static_cast<const char*>(src);
  char* d = static_cast<char*>(dst);
#pragma omp parallel for if (rows * row_bytes > kParallelBytes && rows > 1)
  for (int64_t r = 0; r < rows; ++r) std::memcpy(d + r * dst_ld, s + r * src_ld, row_bytes);
}

void permute(const void* x, void* y, size_t elem, const std::vector<int64_t>& shape,
             const std::vector<int>& perm) {
  (void)kRegistered;
  int64_t numel = 1;
  for (int64_t d : shape) numel *= d;
  if (numel == 0) return;
  // Drop size-1 axes, then merge input axes that stay adjacent and in order in the output.
  std::vector<int> keep(shape.size(), -1);
  std::vector<int64_t> dims;
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] != 1) keep[i] = static_cast<int>(dims.size()), dims.push_back(shape[i]);
  std::vector<int> p;
  for (int a : perm)
    if (keep[a] >= 0) p.push_back(keep[a]);
  std::vector<int64_t> mdims;           // merged input dims
  std::vector<int> group(dims.size());  // input axis -> merged axis
  std::vector<int> mp;                  // merged permutation, in output order
  for (size_t i = 0; i < p.size(); ++i) {
    if (i > 0 && p[i] == p[i - 1] + 1) {
      group[p[i]] = group[p[i - 1]];
      continue;
    }
    group[p[i]] = static_cast<int>(mp.size());
    mp.push_back(p[i]);
  }
  // mp holds the leading input axis of each output group; order the groups by input position.
  std::vector<int> order;  // merged axes in input order
  for (size_t a = 0; a < dims.size(); ++a)
    if (a == 0 || group[a] != group[a - 1]) order.push_back(group[a]);
  const int n = static_cast<int>(order.size());
  std::vector<int> pos_in(mp.size());  // merged group -> position in input
  for (int i = 0; i < n; ++i) pos_in[order[i]] = i;
  mdims.assign(n, 1);
  for (size_t a = 0; a < dims.size(); ++a) mdims[pos_in[group[a]]] *= dims[a];
  std::vector<int> q(n);  // output axis i is merged input axis q[i]
  for (int i = 0; i < n; ++i) q[i] = pos_in[i];

  bool identity = true;
  for (int i = 0; i < n; ++i) identity &= q[i] == i;
  if (identity) {
    copy_rows(x, y, 1, numel * static_cast<int64_t>(elem), 0, 0);
    return;
  }
  const std::vector<int64_t> sx = strides_of(mdims);
  std::vector<int64_t> ydims(n);
  for (int i = 0; i < n; ++i) ydims[i] = mdims[q[i]];
  const std::vector<int64_t> syo = strides_of(ydims);
  std::vector<int64_t> sy(n);  // output stride of each input axis
  for (int i = 0; i < n; ++i) sy[q[i]] = syo[i];

  const int last = n - 1, q_last = q[n - 1];  // input axis that becomes the output's last
  if (q_last == last) {                       // the innermost axis stays innermost: move whole rows
    std::vector<int64_t> bd(mdims.begin(), mdims.end() - 1), bsx(sx.begin(), sx.end() - 1),
        bsy(sy.begin(), sy.end() - 1);
    int64_t rows = 1;
    for (int64_t d : bd) rows *= d;
    const int64_t row_bytes = mdims[last] * static_cast<int64_t>(elem);
    const char* xs = static_cast<const char*>(x);
    char* ys = static_cast<char*>(y);
#pragma omp parallel for if (numel * static_cast<int64_t>(elem) > kParallelBytes)
    for (int64_t r = 0; r < rows; ++r) {
      int64_t ox, oy;
      batch_offsets(r, bd, bsx, bsy, ox, oy);
      std::memcpy(ys + oy * static_cast<int64_t>(elem), xs + ox * static_cast<int64_t>(elem),
                  row_bytes);
    }
    return;
  }
  // Batch over every input axis except the plane's two (q_last and last).
  std::vector<int64_t> bd, bsx, bsy;
  for (int a = 0; a < n; ++a)
    if (a != last && a != q_last)
      bd.push_back(mdims[a]), bsx.push_back(sx[a]), bsy.push_back(sy[a]);
  const int64_t rows = mdims[q_last], cols = mdims[last];
  if (elem == 4)
    transpose_planes(static_cast<const float*>(x), static_cast<float*>(y), bd, bsx, bsy, rows, cols,
                     sx[q_last], sy[last]);
  else
    transpose_planes(static_cast<const int64_t*>(x), static_cast<int64_t*>(y), bd, bsx, bsy, rows,
                     cols, sx[q_last], sy[last]);
}

template <class T>
void pad_forward(const T* x, T* y, const std::vector<int64_t>& in, const std::vector<int64_t>& out,
                 const std::vector<std::vector<int64_t>>& map, T value) {
  const int nd = static_cast<int>(out.size());
  const int64_t W = out[nd - 1];
  int64_t rows = 1;
  for (int d = 0; d < nd - 1; ++d) rows *= out[d];
  const std::vector<int64_t> sx = strides_of(in);
  const std::vector<int64_t>& last = map[nd - 1];
  // Constant padding of the last axis is fill | contiguous run | fill: copy the run at once.
  int64_t j0 = 0, j1;
  while (j0 < W && last[j0] < 0) ++j0;
  for (j1 = j0; j1 < W && last[j1] == last[j0] + (j1 - j0);) ++j1;
  bool run = true;
  for (int64_t j = j1; j < W; ++j) run &= last[j] < 0;
#pragma omp parallel for if (rows * W * int64_t(sizeof(T)) > kParallelBytes)
  for (int64_t r = 0; r < rows; ++r) {
    T* yr = y + r * W;
    int64_t off = 0, rem = r;
    bool fill = false;
    for (int d = nd - 2; d >= 0; --d) {
      const int64_t m = map[d][rem % out[d]];
      rem /= out[d];
      if (m < 0) fill = true;
      off += m * sx[d];
    }
    if (fill) {
      for (int64_t j = 0; j < W; ++j) yr[j] = value;
      continue;
    }
    const T* xr = x + off;
    if (run) {
      for (int64_t j = 0; j < j0; ++j) yr[j] = value;
      if (j1 > j0) std::memcpy(yr + j0, xr + last[j0], (j1 - j0) * sizeof(T));
      for (int64_t j = j1; j < W; ++j) yr[j] = value;
    } else {
      for (int64_t j = 0; j < W; ++j) yr[j] = last[j] < 0 ? value : xr[last[j]];
    }
  }
}

template <class T>
void pad_backward(const T* gy, T* gx, const std::vector<int64_t>& in,
                  const std::vector<int64_t>& out, const std::vector<std::vector<int64_t>>& map,
                  bool one_to_one) {
  const int nd = static_cast<int>(out.size());
  const int64_t W = out[nd - 1];
  int64_t rows = 1, numel = 1;
  for (int d = 0; d < nd - 1; ++d) rows *= out[d];
  for (int64_t d : in) numel *= d;
  std::fill(gx, gx + numel, T(0));
  const std::vector<int64_t> sx = strides_of(in);
  const std::vector<int64_t>& last = map[nd - 1];
#pragma omp parallel for if (one_to_one && rows * W * int64_t(sizeof(T)) > kParallelBytes)
  for (int64_t r = 0; r < rows; ++r) {
    int64_t off = 0, rem = r;
    bool skip = false;
    for (int d = nd - 2; d >= 0; --d) {
      const int64_t m = map[d][rem % out[d]];
      rem /= out[d];
      if (m < 0) skip = true;
      off += m * sx[d];
    }
    if (skip) continue;
    const T* gr = gy + r * W;
    for (int64_t j = 0; j < W; ++j)
      if (last[j] >= 0) gx[off + last[j]] += gr[j];
  }
}

#define PG_PAD(T)                                                            \
  template void pad_forward<T>(const T*, T*, const std::vector<int64_t>&,    \
                               const std::vector<int64_t>&,                  \
                               const std::vector<std::vector<int64_t>>&, T); \
  template void pad_backward<T>(const T*, T*, const std::vector<int64_t>&,   \
                                const std::vector<int64_t>&,                 \
                                const std::vector<std::vector<int64_t>>&, bool);
PG_PAD(float)
PG_PAD(double)
PG_PAD(int64_t)
#undef PG_PAD

}  // namespace pg::kernels
