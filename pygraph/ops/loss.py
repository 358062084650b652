"""Eager losses with torch.nn.functional's names and reductions: numpy in, numpy out.

Each `<loss>_backward(grad_output, input, target, ...)` returns (grad_input, grad_target);
grad_target is None for integer class labels. grad_output is a scalar for reduction "mean" or
"sum" and has the loss's shape for "none".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _core
from ._args import floats, labels


def cross_entropy(
    input: Any,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> np.ndarray:
    """Cross entropy of logits input (N, C, d1, ...) against int labels target (N, d1, ...).

    = nll_loss(log_softmax(input, axis=1), target); weight (C) rescales classes, targets equal
    to ignore_index count for nothing, label_smoothing mixes in the uniform distribution.

    >>> round(float(cross_entropy(np.array([[0.0, 0.0]]), np.array([0]))), 6)  # ln 2
    0.693147
    """
    x, w = floats("cross_entropy", input=input, weight=weight)
    t = labels(target, "cross_entropy", "target")
    return _core.cross_entropy(x, t, w, int(ignore_index), reduction, float(label_smoothing))


def cross_entropy_backward(
    grad_output: Any,
    input: Any,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> tuple[np.ndarray, None]:
    """(grad_input, None): d loss / d logits = (softmax(input) - smoothed one-hot) * weights."""
    op = "cross_entropy_backward"
    g, x, w = floats(op, grad_output=grad_output, input=input, weight=weight)
    t = labels(target, op, "target")
    return tuple(
        _core.cross_entropy_backward(g, x, t, w, int(ignore_index), reduction, label_smoothing)
    )


def nll_loss(
    input: Any, target: Any, weight: Any = None, ignore_index: int = -100, reduction: str = "mean"
) -> np.ndarray:
    """Negative log-likelihood of log-probabilities input (N, C, d1, ...) at labels target.

    >>> round(float(nll_loss(np.log([[0.25, 0.75]]), np.array([1]))), 6)  # -ln 0.75
    0.287682
    """
    x, w = floats("nll_loss", input=input, weight=weight)
    t = labels(target, "nll_loss", "target")
    return _core.nll_loss(x, t, w, int(ignore_index), reduction)


def nll_loss_backward(
    grad_output: Any,
    input: Any,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> tuple[np.ndarray, None]:
    """(grad_input, None) of nll_loss: -weight[target] * grad at each target class."""
    op = "nll_loss_backward"
    g, x, w = floats(op, grad_output=grad_output, input=input, weight=weight)
    t = labels(target, op, "target")
    return tuple(_core.nll_loss_backward(g, x, t, w, int(ignore_index), reduction))


def _broadcast(op: str, arg: str, a: np.ndarray | None, shape: tuple) -> np.ndarray | None:
    """weight / pos_weight broadcast to input's shape, as torch does."""
    if a is None:
        return None
    try:
        return np.asarray(np.broadcast_to(a, shape), order="C")  # 0-d stays 0-d
    except ValueError:
        raise ValueError(
            f"{op}: {arg} of shape {a.shape} cannot be broadcast to input's shape {shape}"
        ) from None


def _point_args(name: str, weight: Any = None, pos_weight: Any = None, **arrays: Any):
    *rest, w, pw = floats(name, **arrays, weight=weight, pos_weight=pos_weight)
    x = rest[-2]
    return [
        *rest,
        _broadcast(name, "weight", w, x.shape),
        _broadcast(name, "pos_weight", pw, x.shape),
    ]


def _point(name: str, input: Any, target: Any, reduction: str, weight=None, pos_weight=None):
    x, t, w, pw = _point_args(name, weight, pos_weight, input=input, target=target)
    return getattr(_core, name)(x, t, w, reduction, pw)


def _point_backward(
    name: str,
    grad_output: Any,
    input: Any,
    target: Any,
    reduction: str,
    weight=None,
    pos_weight=None,
):
    g, x, t, w, pw = _point_args(
        name, weight, pos_weight, grad_output=grad_output, input=input, target=target
    )
    return tuple(getattr(_core, name)(g, x, t, w, reduction, pw))


def mse_loss(input: Any, target: Any, reduction: str = "mean") -> np.ndarray:
    """Mean squared error (input - target)^2; input and target have one shape.

    >>> float(mse_loss(np.array([1.0, 2.0]), np.array([0.0, 0.0])))
    2.5
    """
    return _point("mse_loss", input, target, reduction)


def mse_loss_backward(grad_output: Any, input: Any, target: Any, reduction: str = "mean"):
    """(grad_input, grad_target) of mse_loss."""
    return _point_backward("mse_loss_backward", grad_output, input, target, reduction)


def binary_cross_entropy(
    input: Any, target: Any, weight: Any = None, reduction: str = "mean"
) -> np.ndarray:
    """-w (t log p + (1 - t) log(1 - p)) for probabilities input p in [0, 1]; logs clamp at -100.

    weight (optional) broadcasts to input's shape.

    >>> round(float(binary_cross_entropy(np.array([0.5]), np.array([1.0]))), 6)  # ln 2
    0.693147
    """
    return _point("binary_cross_entropy", input, target, reduction, weight)


def binary_cross_entropy_backward(
    grad_output: Any, input: Any, target: Any, weight: Any = None, reduction: str = "mean"
):
    """(grad_input, grad_target) of binary_cross_entropy."""
    return _point_backward(
        "binary_cross_entropy_backward", grad_output, input, target, reduction, weight
    )


def binary_cross_entropy_with_logits(
    input: Any,
    target: Any,
    weight: Any = None,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> np.ndarray:
    """binary_cross_entropy(sigmoid(input), target), computed stably from the logits.

    pos_weight (e.g. one value per class, broadcast over the last axis) scales the positive
    term: -w (pos_weight t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))).

    >>> round(float(binary_cross_entropy_with_logits(np.array([0.0]), np.array([1.0]))), 6)
    0.693147
    """
    return _point("binary_cross_entropy_with_logits", input, target, reduction, weight, pos_weight)


def binary_cross_entropy_with_logits_backward(
    grad_output: Any,
    input: Any,
    target: Any,
    weight: Any = None,
    reduction: str = "mean",
    pos_weight: Any = None,
):
    """(grad_input, grad_target) of binary_cross_entropy_with_logits."""
    return _point_backward(
        "binary_cross_entropy_with_logits_backward",
        grad_output,
        input,
        target,
        reduction,
        weight,
        pos_weight,
    )
