"""Eager matrix products: numpy in, numpy out."""

from __future__ import annotations

import numpy as np

from .. import _core
from ._args import floats


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Matrix product a (M, K) @ b (K, N) -> (M, N), on pygraph's GEMM kernels.

    >>> matmul(np.ones((2, 3), np.float32), np.ones((3, 4), np.float32))[0, 0]
    3.0
    """
    a, b = floats("matmul", a=a, b=b)
    return _core.matmul(a, b)

__all__ = ["matmul"]
