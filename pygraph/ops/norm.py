"""Eager softmax, batch norm and layer norm (numpy in, numpy out), plus the family's losses
and dropout, re-exported here so that `pygraph.ops` sees the whole norm family.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import _core
from ._args import _asarray, floats
from .dropout import dropout, dropout_backward
from .loss import (
    binary_cross_entropy,
    binary_cross_entropy_backward,
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_backward,
    cross_entropy,
    cross_entropy_backward,
    mse_loss,
    mse_loss_backward,
    nll_loss,
    nll_loss_backward,
)


def softmax(input: Any, axis: int = -1) -> np.ndarray:
    """exp(x) / sum(exp(x)) along `axis`, stable for large inputs (the maximum is subtracted).

    >>> softmax(np.array([0.0, np.log(3.0)]))
    array([0.25, 0.75])
    """
    (x,) = floats("softmax", input=input)
    return _core.softmax(x, int(axis))


def log_softmax(input: Any, axis: int = -1) -> np.ndarray:
    """x - logsumexp(x) along `axis`, stable for large inputs.

    >>> log_softmax(np.array([1e4, 1e4]))
    array([-0.69314718, -0.69314718])
    """
    (x,) = floats("log_softmax", input=input)
    return _core.log_softmax(x, int(axis))


def softmax_backward(grad_output: Any, input: Any, axis: int = -1) -> tuple[np.ndarray]:
    """Gradient of softmax: (grad_input,) with grad_input = y * (g - sum(g * y)), y = softmax(x)."""
    g, x = floats("softmax_backward", grad_output=grad_output, input=input)
    return (_core.softmax_backward(g, x, int(axis)),)


def log_softmax_backward(grad_output: Any, input: Any, axis: int = -1) -> tuple[np.ndarray]:
    """Gradient of log_softmax: (grad_input,) with grad_input = g - softmax(x) * sum(g)."""
    g, x = floats("log_softmax_backward", grad_output=grad_output, input=input)
    return (_core.log_softmax_backward(g, x, int(axis)),)


def _stats(a: Any, dtype: np.dtype, op: str, arg: str, in_place: bool) -> np.ndarray | None:
    """Running statistics: converted to `dtype`, or, when they are updated, used as they are."""
    if a is None:
        return None
    if not in_place:
        return np.asarray(_asarray(a, op, arg), dtype=dtype, order="C")
    ok = (
        isinstance(a, np.ndarray)
        and a.dtype == dtype
        and a.flags.c_contiguous
        and a.flags.writeable
    )
    if not ok:
        got = f"{type(a).__name__} {getattr(a, 'dtype', '')} {getattr(a, 'shape', '')}"
        raise TypeError(
            f"{op}: {arg} must be a writeable C-contiguous {np.dtype(dtype).name} numpy array "
            f"(the dtype of input) to be updated in place with training=True; got {got.strip()}"
        )
    return a


def batch_norm(
    input: Any,
    running_mean: np.ndarray | None,
    running_var: np.ndarray | None,
    weight: Any = None,
    bias: Any = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
    return_stats: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Batch normalization of input (N, C), (N, C, L) or (N, C, H, W) per channel C.

    training=True normalizes with the batch's mean and biased variance and, like torch, updates
    running_mean and running_var (C) IN PLACE with the unbiased variance:
    running = (1 - momentum) * running + momentum * batch. They must then be writeable
    C-contiguous arrays of input's dtype (float32, or float64 when all inputs are float64).
    training=False normalizes with the running statistics. return_stats=True also returns the
    mean and 1/sqrt(var + eps) that were used (C), which batch_norm_backward accepts.

    >>> x = np.array([[1.0], [3.0]]); rm, rv = np.zeros(1), np.ones(1)
    >>> batch_norm(x, rm, rv, training=True, eps=0.0).ravel(), rm, rv
    (array([-1.,  1.]), array([0.2]), array([1.1]))
    """
    op = "batch_norm"
    x, w, b = floats(op, input=input, weight=weight, bias=bias)
    rm = _stats(running_mean, x.dtype, op, "running_mean", training)
    rv = _stats(running_var, x.dtype, op, "running_var", training)
    out, mean, invstd = _core.batch_norm(x, rm, rv, w, b, bool(training), momentum, eps)
    return (out, mean, invstd) if return_stats else out


def batch_norm_backward(
    grad_output: Any,
    input: Any,
    running_mean: Any,
    running_var: Any,
    weight: Any = None,
    bias: Any = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
    save_mean: Any = None,
    save_invstd: Any = None,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """(grad_input, grad_weight, grad_bias) of batch_norm; None for an absent weight or bias.

    training=True differentiates through the batch statistics, recomputed from input unless
    save_mean and save_invstd (from batch_norm(..., return_stats=True)) are given. Running
    statistics are only read (eval mode) and never updated here; momentum is unused.
    """
    op = "batch_norm_backward"
    del momentum
    g, x, w, b, sm, si = floats(
        op,
        grad_output=grad_output,
        input=input,
        weight=weight,
        bias=bias,
        save_mean=save_mean,
        save_invstd=save_invstd,
    )
    rm = _stats(running_mean, x.dtype, op, "running_mean", False)
    rv = _stats(running_var, x.dtype, op, "running_var", False)
    return tuple(_core.batch_norm_backward(g, x, rm, rv, w, b, bool(training), eps, sm, si))


def _shape(normalized_shape: Any, op: str) -> list[int]:
    if isinstance(normalized_shape, (int, np.integer)) and not isinstance(normalized_shape, bool):
        return [int(normalized_shape)]
    if isinstance(normalized_shape, Sequence) and all(
        isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in normalized_shape
    ):
        return [int(d) for d in normalized_shape]
    raise TypeError(
        f"{op}: normalized_shape must be an int or a sequence of ints, got {normalized_shape!r}"
    )


def layer_norm(
    input: Any,
    normalized_shape: int | Sequence[int],
    weight: Any = None,
    bias: Any = None,
    eps: float = 1e-5,
    return_stats: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Normalize over the trailing dims `normalized_shape` of input (*, *normalized_shape).

    weight and bias have shape normalized_shape. return_stats=True also returns the mean and
    1/sqrt(var + eps) of each normalized slice (shape (*)).

    >>> layer_norm(np.array([[1.0, 3.0]]), 2, eps=0.0)
    array([[-1.,  1.]])
    """
    op = "layer_norm"
    x, w, b = floats(op, input=input, weight=weight, bias=bias)
    out, mean, invstd = _core.layer_norm(x, _shape(normalized_shape, op), w, b, eps)
    return (out, mean, invstd) if return_stats else out


def layer_norm_backward(
    grad_output: Any,
    input: Any,
    normalized_shape: int | Sequence[int],
    weight: Any = None,
    bias: Any = None,
    eps: float = 1e-5,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """(grad_input, grad_weight, grad_bias) of layer_norm; None for an absent weight or bias."""
    op = "layer_norm_backward"
    g, x, w, b = floats(op, grad_output=grad_output, input=input, weight=weight, bias=bias)
    return tuple(_core.layer_norm_backward(g, x, _shape(normalized_shape, op), w, b, eps))


__all__ = [
    "softmax",
    "log_softmax",
    "softmax_backward",
    "log_softmax_backward",
    "batch_norm",
    "batch_norm_backward",
    "layer_norm",
    "layer_norm_backward",
    "cross_entropy",
    "cross_entropy_backward",
    "nll_loss",
    "nll_loss_backward",
    "mse_loss",
    "mse_loss_backward",
    "binary_cross_entropy",
    "binary_cross_entropy_backward",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_backward",
    "dropout",
    "dropout_backward",
]
