"""Graph functions of the movement family: permute, flatten, concat, slice/split/chunk (and
Tensor indexing), pad; amax/amin, argmax/argmin.

Names and arguments follow torch (axis where torch says dim); the eager versions are in
pygraph.ops. Gradients are graph nodes too: permute's is a permute, flatten's a reshape,
concat's one slice per input, slice's a zero pad, pad's a pad_backward, amax's an amax_backward
(the gradient goes to the first maximum of each block). argmax and argmin return int64 and have
no gradient.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..graph import Tensor, _as_tensor, _axes, _emit

_py_slice = slice


def permute(input: Tensor, axes: Sequence[int]) -> Tensor:  # noqa: A002
    """Reorder axes: output axis i is input axis axes[i].

    input (d0, ..., dn-1) -> (d[axes[0]], ..., d[axes[n-1]]); NCHW -> NHWC is axes (0, 2, 3, 1).

    >>> import pygraph as pg
    >>> pg.permute(pg.input((8, 3, 5, 7), name="x_doc_permute"), (0, 2, 3, 1)).shape
    (8, 5, 7, 3)
    """
    return _emit("permute", input, axes=[int(a) for a in axes])


def flatten(input: Tensor, start_axis: int = 1, end_axis: int = -1) -> Tensor:  # noqa: A002
    """Merge axes start_axis..end_axis into one (torch.flatten with start_dim/end_dim).

    (N, C, H, W) -> (N, C*H*W) with the defaults; a 0-d input becomes (1,).

    >>> import pygraph as pg
    >>> pg.flatten(pg.input((2, 3, 4, 5), name="x_doc_flatten")).shape
    (2, 60)
    """
    return _emit("flatten", input, start_axis=int(start_axis), end_axis=int(end_axis))


def concat(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along `axis`; their shapes agree on every other axis, their dtypes match.

    (n0, ...), (n1, ...), ... -> (n0 + n1 + ..., ...) for axis 0.

    >>> import pygraph as pg
    >>> a, b = pg.input((1, 2), name="a_doc_concat"), pg.input((3, 2), name="b_doc_concat")
    >>> pg.concat([a, b]).shape
    (4, 2)
    """
    if isinstance(tensors, (Tensor, np.ndarray)) or not isinstance(tensors, Sequence):
        raise TypeError(f"concat: tensors must be a list of tensors, got {type(tensors).__name__}")
    if len(tensors) == 0:
        raise ValueError("concat: tensors is empty; pass at least one array")
    return _emit("concat", *tensors, axis=int(axis))


cat = concat


def slice(input: Tensor, axis: int, start: int, stop: int) -> Tensor:  # noqa: A001,A002
    """input[..., start:stop, ...] along `axis` (0 <= start <= stop <= size; step 1).

    Its gradient pads the incoming gradient back with zeros. `x[:, 2:5]` builds the same node.

    >>> import pygraph as pg
    >>> pg.slice(pg.input((4, 10), name="x_doc_slice"), axis=1, start=2, stop=5).shape
    (4, 3)
    """
    return _emit("slice", input, axis=int(axis), start=int(start), stop=int(stop))


def split(
    input: Tensor,  # noqa: A002
    split_size_or_sections: int | Sequence[int],
    axis: int = 0,
) -> list[Tensor]:
    """Pieces along `axis` (torch.split): equal pieces of split_size_or_sections (the last may
    be smaller) or, given a list, pieces of those sizes (which must add up to the axis size).

    >>> import pygraph as pg
    >>> [t.shape for t in pg.split(pg.input((2, 10), name="x_doc_split"), [4, 6], axis=1)]
    [(2, 4), (2, 6)]
    """
    size = input.shape[axis] if input.ndim else 0
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step <= 0:
            raise ValueError(f"split: split_size must be positive, got {step}")
        sizes = [min(step, size - s) for s in range(0, size, step)]
    else:
        sizes = [int(n) for n in split_size_or_sections]
        if any(n < 0 for n in sizes) or sum(sizes) != size:
            raise ValueError(f"split: sections {sizes} must be >= 0 and add up to {size}, the "
                             f"size of axis {axis} of input shape {input.shape}")  # fmt: skip
    starts = np.cumsum([0, *sizes[:-1]]).tolist()
    return [slice(input, axis, a, a + n) for a, n in zip(starts, sizes)]


