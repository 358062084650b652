"""Eager ops for teaching single operations: numpy in, numpy out, on pygraph's kernels.

Each op has the argument names of torch.nn.functional; backward functions are named
`<op>_backward` and return the gradients of every input.
"""

from .conv import *  # noqa: F401,F403
from .eltwise import *  # noqa: F401,F403
from .matmul import *  # noqa: F401,F403
from .norm import *  # noqa: F401,F403
from .pool import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
