// Bindings of the conv family's eager ops.
#include "bindings/convert.h"

namespace pg {

void bind_conv(py::module_& m) { (void)m; }

}  // namespace pg
