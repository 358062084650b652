"""Eager dropout: a seeded, counter-based mask (the same seed gives the same mask on any number
of threads), inverted scaling so the expected output equals the input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _core
from ._args import floats


def dropout(
    input: Any,
    p: float = 0.5,
    training: bool = True,
    seed: int | None = None,
    return_mask: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Zero each element with probability p and scale the rest by 1 / (1 - p).

    seed=None draws one from numpy's global generator (so np.random.seed makes it
    reproducible). return_mask=True also returns the mask (1 kept, 0 dropped, input's dtype),
    which dropout_backward takes. training=False returns a copy of input.

    >>> y = dropout(np.ones(4, np.float32), p=0.5, seed=1); sorted(set(y.tolist())) <= [0.0, 2.0]
    True
    """
    (x,) = floats("dropout", input=input)
    if seed is None:
        seed = int(np.random.randint(0, 2**63 - 1, dtype=np.int64))
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"dropout: seed must be an int or None, got {seed!r}")
    out, mask = _core.dropout(x, float(p), bool(training), int(seed) % 2**64)
    return (out, mask) if return_mask else out


def dropout_backward(grad_output: Any, mask: Any, p: float = 0.5) -> tuple[np.ndarray]:
    """(grad_input,) = grad_output * mask / (1 - p), mask from dropout(..., return_mask=True)."""
    g, m = floats("dropout_backward", grad_output=grad_output, mask=mask)
    return (_core.dropout_backward(g, m, float(p)),)
