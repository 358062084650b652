// Bindings of the shape family's eager ops.
#include "bindings/convert.h"

namespace pg {

void bind_shape(py::module_& m) { (void)m; }

}  // namespace pg
