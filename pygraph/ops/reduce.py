"""Eager reductions: sum, mean, amax, amin, argmax, argmin and their backward functions.

numpy semantics: `axis` is None (every axis), an int, or a sequence of ints (negative allowed);
`keepdims` keeps reduced axes as size 1. float32 sums accumulate in double per block, so they
match a float64 sum to ~1e-7 even over millions of elements. Re-exported by pygraph.ops.shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import _core
from ._args import floats

Axis = int | Sequence[int] | None


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _axes(axis: Any, op: str) -> list[int] | None:
    if axis is None:
        return None
    if _is_int(axis):
        return [int(axis)]
    if isinstance(axis, Sequence) and not isinstance(axis, str) and all(map(_is_int, axis)):
        return [int(a) for a in axis]
    raise TypeError(f"{op}: axis must be None, an int or a sequence of ints, got {axis!r}")


def _shape(shape: Any, op: str, arg: str = "input_shape") -> list[int]:
    if isinstance(shape, Sequence) and not isinstance(shape, str) and all(map(_is_int, shape)):
        return [int(d) for d in shape]
    raise TypeError(f"{op}: {arg} must be a sequence of ints, got {shape!r}")


def sum(input: Any, axis: Axis = None, keepdims: bool = False) -> np.ndarray:  # noqa: A001
    """Sum over `axis` (all axes when None). (2, 3) with axis=1 -> (2,).

    >>> sum(np.array([[1, 2, 3], [4, 5, 6]], np.float32), axis=1)
    array([ 6., 15.], dtype=float32)
    """
    (x,) = floats("sum", input=input)
    return _core.sum(x, _axes(axis, "sum"), bool(keepdims))


def mean(input: Any, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
    """Mean over `axis` (all axes when None).

    >>> mean(np.array([[1, 2], [3, 6]], np.float32), axis=0)
    array([2., 4.], dtype=float32)
    """
    (x,) = floats("mean", input=input)
    return _core.mean(x, _axes(axis, "mean"), bool(keepdims))


def amax(input: Any, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
    """Maximum over `axis` (all axes when None); NaN propagates.

    >>> amax(np.array([[1, 5], [7, 2]], np.float32), axis=1)
    array([5., 7.], dtype=float32)
    """
    (x,) = floats("amax", input=input)
    return _core.amax(x, _axes(axis, "amax"), bool(keepdims))


def amin(input: Any, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
    """Minimum over `axis` (all axes when None); NaN propagates.

    >>> amin(np.array([[1, 5], [7, 2]], np.float32), axis=1)
    array([1., 2.], dtype=float32)
    """
    (x,) = floats("amin", input=input)
    return _core.amin(x, _axes(axis, "amin"), bool(keepdims))


def _one_axis(axis: Any, op: str) -> int | None:
    if axis is None or _is_int(axis):
        return None if axis is None else int(axis)
    raise TypeError(f"{op}: axis must be None or an int, got {axis!r}")


def argmax(input: Any, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
    """int64 index of the first maximum along `axis` (of the flattened input when None).

    >>> argmax(np.array([[1, 5, 5], [7, 2, 7]], np.float32), axis=1)
    array([1, 0])
    """
    (x,) = floats("argmax", input=input)
    return _core.argmax(x, _one_axis(axis, "argmax"), bool(keepdims))


def argmin(input: Any, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
    """int64 index of the first minimum along `axis` (of the flattened input when None).

    >>> argmin(np.array([3, 1, 1], np.float32))
    array(1)
    """
    (x,) = floats("argmin", input=input)
    return _core.argmin(x, _one_axis(axis, "argmin"), bool(keepdims))


def sum_backward(
    grad_output: Any, input_shape: Sequence[int], axis: Axis = None, keepdims: bool = False
) -> tuple[np.ndarray]:
    """(grad_input,): grad_output broadcast back to input_shape.

    >>> sum_backward(np.array([1, 2], np.float32), (2, 3), axis=1)[0]
    array([[1., 1., 1.],
           [2., 2., 2.]], dtype=float32)
    """
    (g,) = floats("sum_backward", grad_output=grad_output)
    shape = _shape(input_shape, "sum_backward")
    return (_core.sum_backward(g, shape, _axes(axis, "sum_backward"), bool(keepdims)),)


def mean_backward(
    grad_output: Any, input_shape: Sequence[int], axis: Axis = None, keepdims: bool = False
) -> tuple[np.ndarray]:
    """(grad_input,): grad_output broadcast back to input_shape, divided by the count.

    >>> mean_backward(np.array(4.0), (2, 2))[0]
    array([[1., 1.],
           [1., 1.]])
    """
    (g,) = floats("mean_backward", grad_output=grad_output)
    shape = _shape(input_shape, "mean_backward")
    return (_core.mean_backward(g, shape, _axes(axis, "mean_backward"), bool(keepdims)),)


def amax_backward(
    grad_output: Any, input: Any, axis: Axis = None, keepdims: bool = False
) -> tuple[np.ndarray]:
    """(grad_input,): each output's gradient goes to the FIRST maximum of its block.

    Ties: the first maximum in row-major order over the reduced axes takes the whole gradient
    (like torch.max(x, dim) and argmax); torch.amax would split it evenly among ties.

    >>> amax_backward(np.float32(1), np.array([1, 3, 3], np.float32))[0]
    array([0., 1., 0.], dtype=float32)
    """
    g, x = floats("amax_backward", grad_output=grad_output, input=input)
    return (_core.amax_backward(g, x, _axes(axis, "amax_backward"), bool(keepdims)),)


def amin_backward(
    grad_output: Any, input: Any, axis: Axis = None, keepdims: bool = False
) -> tuple[np.ndarray]:
    """(grad_input,): each output's gradient goes to the first minimum of its block."""
    g, x = floats("amin_backward", grad_output=grad_output, input=input)
    return (_core.amin_backward(g, x, _axes(axis, "amin_backward"), bool(keepdims)),)


__all__ = [
    "sum",
    "mean",
    "amax",
    "amin",
    "argmax",
    "argmin",
    "sum_backward",
    "mean_backward",
    "amax_backward",
    "amin_backward",
]
