"""Graph functions of the activation family, with torch.nn.functional's names and defaults.

Each adds one node (linear adds a transpose, a matmul and an add); shapes are checked when the
node is built. The gradients are graph nodes too, and all but maxout's compose from primitives.

>>> import numpy as np, pygraph as pg
>>> x = pg.input((2,), name="x_doc_act")
>>> pg.compile(pg.leaky_relu(x, 0.5))(x_doc_act=np.array([-2.0, 3.0], np.float32))
array([-1.,  3.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

from ..graph import Tensor, _as_tensor, _emit

__all__ = [
    "leaky_relu", "prelu", "elu", "selu", "gelu", "silu", "swish", "softplus", "maxout",
    "sqrt", "abs", "erf", "linear",
]  # fmt: skip


def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:  # noqa: A002
    """x if x > 0 else negative_slope * x; any shape, output of input's shape."""
    return _emit("leaky_relu", input, negative_slope=float(negative_slope))


def prelu(input: Tensor, weight: Any) -> Tensor:  # noqa: A002
    """x if x > 0 else weight[c] * x; input (N, C, ...), weight (C,) or (1,) along axis 1."""
    return _emit("prelu", input, weight)


def elu(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    """x if x > 0 else alpha * (exp(x) - 1); any shape."""
    return _emit("elu", input, alpha=float(alpha))


def selu(input: Tensor) -> Tensor:  # noqa: A002
    """scale * elu(x, alpha) with the self-normalising constants (1.0507..., 1.6732...)."""
    return _emit("selu", input)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """x * Phi(x) (Phi the normal CDF); approximate="tanh" for the tanh form. Any shape."""
    return _emit("gelu", input, approximate=str(approximate))


def silu(input: Tensor) -> Tensor:  # noqa: A002
    """x * sigmoid(x); any shape."""
    return _emit("silu", input)


swish = silu


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """log(1 + exp(beta x)) / beta, and x itself where beta * x > threshold; any shape."""
    return _emit("softplus", input, beta=float(beta), threshold=float(threshold))


def maxout(input: Tensor, pieces: int, axis: int = 1) -> Tensor:  # noqa: A002
    """The max over groups of `pieces` consecutive channels: (N, C, ...) -> (N, C/pieces, ...)."""
    return _emit("maxout", input, pieces=int(pieces), axis=int(axis))


def sqrt(input: Tensor) -> Tensor:  # noqa: A002
    """The square root, elementwise."""
    return _emit("sqrt", input)


def abs(input: Tensor) -> Tensor:  # noqa: A001,A002
    """|x|, elementwise (its gradient is 0 at 0)."""
    return _emit("abs", input)


def erf(input: Tensor) -> Tensor:  # noqa: A002
    """The error function, elementwise."""
    return _emit("erf", input)


def linear(input: Tensor, weight: Any, bias: Any = None) -> Tensor:  # noqa: A002
    """input @ weight.T + bias: input (..., in), weight (out, in), bias (out,) -> (..., out).

    A composite of transpose, matmul and add (the matmul node counts the MACs).
    """
    x = input
    w = _as_tensor(weight, x.graph, x.dtype)
    if w.ndim != 2 or x.ndim < 1 or x.shape[-1] != w.shape[1]:
        raise ValueError(
            f"linear: input has shape {x.shape} and weight has shape {w.shape}; weight must "
            f"be (out_features, in_features) with in_features = input's last dim"
        )
    flat = x.ndim == 1
    if flat:  # the graph's matmul wants 2-D operands
        x = x.reshape(1, x.shape[0])
    y = _emit("matmul", x, _emit("transpose", w, axis0=0, axis1=1))
    if flat:
        y = y.reshape(w.shape[0])
    if bias is not None:
        b = _as_tensor(bias, x.graph, x.dtype)
        if b.shape not in ((w.shape[0],), ()):
            raise ValueError(
                f"linear: bias has shape {b.shape} but weight {w.shape} has "
                f"{w.shape[0]} output features"
            )
        y = _emit("add", y, b)
    return y
