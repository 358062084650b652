// Argument checks shared by every op. Each throws with the op's name, the argument's name and
// the shapes involved, so a user sees "conv2d: weight has 3 input channels ..." not a crash.
#pragma once
#include <initializer_list>
#include <string>

#include "tensor/tensor.h"

namespace pg {

// The tensor has exactly `ndim` dims; `layout` describes them, e.g. "(N, C, H, W)".
void check_ndim(const char* op, const char* arg, const Tensor& t, int ndim, const char* layout);
// Every tensor listed has the same floating dtype as the first.
void check_same_dtype(const char* op, std::initializer_list<std::pair<const char*, const Tensor*>>);
void check_float(const char* op, const char* arg, const Tensor& t);
void check_nonempty(const char* op, const char* arg, const Tensor& t);
void check_positive(const char* op, const char* arg, int64_t value);
void check_nonnegative(const char* op, const char* arg, int64_t value);
// Same shape; `what` explains the relation ("grad_output must match the output").
void check_same_shape(const char* op, const char* arg, const Tensor& t, const Shape& expected,
                      const char* what);

}  // namespace pg