def chunk(input: Tensor, chunks: int, axis: int = 0) -> list[Tensor]:  # noqa: A002
    """`chunks` pieces of equal size ceil(size / chunks) along `axis`, the last may be smaller
    (torch.chunk; an LSTM's four gates are pg.chunk(z, 4, axis=1)).
    """
    if int(chunks) <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    size = input.shape[axis] if input.ndim else 0
    return split(input, max(1, -(-size // int(chunks))), axis)


def index(input: Tensor, key: Any) -> Tensor:  # noqa: A002
    """Basic indexing, Tensor.__getitem__: ints, slices with step 1, ... and None.

    An int picks one position and drops its axis; a slice keeps it; None inserts an axis of
    size 1. Built from slice and reshape nodes, so it is differentiable.

    >>> import pygraph as pg
    >>> x = pg.input((4, 5, 6), name="x_doc_index")
    >>> x[1].shape, x[:, 1:3].shape, x[..., -1].shape, x[None, 0, :2].shape
    ((5, 6), (4, 2, 6), (4, 5), (1, 2, 6))
    """
    key = key if isinstance(key, tuple) else (key,)
    if sum(k is Ellipsis for k in key) > 1:
        raise IndexError("indexing: an index can only have a single ellipsis ('...')")
    used = sum(k is not None and k is not Ellipsis for k in key)
    if used > input.ndim:
        raise IndexError(f"indexing: too many indices ({used}) for a tensor of shape {input.shape}")
    if Ellipsis not in key:
        key = (*key, Ellipsis)
    at = key.index(Ellipsis)
    key = (*key[:at], *(_py_slice(None),) * (input.ndim - used), *key[at + 1 :])
    out, shape, axis = input, [], 0  # axis: the axis of `out` that key item k refers to
    for k in key:
        if k is None:
            shape.append(1)
            continue
        n = out.shape[axis]
        if isinstance(k, (int, np.integer)) and not isinstance(k, bool):
            i = int(k) + n if k < 0 else int(k)
            if not 0 <= i < n:
                raise IndexError(f"indexing: index {int(k)} is out of range for axis {axis} of "
                                 f"size {n} (shape {input.shape})")  # fmt: skip
            out = slice(out, axis, i, i + 1) if n != 1 else out
            shape.append(None)  # dropped
        elif isinstance(k, _py_slice):
            start, stop, step = k.indices(n)
            if step != 1:
                raise ValueError(f"indexing: slice steps other than 1 are not supported, got "
                                 f"{k} on axis {axis} of shape {input.shape}")  # fmt: skip
            stop = max(start, stop)
            out = slice(out, axis, start, stop) if (start, stop) != (0, n) else out
            shape.append(stop - start)
        else:
            raise TypeError(f"indexing: only ints, slices, ... and None are supported, got "
                            f"{type(k).__name__}")  # fmt: skip
        axis += 1
    final = tuple(d for d in shape if d is not None)
    return out if final == out.shape else out.reshape(final)


def pad(
    input: Tensor,  # noqa: A002
    pad: Sequence[int],
    mode: str = "constant",
    value: float = 0.0,
) -> Tensor:
    """Pad (or, with negative values, crop) like torch.nn.functional.pad.

    pad = (left, right, top, bottom, ...) from the LAST axis backwards: axis -1 grows by
    left + right, axis -2 by top + bottom. mode "constant" fills with value, "reflect" mirrors
    without repeating the edge, "replicate" repeats the edge.

    >>> import pygraph as pg
    >>> pg.pad(pg.input((1, 3, 8, 8), name="x_doc_pad"), (1, 1, 2, 0)).shape
    (1, 3, 10, 10)
    """
    if not isinstance(mode, str):
        raise TypeError(f"pad: mode must be a string, got {mode!r}")
    return _emit("pad", input, pad=[int(p) for p in pad], mode=mode, value=float(value))


def amax(input: Tensor, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:  # noqa: A002
    """The maximum over `axis` (every axis when None); the reduced axes drop unless keepdims.

    The gradient goes whole to the first maximum of each block (torch splits ties evenly).

    >>> import pygraph as pg
    >>> pg.amax(pg.input((4, 5, 6), name="x_doc_amax"), axis=(0, 2)).shape
    (5,)
    """
    return _emit("amax", input, axis=_axes(axis), keepdims=bool(keepdims))


def amin(input: Tensor, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:  # noqa: A002
    """The minimum over `axis` (every axis when None); see amax."""
    return _emit("amin", input, axis=_axes(axis), keepdims=bool(keepdims))


def argmax(input: Tensor, axis: int | None = None, keepdims: bool = False) -> Tensor:  # noqa: A002
    """int64 index of the first maximum along `axis` (into the flattened input when None).

    Not differentiable: gradients do not flow through it.

    >>> import pygraph as pg
    >>> y = pg.argmax(pg.input((4, 10), name="x_doc_argmax"), axis=1)
    >>> y.shape, y.dtype
    ((4,), 'int64')
    """
    return _emit("argmax", input, axis=None if axis is None else int(axis), keepdims=bool(keepdims))


def argmin(input: Tensor, axis: int | None = None, keepdims: bool = False) -> Tensor:  # noqa: A002
    """int64 index of the first minimum along `axis` (into the flattened input when None)."""
    return _emit("argmin", input, axis=None if axis is None else int(axis), keepdims=bool(keepdims))


def embedding(input: Tensor, weight: Any) -> Tensor:  # noqa: A002
    """Rows of weight (num_embeddings, D) picked by the int64 indices input (*) -> (*, D).

    The gradient reaches weight (a scatter-add: an index used twice gets both rows); the
    indices get none. Out-of-range indices raise when the graph runs.
    """
    if not isinstance(input, Tensor):
        if not isinstance(weight, Tensor):
            raise TypeError("embedding: input or weight must be a graph Tensor")
        input = _as_tensor(np.asarray(input, dtype=np.int64), weight.graph, "int64")  # noqa: A001
    return _emit("embedding", input, weight)


__all__ = [
    "permute", "flatten", "concat", "cat", "slice", "split", "chunk", "pad", "amax", "amin",
    "argmax", "argmin", "embedding",
]  # fmt: skip
