"""Each op in index notation, forward and backward side by side, for derivations.

`forward(c, idx)` is the output's element at the index tuple `idx`; `backward(c, slot, idx)`
is the adjoint (∂L/∂input) of input `slot` at `idx`, built from `c.dout`, the output's adjoint.
Tensors are reached through accessors (`c.ins[k](*idx)`), so a transpose or a bias add can be
folded into its neighbour's formula instead of getting a name. `says` is the sentence a
derivation prints for the chain-rule step through the op. Elementwise ops take their scalar
formula from rules.py and differentiate it with SymPy. The nn ops are in formulas_nn.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from . import functions as fn
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
            "gelu", "silu", "softplus", "sqrt", "abs", "erf"]:  # fmt: skip
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
