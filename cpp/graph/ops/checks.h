// Small helpers shared by the OpDefs' shape rules and kernel entries.
#pragma once
#include <vector>

#include "graph/attrs.h"
#include "graph/op_def.h"
#include "ops/reduce.h"

namespace pg::graph {

// Optional trailing input k of a kernel entry (an undefined Tensor when absent).
inline Tensor opt(const std::vector<Tensor>& in, size_t k) {
  return k < in.size() ? in[k] : Tensor();
}

inline int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

inline void check_float(const char* op, const char* arg, const ValueType& t) {
  if (t.dtype != DType::f32 && t.dtype != DType::f64)
    throw TypeError(cat(op, ": ", arg, " must be float32 or float64, got ", dtype_name(t.dtype),
                        " with shape ", shape_str(t.shape)));
}

inline void check_dtype(const char* op, const char* arg, const ValueType& t, const ValueType& x) {
  if (t.dtype != x.dtype)
    throw TypeError(cat(op, ": ", arg, " is ", dtype_name(t.dtype), " but input is ",
                        dtype_name(x.dtype), "; pass both as float32 or both as float64"));
}

inline void check_nonempty(const char* op, const ValueType& x) {
  if (numel(x.shape) == 0)
    throw ValueError(cat(op, ": input is empty (shape ", shape_str(x.shape), ")"));
}

// The "axis" attribute of a reduction: absent means every axis (numpy's axis=None).
inline ops::AxisList axis_list(const Attrs& attrs) {
  return attrs.has("axis") ? ops::AxisList(attrs.ints("axis")) : std::nullopt;
}

inline bool keepdims(const Attrs& attrs) {
  return attrs.has("keepdims") && attrs.i("keepdims") != 0;
}

}  // namespace pg::graph
