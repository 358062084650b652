"""Each op in index notation, forward and backward side by side, for derivations.

`forward(c, idx)` is the output's element at the index tuple `idx`; `backward(c, slot, idx)`
is the adjoint (∂L/∂input) of input `slot` at `idx`, built from `c.dout`, the output's adjoint.
Tensors are reached through accessors (`c.ins[k](*idx)`), so a transpose or a bias add can be
folded into its neighbour's formula instead of getting a name. `says` is the sentence a
derivation prints for the chain-rule step through the op. Elementwise ops take their scalar
formula from rules.py and differentiate it with SymPy. The losses and softmax are in
formulas_loss.py; convolution, pooling and the norms in formulas_nn, _pool and _norm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from . import rules

Expr = sp.Basic


class Access:
    """A tensor as a formula sees it: call it with indices to get an element's expression."""

    def __init__(self, shape: tuple[int, ...], at: Callable[[tuple], Expr]):
        self.shape, self.at = tuple(shape), at

    def __call__(self, *idx: Any) -> Expr:
        return self.at(tuple(sp.sympify(i) for i in idx))


@dataclass
class Formula:
    forward: Callable
    backward: Callable
    says: str | tuple[str, ...]  # one sentence, or one per input slot

    def saying(self, slot: int) -> str:
        return self.says if isinstance(self.says, str) else self.says[min(slot, len(self.says) - 1)]


FORMULAS: dict[str, Formula] = {}


def formula(*names: str, says: str | tuple[str, ...]):
    def register(cls):
        for name in names:
            FORMULAS[name] = Formula(cls.forward, cls.backward, says)
        return cls

    return register


def summed(body: Expr, *limits: tuple) -> Expr:
    return sp.Sum(body, *limits) if limits else body


def over(c, shape: tuple[int, ...], prefer: str = "") -> tuple[list, list]:
    """Fresh indices for `shape` and their Sum limits."""
    idx = c.fresh.many(len(shape), prefer)
    return idx, [(i, 0, n - 1) for i, n in zip(idx, shape)]


# ---- broadcasting ----


def bcast(x: Access, out_shape: tuple, idx: tuple) -> Expr:
    """x's element read at output position idx under numpy broadcasting."""
    lead = len(out_shape) - len(x.shape)
    return x(*[0 if n == 1 and out_shape[lead + k] != 1 else idx[lead + k]
               for k, n in enumerate(x.shape)])  # fmt: skip


def unbcast(c, in_shape: tuple, out_shape: tuple, idx: tuple, term: Callable) -> Expr:
    """Σ of term(output index) over the output positions that read input position idx."""
    lead = len(out_shape) - len(in_shape)
    out_idx, limits = [], []
    for k, size in enumerate(out_shape):
        if k < lead or (in_shape[k - lead] == 1 and size != 1):
            j = c.fresh.take()
            out_idx.append(j)
            limits.append((j, 0, size - 1))
        else:
            out_idx.append(idx[k - lead])
    return summed(term(tuple(out_idx)), *limits)


# ---- elementwise ----


def scalar_rule(c, n: int) -> tuple[list, Expr]:
    """The op's scalar formula f(s0, ...) from its SymPy rule."""
    s = sp.symbols(f"s0:{n}", real=True)
    out = rules.apply(c.op, [np.array([v], dtype=object) for v in s], c.attrs)[0]
    return list(s), np.asarray(out, dtype=object).flat[0]


class Elementwise:
    @staticmethod
    def forward(c, idx):
        s, f = scalar_rule(c, len(c.ins))
        return f.xreplace({v: bcast(x, c.shape, idx) for v, x in zip(s, c.ins)})

    @staticmethod
    def backward(c, slot, idx):
        s, f = scalar_rule(c, len(c.ins))
        local = sp.diff(f, s[slot])

        def term(oi):
            at = {v: bcast(x, c.shape, oi) for v, x in zip(s, c.ins)}
            d = local.xreplace({f: c.out(*oi)}).xreplace(at) if len(s) == 1 else local.xreplace(at)
            return c.dout(*oi) * d

        return unbcast(c, c.ins[slot].shape, c.shape, idx, term)


