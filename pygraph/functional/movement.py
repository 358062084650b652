"""Graph functions of the movement family: permute, flatten, concat, pad; amax/amin, argmax/argmin.

Names and arguments follow torch (axis where torch says dim); the eager versions are in
pygraph.ops. Gradients are graph nodes too: permute's is a permute, flatten's a reshape,
concat's one slice per input, pad's a pad_backward, amax's an amax_backward (the gradient goes
to the first maximum of each block). argmax and argmin return int64 and have no gradient.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..graph import Tensor, _axes, _emit


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


__all__ = ["permute", "flatten", "concat", "cat", "pad", "amax", "amin", "argmax", "argmin"]
