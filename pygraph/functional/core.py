"""Graph functions of the primitives: arithmetic, exp/log, relu/sigmoid/tanh, matmul, sums."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..graph import Tensor, _axes, _emit


def add(input: Any, other: Any) -> Tensor:  # noqa: A002
    """input + other, with numpy broadcasting."""
    return _emit("add", input, other)


def sub(input: Any, other: Any) -> Tensor:  # noqa: A002
    """input - other, with numpy broadcasting."""
    return _emit("sub", input, other)


def mul(input: Any, other: Any) -> Tensor:  # noqa: A002
    """input * other, with numpy broadcasting."""
    return _emit("mul", input, other)


def div(input: Any, other: Any) -> Tensor:  # noqa: A002
    """input / other, with numpy broadcasting."""
    return _emit("div", input, other)


def neg(input: Tensor) -> Tensor:  # noqa: A002
    """-input."""
    return _emit("neg", input)


def exp(input: Tensor) -> Tensor:  # noqa: A002
    """e^input."""
    return _emit("exp", input)


def log(input: Tensor) -> Tensor:  # noqa: A002
    """The natural logarithm."""
    return _emit("log", input)


def relu(input: Tensor) -> Tensor:  # noqa: A002
    """max(x, 0)."""
    return _emit("relu", input)


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """1 / (1 + e^-x)."""
    return _emit("sigmoid", input)


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    """The hyperbolic tangent."""
    return _emit("tanh", input)


def matmul(a: Any, b: Any) -> Tensor:
    """a (..., M, K) @ b (..., K, N) -> (..., M, N); batch dims broadcast."""
    return _emit("matmul", a, b)


def sum(input: Tensor, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:  # noqa: A001,A002
    """The sum over `axis` (every axis when None)."""
    return _emit("sum", input, axis=_axes(axis), keepdims=keepdims)


def mean(input: Tensor, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:  # noqa: A002
    """The mean over `axis` (every axis when None)."""
    return _emit("mean", input, axis=_axes(axis), keepdims=keepdims)


def reshape(input: Tensor, shape: Sequence[int]) -> Tensor:  # noqa: A002
    """The same elements in a new shape (one -1 is inferred)."""
    return _emit("reshape", input, shape=[int(d) for d in shape])


def transpose(input: Tensor, axis0: int, axis1: int) -> Tensor:  # noqa: A002
    """Swap two axes."""
    return _emit("transpose", input, axis0=axis0, axis1=axis1)


__all__ = ["add", "sub", "mul", "div", "neg", "exp", "log", "relu", "sigmoid", "tanh", "matmul",
           "sum", "mean", "reshape", "transpose"]  # fmt: skip
