"""Graph functions: pg.relu(x), pg.conv2d(x, w), ... each adds a node to its inputs' graph.

One module per family; names and arguments follow torch.nn.functional (axis where torch says
dim). The eager versions, numpy in and numpy out, are in pygraph.ops.
"""

from .activation import *  # noqa: F403
from .activation import __all__ as _activation
from .conv import *  # noqa: F403
from .conv import __all__ as _conv
from .core import *  # noqa: F403
from .core import __all__ as _core_ops
from .movement import *  # noqa: F403
from .movement import __all__ as _movement
from .norm import *  # noqa: F403
from .norm import __all__ as _norm

__all__ = [*_core_ops, *_activation, *_conv, *_norm, *_movement]
