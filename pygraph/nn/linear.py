"""Linear, Identity, Flatten: the fully connected layer and the shape adapters around it."""

from __future__ import annotations

import numpy as np

from .. import functional as F
from ..graph import Tensor
from . import init
from .module import Module
from .parameter import Parameter


def _empty(*shape: int) -> Parameter:
    return Parameter(np.zeros(shape, np.float32))


class Identity(Module):
    """Returns its input."""

    def forward(self, x: Tensor) -> Tensor:
        return x


class Linear(Module):
    """y = x @ weight.T + bias: x (*, in_features) -> (*, out_features).

    weight (out_features, in_features), bias (out_features,); torch's default init
    (kaiming_uniform_ with a = sqrt(5), bias U(-1/sqrt(in), 1/sqrt(in))).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        super().__init__()
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.weight = _empty(self.out_features, self.in_features)
        self.register_parameter("bias", _empty(self.out_features) if bias else None)
        init.default_linear_(self.weight, self.bias)

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Flatten(Module):
    """Flattens dims start_dim..end_dim: (N, C, H, W) -> (N, C*H*W) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        return F.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
