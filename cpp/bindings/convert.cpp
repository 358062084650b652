#include "bindings/convert.h"

#include <cstring>

namespace pg {

Tensor from_numpy(const py::array& a, const char* op, const char* arg) {
  DType dtype;
  if (a.dtype().is(py::dtype::of<float>())) {
    dtype = DType::f32;
  } else if (a.dtype().is(py::dtype::of<double>())) {
    dtype = DType::f64;
  } else if (a.dtype().is(py::dtype::of<int64_t>())) {
    dtype = DType::i64;
  } else {
    throw TypeError(cat(op, ": ", arg, " must be a float32, float64 or int64 array, got dtype ",
                        std::string(py::str(a.dtype()))));
  }
  if (!(a.flags() & py::array::c_style))
    throw TypeError(cat(op, ": ", arg, " must be C-contiguous (use np.ascontiguousarray)"));
  Shape shape(a.shape(), a.shape() + a.ndim());
  return Tensor::borrow(const_cast<void*>(a.data()), shape, dtype);
}

Tensor from_numpy_opt(const py::object& o, const char* op, const char* arg) {
  if (o.is_none()) return Tensor();
  return from_numpy(py::reinterpret_borrow<py::array>(o), op, arg);
}

py::array to_numpy(const Tensor& t) {
  py::dtype dt = t.dtype() == DType::f32   ? py::dtype::of<float>()
                 : t.dtype() == DType::f64 ? py::dtype::of<double>()
                                           : py::dtype::of<int64_t>();
  std::vector<py::ssize_t> shape(t.shape().begin(), t.shape().end());
  std::vector<py::ssize_t> strides(shape.size());
  py::ssize_t s = static_cast<py::ssize_t>(dtype_size(t.dtype()));
  for (int i = static_cast<int>(shape.size()) - 1; i >= 0; --i) {
    strides[i] = s;
    s *= shape[i];
  }
  if (!t.buffer()) {  // a borrowed view: copy, the memory is not ours to share
    py::array out(dt, shape, strides);
    std::memcpy(out.mutable_data(), t.raw(), t.nbytes());
    return out;
  }
  auto keep = std::make_unique<std::shared_ptr<void>>(t.buffer());
  py::capsule owner(keep.get(), [](void* p) { delete static_cast<std::shared_ptr<void>*>(p); });
  keep.release();
  return py::array(dt, shape, strides, t.raw(), owner);
}

py::tuple to_numpy(const std::vector<Tensor>& ts) {
  py::tuple out(ts.size());
  for (size_t i = 0; i < ts.size(); ++i)
    out[i] = ts[i].defined() ? py::object(to_numpy(ts[i])) : py::object(py::none());
  return out;
}

}  // namespace pg
