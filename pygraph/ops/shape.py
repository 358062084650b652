"""Eager shape ops: reductions (from .reduce) and data movement, numpy in, numpy out.

Data movement (transpose, permute, reshape, flatten, concat, pad) keeps the dtype: float32,
float64 and int64 (integer and bool inputs become int64, other floats float32). Each returns
a new C-contiguous array; backward functions return a tuple of gradients.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import _core
from .reduce import *  # noqa: F401,F403
from .reduce import __all__ as _reduce_all
from .reduce import _is_int, _shape, floats


def _data(x: Any, op: str, arg: str) -> np.ndarray:
    """An array of a dtype the data-movement kernels keep: int64, float64 or float32."""
    try:
        a = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{op}: {arg} cannot be read as an array: {exc}") from None
    if a.dtype.kind in "iub":
        return np.asarray(a, dtype=np.int64, order="C")
    if a.dtype.kind == "f":
        return np.asarray(a, dtype=np.float64 if a.dtype == np.float64 else np.float32, order="C")
    (out,) = floats(op, **{arg: a})  # raises the TypeError naming op and argument
    return out


def _int(v: Any, op: str, arg: str) -> int:
    if _is_int(v):
        return int(v)
    raise TypeError(f"{op}: {arg} must be an int, got {v!r}")


def transpose(input: Any, axis0: int, axis1: int) -> np.ndarray:
    """Swap two axes (like torch.transpose). (2, 3, 4) with (0, 2) -> (4, 3, 2).

    >>> transpose(np.arange(6).reshape(2, 3), 0, 1)
    array([[0, 3],
           [1, 4],
           [2, 5]])
    """
    x = _data(input, "transpose", "input")
    return _core.transpose(x, _int(axis0, "transpose", "axis0"), _int(axis1, "transpose", "axis1"))


def transpose_backward(grad_output: Any, axis0: int, axis1: int) -> tuple[np.ndarray]:
    """(grad_input,): the same swap applied to grad_output."""
    g = _data(grad_output, "transpose_backward", "grad_output")
    a0 = _int(axis0, "transpose_backward", "axis0")
    return (_core.transpose_backward(g, a0, _int(axis1, "transpose_backward", "axis1")),)


def permute(input: Any, axes: Sequence[int]) -> np.ndarray:
    """Reorder axes: output axis i is input axis axes[i]. NCHW -> NHWC is axes (0, 2, 3, 1).

    >>> permute(np.zeros((8, 3, 5, 7)), (0, 2, 3, 1)).shape
    (8, 5, 7, 3)
    """
    x = _data(input, "permute", "input")
    return _core.permute(x, _shape(axes, "permute", "axes"))


def permute_backward(grad_output: Any, axes: Sequence[int]) -> tuple[np.ndarray]:
    """(grad_input,): grad_output permuted by the inverse of axes."""
    g = _data(grad_output, "permute_backward", "grad_output")
    return (_core.permute_backward(g, _shape(axes, "permute_backward", "axes")),)


def reshape(input: Any, shape: Sequence[int]) -> np.ndarray:
    """The same elements in row-major order with a new shape; one -1 is inferred.

    >>> reshape(np.arange(6), (-1, 3))
    array([[0, 1, 2],
           [3, 4, 5]])
    """
    x = _data(input, "reshape", "input")
    if _is_int(shape):
        shape = (shape,)
    return _core.reshape(x, _shape(shape, "reshape", "shape"))


def reshape_backward(grad_output: Any, input_shape: Sequence[int]) -> tuple[np.ndarray]:
    """(grad_input,): grad_output reshaped back to input_shape."""
    g = _data(grad_output, "reshape_backward", "grad_output")
    return (_core.reshape_backward(g, _shape(input_shape, "reshape_backward")),)


def flatten(input: Any, start_axis: int = 1, end_axis: int = -1) -> np.ndarray:
    """Merge axes start_axis..end_axis into one (torch.flatten with start_dim/end_dim).

    >>> flatten(np.zeros((2, 3, 4, 5))).shape
    (2, 60)
    """
    x = _data(input, "flatten", "input")
    s, e = _int(start_axis, "flatten", "start_axis"), _int(end_axis, "flatten", "end_axis")
    return _core.flatten(x, s, e)


def flatten_backward(grad_output: Any, input_shape: Sequence[int]) -> tuple[np.ndarray]:
    """(grad_input,): grad_output reshaped back to input_shape."""
    g = _data(grad_output, "flatten_backward", "grad_output")
    return (_core.reshape_backward(g, _shape(input_shape, "flatten_backward")),)


def concat(tensors: Sequence[Any], axis: int = 0) -> np.ndarray:
    """Join arrays along `axis`; their shapes agree elsewhere and their dtypes match.

    >>> concat([np.ones((1, 2)), np.zeros((2, 2))]).shape
    (3, 2)
    """
    if isinstance(tensors, np.ndarray) or not isinstance(tensors, Sequence):
        raise TypeError(f"concat: tensors must be a list of arrays, got {type(tensors).__name__}")
    xs = [_data(t, "concat", f"tensors[{i}]") for i, t in enumerate(tensors)]
    return _core.concat(xs, _int(axis, "concat", "axis"))


cat = concat


def concat_backward(
    grad_output: Any, shapes_or_sizes: Sequence[Any], axis: int = 0
) -> tuple[np.ndarray, ...]:
    """One gradient per input: grad_output split along axis.

    shapes_or_sizes lists each input's shape, or just each input's size along axis.

    >>> [g.shape for g in concat_backward(np.zeros((3, 2)), [1, 2], axis=0)]
    [(1, 2), (2, 2)]
    """
    g = _data(grad_output, "concat_backward", "grad_output")
    a = _int(axis, "concat_backward", "axis")
    shapes = []
    for i, s in enumerate(shapes_or_sizes):
        if _is_int(s):
            if not -g.ndim <= a < g.ndim:
                break  # the C++ check names the bad axis
            full = list(g.shape)
            full[a] = int(s)
            shapes.append(full)
        else:
            shapes.append(_shape(s, "concat_backward", f"shapes_or_sizes[{i}]"))
    return tuple(_core.concat_backward(g, shapes, a))


def pad(input: Any, pad: Sequence[int], mode: str = "constant", value: float = 0) -> np.ndarray:
    """Pad (or, with negative values, crop) like torch.nn.functional.pad.

    pad = (left, right, top, bottom, ...) starting from the LAST axis. mode "constant" fills
    with value; "reflect" mirrors without repeating the edge; "replicate" repeats the edge.

    >>> pad(np.array([[1, 2, 3]]), (2, 1), mode="reflect")
    array([[3, 2, 1, 2, 3, 2]])
    """
    x = _data(input, "pad", "input")
    if not isinstance(mode, str):
        raise TypeError(f"pad: mode must be a string, got {mode!r}")
    return _core.pad(x, _shape(pad, "pad", "pad"), mode, float(value))


def pad_backward(
    grad_output: Any, input_shape: Sequence[int], pad: Sequence[int], mode: str = "constant"
) -> tuple[np.ndarray]:
    """(grad_input,): crop for constant padding; reflect/replicate also add the mirrored parts."""
    g = _data(grad_output, "pad_backward", "grad_output")
    shape = _shape(input_shape, "pad_backward")
    return (_core.pad_backward(g, shape, _shape(pad, "pad_backward", "pad"), str(mode)),)


def embedding(input: Any, weight: Any) -> np.ndarray:  # noqa: A002
    """Rows of weight (V, D) picked by int64 indices (*) -> (*, D), as F.embedding.

    >>> embedding(np.array([2, 0]), np.arange(6, dtype=np.float32).reshape(3, 2)).tolist()
    [[4.0, 5.0], [0.0, 1.0]]
    """
    (w,) = floats("embedding", weight=weight)
    return _core.embedding(_data(input, "embedding", "input"), w)


def embedding_backward(grad_output: Any, input: Any, num_embeddings: int) -> tuple[np.ndarray]:  # noqa: A002
    """(grad_weight,) of embedding: grad_output (*, D) scatter-added into (num_embeddings, D)."""
    (gy,) = floats("embedding_backward", grad_output=grad_output)
    idx = _data(input, "embedding_backward", "input")
    return (_core.embedding_backward(gy, idx, int(num_embeddings)),)


__all__ = [
    *_reduce_all,
    "embedding",
    "embedding_backward",
    "transpose",
    "transpose_backward",
    "permute",
    "permute_backward",
    "reshape",
    "reshape_backward",
    "flatten",
    "flatten_backward",
    "concat",
    "cat",
    "concat_backward",
    "pad",
    "pad_backward",
]
