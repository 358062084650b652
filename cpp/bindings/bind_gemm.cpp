// Bindings of the gemm family's eager ops.
#include "bindings/convert.h"
#include "ops/matmul.h"

namespace pg {

void bind_gemm(py::module_& m) {
  m.def(
      "matmul",
      [](const py::array& a, const py::array& b) {
        Tensor ta = from_numpy(a, "matmul", "a"), tb = from_numpy(b, "matmul", "b");
        Tensor c;
        {
          py::gil_scoped_release release;
          c = ops::matmul(ta, tb);
        }
        return to_numpy(c);
      },
      py::arg("a"), py::arg("b"));
}

}  // namespace pg
