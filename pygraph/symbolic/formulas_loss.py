"""The losses and softmax in index notation, forward and backward (see formulas.py). The
backward forms are the ones textbooks write: softmax with cross-entropy gives p − y, the
binary cross-entropy's derivative is (a − t)/(a(1 − a)), ready to cancel against σ′."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from . import functions as fn
from .formulas import Access, Expr, formula, over

# ---- losses ----


def per_element(c) -> Expr:
    """N, the number of terms a mean-reduced loss averages (a named count), or 1 for a sum."""
    red = c.attrs.get("reduction", "mean")
    if red not in ("mean", "sum"):
        raise NotImplementedError(f"derive: {c.op} with reduction={red!r} is not supported")
    size = int(np.prod(c.ins[0].shape)) if c.op in ELEMENT_LOSSES else c.ins[0].shape[0]
    return c.count("N", size, "the number of terms the loss averages") if red == "mean" else 1


ELEMENT_LOSSES = ("mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits")


def loss_term(op: str, a: Expr, b: Expr) -> Expr:
    if op == "mse_loss":
        return (a - b) ** 2
    if op == "binary_cross_entropy":
        return sp.Mul(-1, b * sp.log(a) + (1 - b) * sp.log(1 - a), evaluate=False)
    p = fn.sigmoid(a)
    return sp.Mul(-1, b * sp.log(p) + (1 - b) * sp.log(1 - p), evaluate=False)


def loss_derivative(op: str, a: Expr, b: Expr) -> Expr:
    """∂ℓ/∂a in the form textbooks write (checked against SymPy's diff in the tests)."""
    if op == "mse_loss":
        return 2 * (a - b)
    if op == "binary_cross_entropy":
        return (a - b) / (a * (1 - a))
    return fn.sigmoid(a) - b


@formula(*ELEMENT_LOSSES, says="the loss's derivative: the output unit's error")
class ElementLoss:
    @staticmethod
    def forward(c, idx):
        at, limits = over(c, c.ins[0].shape)
        return sp.Sum(loss_term(c.op, c.ins[0](*at), c.ins[1](*at)), *limits) / per_element(c)

    @staticmethod
    def backward(c, slot, idx):
        s = sp.symbols("s0:2", real=True)
        d = loss_derivative(c.op, *s) if slot == 0 else sp.diff(loss_term(c.op, *s), s[1])
        return c.dout() * d.xreplace({s[0]: c.ins[0](*idx), s[1]: c.ins[1](*idx)}) / per_element(c)


def class_losses_ok(c) -> None:
    if len(c.ins[0].shape) != 2 or c.attrs.get("label_smoothing", 0.0) or len(c.ins) > 2:
        raise NotImplementedError(
            f"derive: {c.op} is supported for (N, K) scores with integer labels, without "
            f"weights or label smoothing; got scores of shape {c.ins[0].shape}"
        )


@formula("cross_entropy", says="softmax with cross-entropy: the error is p − y")
class CrossEntropy:
    @staticmethod
    def forward(c, idx):
        class_losses_ok(c)
        (n, k), _ = over(c, (1, 1), "nk")
        z, t = c.ins
        N, K = z.shape
        lse = sp.log(sp.Sum(sp.exp(z(n, k)), (k, 0, K - 1)))
        return sp.Sum(lse - z(n, t(n)), (n, 0, N - 1)) / per_element(c)

    @staticmethod
    def backward(c, slot, idx):
        class_losses_ok(c)
        z, t = c.ins
        N = per_element(c)
        p = c.aux("p", z.shape, lambda i: softmax_of(c, z, i, 1), "softmax of the scores")
        y = c.aux("y", z.shape, lambda i: sp.KroneckerDelta(i[1], t(i[0])), "the labels, one-hot")
        return c.dout() * (p(*idx) - y(*idx)) / N


@formula("nll_loss", says="the negative log-likelihood picks the label's score")
class NllLoss:
    @staticmethod
    def forward(c, idx):
        class_losses_ok(c)
        n = c.fresh.take("n")
        x, t = c.ins
        return -sp.Sum(x(n, t(n)), (n, 0, x.shape[0] - 1)) / per_element(c)

    @staticmethod
    def backward(c, slot, idx):
        x, t = c.ins
        return -c.dout() * sp.KroneckerDelta(idx[1], t(idx[0])) / per_element(c)


# ---- softmax ----


def softmax_of(c, x: Access, idx: tuple, axis: int) -> Expr:
    j = c.fresh.take("j")
    return sp.exp(x(*idx)) / sp.Sum(sp.exp(x(*moved_to(idx, axis, j))), (j, 0, x.shape[axis] - 1))


def moved_to(idx: tuple, axis: int, value: Any) -> tuple:
    return tuple(value if k == axis else i for k, i in enumerate(idx))


@formula("softmax", "log_softmax", says="softmax's Jacobian: p(δ − Σ p δ)")
class Softmax:
    @staticmethod
    def forward(c, idx):
        axis = c.attrs["axis"] % len(c.shape)
        if c.op == "softmax":
            return softmax_of(c, c.ins[0], idx, axis)
        j = c.fresh.take("j")
        x = c.ins[0]
        total = sp.Sum(sp.exp(x(*moved_to(idx, axis, j))), (j, 0, c.shape[axis] - 1))
        return x(*idx) - sp.log(total)

    @staticmethod
    def backward(c, slot, idx):
        axis = c.attrs["axis"] % len(c.shape)
        j = c.fresh.take("j")
        at = moved_to(idx, axis, j)
        lim = (j, 0, c.shape[axis] - 1)
        if c.op == "softmax":
            return c.out(*idx) * (c.dout(*idx) - sp.Sum(c.dout(*at) * c.out(*at), lim))
        return c.dout(*idx) - sp.exp(c.out(*idx)) * sp.Sum(c.dout(*at), lim)
