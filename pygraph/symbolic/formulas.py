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


# ---- movement ----


def swapped(idx: tuple, perm: list[int]) -> tuple:
    return tuple(idx[p] for p in perm)


def inverse(perm: list[int]) -> list[int]:
    return [perm.index(k) for k in range(len(perm))]


def perm_of(c) -> list[int]:
    if c.op == "permute":
        return [int(a) for a in c.attrs["axes"]]
    perm = list(range(len(c.shape)))
    a0, a1 = c.attrs["axis0"] % len(perm), c.attrs["axis1"] % len(perm)
    perm[a0], perm[a1] = perm[a1], perm[a0]
    return perm


@formula("transpose", "permute", says="a transpose only renames indices")
class Transpose:
    @staticmethod
    def forward(c, idx):
        return c.ins[0](*swapped(idx, inverse(perm_of(c))))

    @staticmethod
    def backward(c, slot, idx):
        return c.dout(*swapped(idx, perm_of(c)))


def remap(idx: tuple, src: tuple, dst: tuple) -> tuple:
    """Element idx of a tensor shaped src, as an index into the same data shaped dst."""
    lead = 0
    while lead < min(len(src), len(dst)) and src[lead] == dst[lead]:
        lead += 1
    if [n for n in src[lead:] if n != 1] == [n for n in dst[lead:] if n != 1]:
        rest = iter([i for i, n in zip(idx[lead:], src[lead:]) if n != 1])
        return tuple(idx[:lead]) + tuple(next(rest) if n != 1 else 0 for n in dst[lead:])
    flat, stride = sp.S.Zero, 1
    for i, n in reversed(list(zip(idx[lead:], src[lead:]))):
        flat, stride = flat + i * stride, stride * n
    out, stride = [], 1
    for n in reversed(dst[lead:]):
        q = sp.floor(flat / stride) if stride > 1 else flat
        out.append(sp.Mod(q, n) if stride * n < int(np.prod(src[lead:])) else q)
        stride *= n
    return tuple(idx[:lead]) + tuple(reversed(out))


@formula("reshape", "flatten", says="a reshape only renumbers the elements")
class Reshape:
    @staticmethod
    def forward(c, idx):
        return c.ins[0](*remap(idx, c.shape, c.ins[0].shape))

    @staticmethod
    def backward(c, slot, idx):
        return c.dout(*remap(idx, c.ins[0].shape, c.shape))


def moved(idx: tuple, axis: int, by: Any) -> tuple:
    return tuple(i + by if k == axis else i for k, i in enumerate(idx))


@formula("slice", says="a slice passes the error to the elements it took (0 elsewhere)")
class Slice:
    @staticmethod
    def forward(c, idx):
        return c.ins[0](*moved(idx, c.attrs["axis"] % len(c.shape), c.attrs["start"]))

    @staticmethod
    def backward(c, slot, idx):
        return c.dout(*moved(idx, c.attrs["axis"] % len(c.shape), -c.attrs["start"]))


@formula("concat", says="a concatenation hands each part its own slice of the error")
class Concat:
    @staticmethod
    def offsets(c) -> tuple[int, list[int]]:
        axis = c.attrs["axis"] % len(c.shape)
        return axis, list(np.cumsum([0] + [x.shape[axis] for x in c.ins]))

    @staticmethod
    def forward(c, idx):
        axis, off = Concat.offsets(c)
        pieces = [(x(*moved(idx, axis, -off[k])), sp.Lt(idx[axis], off[k + 1]))
                  for k, x in enumerate(c.ins)]  # fmt: skip
        if len(pieces) == 1:
            return pieces[0][0]
        return sp.Piecewise(*pieces[:-1], (pieces[-1][0], True))

    @staticmethod
    def backward(c, slot, idx):
        axis, off = Concat.offsets(c)
        return c.dout(*moved(idx, axis, off[slot]))


# ---- reductions ----


def reduced_axes(c) -> tuple[int, ...]:
    return rules.axes_of(c.attrs, len(c.ins[0].shape))


