"""Argument conversion shared by the eager ops: numpy in, checked, C-contiguous, right dtype.

The rule for dtypes: float64 inputs stay float64 (the reference kernels then compute in double,
which gradient checks need) when every float input is float64; otherwise everything becomes
float32 and runs on the fast kernels. Integer and bool arrays are converted to float; anything
else (complex, object, strings) is a TypeError naming the op and the argument.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

_FLOAT_KINDS = "fiub"  # float, signed, unsigned, bool


def _asarray(x: Any, op: str, arg: str) -> np.ndarray:
    try:
        a = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{op}: {arg} cannot be read as an array: {exc}") from None
    if a.dtype.kind not in _FLOAT_KINDS:
        raise TypeError(
            f"{op}: {arg} must be a real numeric array, got dtype {a.dtype} with shape {a.shape}"
        )
    return a


def floats(op: str, **arrays: Any) -> list[np.ndarray | None]:
    """Convert the named arrays (None stays None) to one common float dtype, C-contiguous.

    >>> x, w = floats("conv2d", input=[[1, 2]], weight=np.ones((1, 2)))
    >>> x.dtype, w.dtype
    (dtype('float32'), dtype('float32'))
    """
    raw = {k: (None if v is None else _asarray(v, op, k)) for k, v in arrays.items()}
    present = [a for a in raw.values() if a is not None]
    all64 = bool(present) and all(a.dtype == np.float64 for a in present)
    dtype = np.float64 if all64 else np.float32
    return [None if a is None else np.asarray(a, dtype=dtype, order="C") for a in raw.values()]


def labels(x: Any, op: str, arg: str) -> np.ndarray:
    """Integer class labels as a C-contiguous int64 array."""
    a = _asarray(x, op, arg)
    if a.dtype.kind not in "iub":
        raise TypeError(f"{op}: {arg} must hold integer class labels, got dtype {a.dtype}")
    return np.asarray(a, dtype=np.int64, order="C")


def ints(v: Any, n: int, op: str, arg: str) -> tuple[int, ...]:
    """An int or a length-n sequence of ints, as an n-tuple (stride=2 -> (2, 2))."""
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return (int(v),) * n
    if isinstance(v, Sequence) and not isinstance(v, str) and len(v) == n:
        if all(isinstance(e, (int, np.integer)) and not isinstance(e, bool) for e in v):
            return tuple(int(e) for e in v)
    raise TypeError(f"{op}: {arg} must be an int or a sequence of {n} ints, got {v!r}")
