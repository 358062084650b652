"""Activation modules (torch.nn's names and defaults), each one node of pygraph.functional."""

from __future__ import annotations

import numpy as np

from .. import functional as F
from ..graph import Tensor
from .module import Module
from .parameter import Parameter


class ReLU(Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x)


class Sigmoid(Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.sigmoid(x)


class Tanh(Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.tanh(x)


class SELU(Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.selu(x)


class SiLU(Module):
    """x * sigmoid(x), also called Swish."""

    def forward(self, x: Tensor) -> Tensor:
        return F.silu(x)


Swish = SiLU


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, x: Tensor) -> Tensor:
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class GELU(Module):
    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x: Tensor) -> Tensor:
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class PReLU(Module):
    """x if x > 0 else weight[c] * x; weight (num_parameters,) initialized to `init`."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25) -> None:
        super().__init__()
        self.num_parameters = num_parameters
        self.weight = Parameter(np.full(num_parameters, init, np.float32))

    def forward(self, x: Tensor) -> Tensor:
        return F.prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class Maxout(Module):
    """The max over groups of `pieces` consecutive channels: (N, C, ...) -> (N, C/pieces, ...)
    (Goodfellow et al., 2013; apply it after a Linear/Conv with pieces times the channels)."""

    def __init__(self, pieces: int, axis: int = 1) -> None:
        super().__init__()
        self.pieces, self.axis = pieces, axis

    def forward(self, x: Tensor) -> Tensor:
        return F.maxout(x, self.pieces, self.axis)

    def extra_repr(self) -> str:
        return f"pieces={self.pieces}"


class Softmax(Module):
    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