UNARY_SAYS = {
    "sigmoid": "sigmoid's derivative σ′(z) = σ(z)(1 − σ(z)), written with the unit's output",
    "tanh": "tanh's derivative 1 − tanh²(z), written with the unit's output",
    "relu": "ReLU passes the error where its input was positive",
    "exp": "exp is its own derivative",
    "log": "log's derivative 1/x",
}
for _op in ["neg", "exp", "log", "relu", "sigmoid", "tanh", "leaky_relu", "elu", "selu",
            "gelu", "silu", "softplus", "sqrt", "abs", "erf", "step"]:  # fmt: skip
    formula(_op, says=UNARY_SAYS.get(_op, f"{_op}'s derivative, element by element"))(Elementwise)
formula("add", "sub", says="a sum passes the error to each term (a bias sums it over the batch)")(
    Elementwise
)
formula("mul", "div", says="the product rule, element by element")(Elementwise)


# ---- matmul ----


@formula(
    "matmul",
    says=(
        "the error sent back through the weights, summed over the units it feeds",
        "the error times the input that met the weight, summed over the batch",
    ),
)
class Matmul:
    @staticmethod
    def forward(c, idx):
        a, b = c.ins
        batch, k = tuple(idx[:-2]), c.fresh.take("k")
        K = a.shape[-1]
        return sp.Sum(bcast(a, c.shape[:-2] + (c.shape[-2], K), batch + (idx[-2], k))
                      * bcast(b, c.shape[:-2] + (K, c.shape[-1]), batch + (k, idx[-1])),
                      (k, 0, K - 1))  # fmt: skip

    @staticmethod
    def backward(c, slot, idx):
        a, b = c.ins
        M, K, N = a.shape[-2], a.shape[-1], b.shape[-1]
        batch = c.shape[:-2]
        if slot == 0:

            def term(oi):
                j = c.fresh.take("k")
                bb = bcast(b, batch + (K, N), tuple(oi[:-2]) + (oi[-1], j))
                return sp.Sum(c.dout(*oi[:-2], oi[-2], j) * bb, (j, 0, N - 1))

            return unbcast(c, a.shape, batch + (M, K), idx, term)

        def term(oi):
            m = c.fresh.take("n")
            aa = bcast(a, batch + (M, K), tuple(oi[:-2]) + (m, oi[-2]))
            return sp.Sum(aa * c.dout(*oi[:-2], m, oi[-1]), (m, 0, M - 1))

        return unbcast(c, b.shape, batch + (K, N), idx, term)


@formula(
    "prelu",
    says=(
        "PReLU passes the error, times its slope where the input was negative",
        "a slope's gradient: the error times the negative inputs it scaled",
    ),
)
class PRelu:
    """y = x where x > 0, else a·x, with one slope a per channel (axis 1) or one for all."""

    @staticmethod
    def slope(c, idx) -> sp.Basic:
        w = c.ins[1]
        return w(idx[1]) if w.shape and w.shape[0] > 1 else w(*[0] * len(w.shape))

    @staticmethod
    def forward(c, idx):
        x = c.ins[0](*idx)
        return sp.Piecewise((x, x > 0), (PRelu.slope(c, idx) * x, True))

    @staticmethod
    def backward(c, slot, idx):
        x = c.ins[0]
        if slot == 0:
            xi = x(*idx)
            return c.dout(*idx) * sp.Piecewise((1, xi > 0), (PRelu.slope(c, idx), True))
        at, limits = over(c, x.shape, "nchw")
        if c.ins[1].shape and c.ins[1].shape[0] > 1:
            at[1], limits = idx[0], [lim for k, lim in enumerate(limits) if k != 1]
        xi = x(*at)
        return sp.Sum(c.dout(*at) * sp.Piecewise((0, xi > 0), (xi, True)), *limits)