def kept(c, in_idx: tuple) -> tuple:
    """The output index that reads input position in_idx."""
    axes, keep = reduced_axes(c), c.attrs.get("keepdims", 0)
    return tuple(0 if k in axes else i for k, i in enumerate(in_idx) if keep or k not in axes)


@formula("sum", "mean", says="a sum hands its error to every term it added (a mean, 1/count of it)")
class Reduce:
    @staticmethod
    def count(c) -> int:
        return int(np.prod([c.ins[0].shape[k] for k in reduced_axes(c)])) if c.op == "mean" else 1

    @staticmethod
    def forward(c, idx):
        axes, shape = reduced_axes(c), c.ins[0].shape
        it = iter(idx)
        full, limits = [], []
        for k, n in enumerate(shape):
            if k in axes:
                i = c.fresh.take()
                full.append(i)
                limits.append((i, 0, n - 1))
                if c.attrs.get("keepdims", 0):
                    next(it)
            else:
                full.append(next(it))
        return sp.Sum(c.ins[0](*full), *limits) / Reduce.count(c)

    @staticmethod
    def backward(c, slot, idx):
        return c.dout(*kept(c, idx)) / Reduce.count(c)


@formula("amax", "amin", says="a max (min) routes the error to the element that was the extreme")
class Extreme:
    @staticmethod
    def forward(c, idx):
        from .notation import Maximum

        axes, shape = reduced_axes(c), c.ins[0].shape
        it, full, limits = iter(idx), [], []
        for k, n in enumerate(shape):
            if k in axes:
                i = c.fresh.take()
                full.append(i)
                limits.append((i, 0, n - 1))
                if c.attrs.get("keepdims", 0):
                    next(it)
            else:
                full.append(next(it))
        x = c.ins[0](*full)
        sign = -1 if c.op == "amin" else 1  # min = −max(−x)
        return sign * Maximum(sign * x, *limits)

    @staticmethod
    def backward(c, slot, idx):
        from .notation import Indicator

        at = kept(c, idx)
        return c.dout(*at) * Indicator(sp.Eq(c.ins[0](*idx), c.out(*at)))


@formula("broadcast_to", says="a broadcast copy sums the error of its copies")
class BroadcastTo:
    @staticmethod
    def forward(c, idx):
        return bcast(c.ins[0], c.shape, idx)

    @staticmethod
    def backward(c, slot, idx):
        return unbcast(c, c.ins[0].shape, c.shape, idx, lambda oi: c.dout(*oi))


@formula("sum_to", says="a sum to a shape hands its error to every term it added")
class SumTo:
    @staticmethod
    def forward(c, idx):
        return unbcast(c, c.shape, c.ins[0].shape, idx, lambda oi: c.ins[0](*oi))

    @staticmethod
    def backward(c, slot, idx):
        return bcast(c.dout, c.ins[0].shape, idx)


@formula("pad", says="padding passes the error of the elements it copied (0 to the padding)")
class Pad:
    """Constant padding: y[o] = x[o − before] inside, the fill value outside."""

    @staticmethod
    def befores(c) -> list[int]:
        if c.attrs.get("mode", "constant") != "constant":
            raise NotImplementedError(f"derive: pad mode {c.attrs['mode']!r} is not supported")
        pad, nd = list(c.attrs["pad"]), len(c.shape)
        out = [0] * nd
        for k in range(len(pad) // 2):
            out[nd - 1 - k] = pad[2 * k]
        return out

    @staticmethod
    def forward(c, idx):
        at = [i - b for i, b in zip(idx, Pad.befores(c))]
        inside = sp.And(*[sp.And(0 <= a, a < n) for a, n in zip(at, c.ins[0].shape)])
        value = sp.sympify(c.attrs.get("value", 0.0))
        return sp.Piecewise((c.ins[0](*at), inside), (value, True)) if value else c.ins[0](*at)

    @staticmethod
    def backward(c, slot, idx):
        return c.dout(*[i + b for i, b in zip(idx, Pad.befores(c))])


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
