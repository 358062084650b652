"""Eager pooling ops: numpy in, numpy out, with the names and arguments of torch.nn.functional.

Layouts are NCW (1-D) and NCHW (2-D). Max pooling's indices are flat positions in each input
plane (as torch), which max_unpool2d takes back. Backward functions return (grad_input,).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Union

import numpy as np

from .. import _core
from ._args import _asarray, floats, ints

Ints = Union[int, Sequence[int]]  # an int or one per spatial dim: 2 or (2, 2)
Array = Any  # anything np.asarray takes


def _window(op: str, nd: int, kernel_size, stride, padding, dilation=1):
    k = ints(kernel_size, nd, op, "kernel_size")
    none = stride is None or (isinstance(stride, Sequence) and len(stride) == 0)
    s = k if none else ints(stride, nd, op, "stride")
    return k, s, ints(padding, nd, op, "padding"), ints(dilation, nd, op, "dilation")


def pool_output_size(
    input_size: int,
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
    dilation: int = 1,
    ceil_mode: bool = False,
) -> int:
    """Output length of a pooling window sweep, torch's rule (values < 1 mean "too small").

    floor((L + 2p - d(k-1) - 1) / s) + 1, or ceil in ceil_mode, where the last window must
    start inside the input or the left padding.

    >>> pool_output_size(13, 3, 2), pool_output_size(6, 3, 2, ceil_mode=True)
    (6, 3)
    """
    s = kernel_size if stride is None else stride
    return _core.pool_output_size(input_size, kernel_size, s, padding, dilation, ceil_mode)


def _max_pool(nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    op = f"max_pool{nd}d"
    (x,) = floats(op, input=input)
    k, s, p, d = _window(op, nd, kernel_size, stride, padding, dilation)
    out = _core.max_pool(nd, x, k, s, p, d, bool(ceil_mode), bool(return_indices))
    return tuple(out) if return_indices else out[0]


def max_pool1d(
    input: Array,
    kernel_size: Ints,
    stride: Ints | None = None,
    padding: Ints = 0,
    dilation: Ints = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    """Max over sliding windows of (N, C, W) -> (N, C, Q); indices index each W-row.

    >>> max_pool1d(np.array([[[1., 3, 2, 5]]]), 2)
    array([[[3., 5.]]])
    """
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(
    input: Array,
    kernel_size: Ints,
    stride: Ints | None = None,
    padding: Ints = 0,
    dilation: Ints = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    """Max over sliding windows of (N, C, H, W) -> (N, C, P, Q); ties go to the first maximum.

    >>> max_pool2d(np.arange(16.).reshape(1, 1, 4, 4), 2)[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def _max_pool_backward(
    nd, grad_output, input, kernel_size, stride, padding, dilation, ceil_mode, indices
):
    op = f"max_pool{nd}d_backward"
    dy, x = floats(op, grad_output=grad_output, input=input)
    k, s, p, d = _window(op, nd, kernel_size, stride, padding, dilation)
    idx = None if indices is None else _indices(op, indices)
    return (_core.max_pool_backward(nd, dy, x, k, s, p, d, bool(ceil_mode), idx),)


def max_pool1d_backward(
    grad_output: Array,
    input: Array,
    kernel_size: Ints,
    stride: Ints | None = None,
    padding: Ints = 0,
    dilation: Ints = 1,
    ceil_mode: bool = False,
    indices: Array | None = None,
) -> tuple[np.ndarray]:
    """(grad_input,) of max_pool1d: each output's gradient goes to its window's argmax.

    The argmax is found again in input, or read from `indices` (return_indices=True's).
    """
    return _max_pool_backward(
        1, grad_output, input, kernel_size, stride, padding, dilation, ceil_mode, indices
    )


def max_pool2d_backward(
    grad_output: Array,
    input: Array,
    kernel_size: Ints,
    stride: Ints | None = None,
    padding: Ints = 0,
    dilation: Ints = 1,
    ceil_mode: bool = False,
    indices: Array | None = None,
) -> tuple[np.ndarray]:
    """(grad_input,) of max_pool2d: each output's gradient goes to its window's argmax.

    The argmax is found again in input, or read from `indices` (return_indices=True's).

    >>> max_pool2d_backward(np.ones((1, 1, 1, 1)), np.array([[[[1., 4], [3, 2]]]]), 2)[0][0, 0]
    array([[0., 1.],
           [0., 0.]])
    """
    return _max_pool_backward(
        2, grad_output, input, kernel_size, stride, padding, dilation, ceil_mode, indices
    )


def _avg_args(op, nd, kernel_size, stride, padding, divisor_override):
    k, s, p, _ = _window(op, nd, kernel_size, stride, padding)
    if divisor_override is not None:
        divisor_override = ints(divisor_override, 1, op, "divisor_override")[0]
        if divisor_override == 0:
            raise ValueError(f"{op}: divisor_override must be positive, got 0")
    return k, s, p, divisor_override


def avg_pool1d(
    input: Array,
    kernel_size: Ints,
    stride: Ints | None = None,
    padding: Ints = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> np.ndarray:
    """Mean over sliding windows of (N, C, W) -> (N, C, Q).

    >>> avg_pool1d(np.array([[[1., 3, 2, 6]]]), 2)
    array([[[2., 4.]]])
    """
    (x,) = floats("avg_pool1d", input=input)
    k, s, p, _ = _avg_args("avg_pool1d", 1, kernel_size, stride, padding, None)
    return _core.avg_pool(1, x, k, s, p, bool(ceil_mode), bool(count_include_pad), None)


def avg_pool2d(
    input: Array,
    kernel_size: Ints,
    stride: Ints | None = None,
    padding: Ints = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> np.ndarray:
    """Mean over sliding windows of (N, C, H, W) -> (N, C, P, Q).

    The divisor is divisor_override if given, else the window's size with the padding
    (count_include_pad) or without it; windows never extend past input + padding.

    >>> avg_pool2d(np.arange(16.).reshape(1, 1, 4, 4), 2)[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    (x,) = floats("avg_pool2d", input=input)
    k, s, p, div = _avg_args("avg_pool2d", 2, kernel_size, stride, padding, divisor_override)
    return _core.avg_pool(2, x, k, s, p, bool(ceil_mode), bool(count_include_pad), div)


def avg_pool1d_backward(
    grad_output: Array,
    input: Array,
    kernel_size: Ints,
    stride: Ints | None = None,
    padding: Ints = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> tuple[np.ndarray]:
    """(grad_input,) of avg_pool1d: each window's taps get grad / divisor."""
    dy, x = floats("avg_pool1d_backward", grad_output=grad_output, input=input)
    k, s, p, _ = _avg_args("avg_pool1d_backward", 1, kernel_size, stride, padding, None)
    return (
        _core.avg_pool_backward(1, dy, x, k, s, p, bool(ceil_mode), bool(count_include_pad), None),
    )


def avg_pool2d_backward(
    grad_output: Array,
    input: Array,
    kernel_size: Ints,
    stride: Ints | None = None,
    padding: Ints = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> tuple[np.ndarray]:
    """(grad_input,) of avg_pool2d: each window's taps get grad / divisor."""
    op = "avg_pool2d_backward"
    dy, x = floats(op, grad_output=grad_output, input=input)
    k, s, p, div = _avg_args(op, 2, kernel_size, stride, padding, divisor_override)
    return (
        _core.avg_pool_backward(2, dy, x, k, s, p, bool(ceil_mode), bool(count_include_pad), div),
    )


def _adaptive_size(op: str, nd: int, output_size: Any, x: np.ndarray) -> tuple[int, ...]:
    if nd == 2 and isinstance(output_size, Sequence) and len(output_size) == 2:
        # None keeps that input dimension, as torch
        output_size = tuple(x.shape[2 + i] if v is None else v for i, v in enumerate(output_size))
    return ints(output_size, nd, op, "output_size")


def adaptive_avg_pool1d(input: Array, output_size: Ints) -> np.ndarray:
    """Mean over output_size windows of (N, C, W); window i is [floor(iW/n), ceil((i+1)W/n)).

    >>> adaptive_avg_pool1d(np.array([[[1., 2, 3, 4, 5]]]), 2)
    array([[[2., 4.]]])
    """
    (x,) = floats("adaptive_avg_pool1d", input=input)
    return _core.adaptive_avg_pool(1, x, _adaptive_size("adaptive_avg_pool1d", 1, output_size, x))


def adaptive_avg_pool2d(input: Array, output_size: Any) -> np.ndarray:
    """Mean over an output_size grid of windows of (N, C, H, W) (AlexNet: 13x13 -> 6x6).

    >>> adaptive_avg_pool2d(np.ones((1, 1, 13, 13)), 6).shape
    (1, 1, 6, 6)
    """
    (x,) = floats("adaptive_avg_pool2d", input=input)
    return _core.adaptive_avg_pool(2, x, _adaptive_size("adaptive_avg_pool2d", 2, output_size, x))


def adaptive_avg_pool1d_backward(
    grad_output: Array, input: Array, output_size: Ints
) -> tuple[np.ndarray]:
    """(grad_input,) of adaptive_avg_pool1d."""
    op = "adaptive_avg_pool1d_backward"
    dy, x = floats(op, grad_output=grad_output, input=input)
    return (_core.adaptive_avg_pool_backward(1, dy, x, _adaptive_size(op, 1, output_size, x)),)


def adaptive_avg_pool2d_backward(
    grad_output: Array, input: Array, output_size: Any
) -> tuple[np.ndarray]:
    """(grad_input,) of adaptive_avg_pool2d."""
    op = "adaptive_avg_pool2d_backward"
    dy, x = floats(op, grad_output=grad_output, input=input)
    return (_core.adaptive_avg_pool_backward(2, dy, x, _adaptive_size(op, 2, output_size, x)),)


def global_avg_pool2d(input: Array) -> np.ndarray:
    """Mean of each (H, W) plane: (N, C, H, W) -> (N, C, 1, 1).

    >>> global_avg_pool2d(np.arange(4.).reshape(1, 1, 2, 2))
    array([[[[1.5]]]])
    """
    (x,) = floats("global_avg_pool2d", input=input)
    return _core.global_avg_pool2d(x)


def global_max_pool2d(input: Array) -> np.ndarray:
    """Max of each (H, W) plane: (N, C, H, W) -> (N, C, 1, 1)."""
    (x,) = floats("global_max_pool2d", input=input)
    return _core.global_max_pool2d(x)


def global_avg_pool2d_backward(grad_output: Array, input: Array) -> tuple[np.ndarray]:
    """(grad_input,) of global_avg_pool2d: grad / (H*W) everywhere."""
    dy, x = floats("global_avg_pool2d_backward", grad_output=grad_output, input=input)
    return (_core.global_avg_pool2d_backward(dy, x),)


def global_max_pool2d_backward(grad_output: Array, input: Array) -> tuple[np.ndarray]:
    """(grad_input,) of global_max_pool2d: grad at each plane's first maximum."""
    dy, x = floats("global_max_pool2d_backward", grad_output=grad_output, input=input)
    return (_core.global_max_pool2d_backward(dy, x),)


def _indices(op: str, indices: Any) -> np.ndarray:
    a = _asarray(indices, op, "indices")
    if a.dtype.kind not in "iu":
        raise TypeError(
            f"{op}: indices must be an integer array, got dtype {a.dtype} with shape {a.shape}"
        )
    return np.ascontiguousarray(a, dtype=np.int64)


def _unpool_args(op, kernel_size, stride, padding, output_size):
    k, s, p, _ = _window(op, 2, kernel_size, stride, padding)
    if output_size is None:
        return k, s, p, ()
    out = tuple(output_size)
    return k, s, p, ints(out[-2:] if len(out) == 4 else out, 2, op, "output_size")


def max_unpool2d(
    input: Array,
    indices: Array,
    kernel_size: Ints,
    stride: Ints | None = None,
    padding: Ints = 0,
    output_size: Sequence[int] | None = None,
) -> np.ndarray:
    """Partial inverse of max_pool2d: (N, C, H, W) values placed at their indices, 0 elsewhere.

    >>> y, i = max_pool2d(np.array([[[[1., 4], [3, 2]]]]), 2, return_indices=True)
    >>> max_unpool2d(y, i, 2)[0, 0]
    array([[0., 4.],
           [0., 0.]])
    """
    (x,) = floats("max_unpool2d", input=input)
    k, s, p, out = _unpool_args("max_unpool2d", kernel_size, stride, padding, output_size)
    return _core.max_unpool2d(x, _indices("max_unpool2d", indices), k, s, p, list(out))


def max_unpool2d_backward(
    grad_output: Array,
    input: Array,
    indices: Array,
    kernel_size: Ints,
    stride: Ints | None = None,
    padding: Ints = 0,
    output_size: Sequence[int] | None = None,
) -> tuple[np.ndarray]:
    """(grad_input,) of max_unpool2d: grad_output read back at the indices."""
    op = "max_unpool2d_backward"
    dy, x = floats(op, grad_output=grad_output, input=input)
    k, s, p, out = _unpool_args(op, kernel_size, stride, padding, output_size)
    return (_core.max_unpool2d_backward(dy, x, _indices(op, indices), k, s, p, list(out)),)


__all__ = [
    "pool_output_size",
    "max_pool1d",
    "max_pool2d",
    "max_pool1d_backward",
    "max_pool2d_backward",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool1d_backward",
    "avg_pool2d_backward",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool1d_backward",
    "adaptive_avg_pool2d_backward",
    "global_avg_pool2d",
    "global_max_pool2d",
    "global_avg_pool2d_backward",
    "global_max_pool2d_backward",
    "max_unpool2d",
    "max_unpool2d_backward",
]
