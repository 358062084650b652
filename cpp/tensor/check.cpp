#include "tensor/check.h"

namespace pg {

void check_ndim(const char* op, const char* arg, const Tensor& t, int ndim, const char* layout) {
  if (t.ndim() != ndim)
    throw ValueError(
        cat(op, ": ", arg, " must be ", ndim, "-D ", layout, ", got shape ", shape_str(t.shape())));
}

void check_float(const char* op, const char* arg, const Tensor& t) {
  if (t.dtype() != DType::f32 && t.dtype() != DType::f64)
    throw TypeError(cat(op, ": ", arg, " must be float32 or float64, got ", dtype_name(t.dtype()),
                        " with shape ", shape_str(t.shape())));
}

void check_same_dtype(const char* op,
                      std::initializer_list<std::pair<const char*, const Tensor*>> args) {
  const auto& first = *args.begin();
  check_float(op, first.first, *first.second);
  for (const auto& a : args) {
    if (!a.second->defined()) continue;
    if (a.second->dtype() != first.second->dtype())
      throw TypeError(cat(op, ": ", a.first, " is ", dtype_name(a.second->dtype()), " but ",
                          first.first, " is ", dtype_name(first.second->dtype()),
                          "; pass both as float32 or both as float64"));
  }
}

void check_nonempty(const char* op, const char* arg, const Tensor& t) {
  if (t.numel() == 0)
    throw ValueError(cat(op, ": ", arg, " is empty (shape ", shape_str(t.shape()), ")"));
}

void check_positive(const char* op, const char* arg, int64_t value) {
  if (value <= 0) throw ValueError(cat(op, ": ", arg, " must be positive, got ", value));
}

void check_nonnegative(const char* op, const char* arg, int64_t value) {
  if (value < 0) throw ValueError(cat(op, ": ", arg, " must be >= 0, got ", value));
}

void check_same_shape(const char* op, const char* arg, const Tensor& t, const Shape& expected,
                      const char* what) {
  if (t.shape() != expected)
    throw ValueError(cat(op, ": ", arg, " has shape ", shape_str(t.shape()), " but ", what, " ",
                         shape_str(expected)));
}

}  // namespace pg
