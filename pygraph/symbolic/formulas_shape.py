"""Movement ops and reductions in index notation, forward and backward (see formulas.py):
a transpose or reshape renames indices, a slice or pad shifts them, a sum or max reduces over
them."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from . import rules
from .formulas import bcast, formula, unbcast
from .notation import Indicator, Maximum

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


def reducing(c, idx: tuple) -> tuple[list, list]:
    """The input index read by output idx, with a fresh summation index (and its limits) on
    each reduced axis."""
    it, full, limits = iter(idx), [], []
    for k, n in enumerate(c.ins[0].shape):
        if k in reduced_axes(c):
            i = c.fresh.take()
            full.append(i)
            limits.append((i, 0, n - 1))
            if c.attrs.get("keepdims", 0):
                next(it)
        else:
            full.append(next(it))
    return full, limits


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
        full, limits = reducing(c, idx)
        return sp.Sum(c.ins[0](*full), *limits) / Reduce.count(c)

    @staticmethod
    def backward(c, slot, idx):
        return c.dout(*kept(c, idx)) / Reduce.count(c)


@formula("amax", "amin", says="a max (min) routes the error to the element that was the extreme")
class Extreme:
    @staticmethod
    def forward(c, idx):
        full, limits = reducing(c, idx)
        x = c.ins[0](*full)
        sign = -1 if c.op == "amin" else 1  # min = −max(−x)
        return sign * Maximum(sign * x, *limits)

    @staticmethod
    def backward(c, slot, idx):
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
