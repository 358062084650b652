"""BatchNorm1d/2d, LayerNorm and Dropout: the layers whose behaviour depends on train/eval.

BatchNorm in training mode normalizes with the batch statistics and records its running-stat
updates on the graph (running = (1 - momentum) * running + momentum * batch, the variance
unbiased as torch does). pg.compile applies them after each call whose
outputs need this layer's output (see pygraph.nn.parameter): a compiled training step, or the
module called on numpy in train mode, updates them. In eval mode it uses the running stats.
num_batches_tracked is a buffer only so that torch's state_dicts load and save: the graph has
no int64 arithmetic, so it is not counted (it only matters to torch's momentum=None, which
pygraph does not support).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import functional as F
from ..graph import Tensor
from .module import Module
from .parameter import Parameter, record_update


class _BatchNorm(Module):
    dims: tuple[int, ...] = (2,)

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
    ) -> None:
        super().__init__()
        if momentum is None:
            raise ValueError(
                f"{type(self).__name__}: momentum=None (a cumulative average) is "
                "not supported; give a float"
            )
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        c = num_features
        self.register_parameter("weight", Parameter(np.ones(c, np.float32)) if affine else None)
        self.register_parameter("bias", Parameter(np.zeros(c, np.float32)) if affine else None)
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(c, np.float32))
            self.register_buffer("running_var", np.ones(c, np.float32))
            self.register_buffer("num_batches_tracked", np.array(0, np.int64))
        else:
            self.running_mean = self.running_var = None

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in self.dims or x.shape[1] != self.num_features:
            raise ValueError(
                f"{type(self).__name__}({self.num_features}): input has shape "
                f"{x.shape}; expected {self._expects()}"
            )
        batch_stats = self.training or not self.track_running_stats
        rm, rv = self.running_mean, self.running_var
        y = F.batch_norm(x, rm, rv, self.weight, self.bias, batch_stats, self.momentum, self.eps)
        if self.training and self.track_running_stats:
            self._record_running_stats(x, y)
        return y

    def _record_running_stats(self, x: Tensor, y: Tensor) -> None:
        axes = [0] + list(range(2, x.ndim))
        n = int(np.prod([x.shape[a] for a in axes]))
        mean = x.mean(axis=axes)
        shape = [1, x.shape[1]] + [1] * (x.ndim - 2)
        centered = x - mean.reshape(shape)
        var = (centered * centered).mean(axis=axes) * (n / max(n - 1, 1))
        m = self.momentum
        rm, rv = self.running_mean.in_graph(x.graph), self.running_var.in_graph(x.graph)
        record_update(rm, rm * (1.0 - m) + mean * m, y)
        record_update(rv, rv * (1.0 - m) + var * m, y)

    def _expects(self) -> str:
        return f"(N, {self.num_features}, ...) with {' or '.join(map(str, self.dims))} dims"

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None or not self.affine}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Per-channel normalization of (N, C) or (N, C, L)."""

    dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Per-channel normalization of (N, C, H, W)."""

    dims = (4,)


class LayerNorm(Module):
    """Normalization over the trailing normalized_shape dims; weight and bias of that shape."""

    def __init__(
        self,
        normalized_shape: Any,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
    ) -> None:
        super().__init__()
        ns = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
        self.normalized_shape = tuple(int(d) for d in ns)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        ones = Parameter(np.ones(self.normalized_shape, np.float32))
        zeros = Parameter(np.zeros(self.normalized_shape, np.float32))
        self.register_parameter("weight", ones if elementwise_affine else None)
        self.register_parameter("bias", zeros if elementwise_affine and bias else None)

    def forward(self, x: Tensor) -> Tensor:
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )


class Dropout(Module):
    """Zeroes each element with probability p in training mode (scaling the rest by 1/(1-p));
    the identity in eval mode. Each compiled call draws a fresh mask; the node's seed comes
    from pygraph's generator (pg.manual_seed)."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.p == 0.0:
            return x
        return F.dropout(x, self.p, training=True)

    def extra_repr(self) -> str:
        return f"p={self.p}"
