"""Pooling in index notation, forward and backward (see formulas.py and formulas_nn.py for
the conventions). Max pooling pads with −∞, so a window's max never comes from the padding;
its gradient goes to the input equal to the window's max (random inputs have no ties).
"""

from __future__ import annotations

import sympy as sp

from .formulas import formula, over
from .formulas_nn import read_by, reads, spatial
from .notation import Indicator, Maximum


def avg_check(c) -> None:
    """Average pooling divides by k everywhere only without ceil_mode, and with the padding
    counted (it reads 0 there)."""
    pad = any(spatial(c, "padding", 0)) and not c.attrs.get("count_include_pad", 1)
    if pad or c.attrs.get("ceil_mode", 0):
        raise NotImplementedError(
            f"derive: {c.op} with ceil_mode or count_include_pad=False is not supported"
        )


def tiled(c) -> bool:
    """Non-overlapping windows: output i reads input positions k·i … k·i + k − 1."""
    same = spatial(c, "stride") == spatial(c, "kernel_size") and set(spatial(c, "dilation")) <= {1}
    return same and not any(spatial(c, "padding", 0))


def padded(c, x, idx: tuple, pos: list) -> sp.Basic:
    """x at (idx[:2], pos), or −∞ where pos falls off the input (max pooling's padding)."""
    if not any(spatial(c, "padding", 0)) and not c.attrs.get("ceil_mode", 0):
        return x(*idx[:2], *pos)
    inside = sp.And(*[sp.And(0 <= p, p < n) for p, n in zip(pos, x.shape[2:])])
    return sp.Piecewise((x(*idx[:2], *pos), inside), (-sp.oo, True))


@formula("max_pool1d", "max_pool2d",
         says="max pooling routes the error to the input that was the window's max")  # fmt: skip
class MaxPool:
    @staticmethod
    def forward(c, idx):
        offs, limits = over(c, spatial(c, "kernel_size"), "pqr")
        return Maximum(padded(c, c.ins[0], idx, reads(c, idx[2:], offs)), *limits)

    @staticmethod
    def backward(c, slot, idx):
        x = c.ins[0](*idx)
        if tiled(c):
            at = (*idx[:2], *[sp.floor(h / k) for h, k in zip(idx[2:], spatial(c, "kernel_size"))])
            return c.dout(*at) * Indicator(sp.Eq(x, c.out(*at)))
        offs, limits = over(c, spatial(c, "kernel_size"), "pqr")
        at = (*idx[:2], *read_by(c, idx[2:], offs))
        return sp.Sum(c.dout(*at) * Indicator(sp.Eq(x, c.out(*at))), *limits)


@formula("avg_pool1d", "avg_pool2d", says="average pooling spreads the error evenly, 1/k each")
class AvgPool:
    @staticmethod
    def forward(c, idx):
        avg_check(c)
        ks = spatial(c, "kernel_size")
        offs, limits = over(c, ks, "pqr")
        return sp.Sum(c.ins[0](*idx[:2], *reads(c, idx[2:], offs)), *limits) / sp.prod(ks)

    @staticmethod
    def backward(c, slot, idx):
        avg_check(c)
        ks = spatial(c, "kernel_size")
        if tiled(c):
            return c.dout(*idx[:2], *[sp.floor(h / k) for h, k in zip(idx[2:], ks)]) / sp.prod(ks)
        offs, limits = over(c, ks, "pqr")
        return sp.Sum(c.dout(*idx[:2], *read_by(c, idx[2:], offs)), *limits) / sp.prod(ks)


@formula("global_avg_pool2d", says="global average pooling spreads the error over the map")
class GlobalAvgPool:
    @staticmethod
    def forward(c, idx):
        hw = c.ins[0].shape[2:]
        pos, limits = over(c, hw, "hw")
        return sp.Sum(c.ins[0](*idx[:2], *pos), *limits) / sp.prod(hw)

    @staticmethod
    def backward(c, slot, idx):
        return c.dout(*idx[:2], *[0] * (len(c.shape) - 2)) / sp.prod(c.ins[0].shape[2:])


@formula("global_max_pool2d", says="global max pooling routes the error to the map's max")
class GlobalMaxPool:
    @staticmethod
    def forward(c, idx):
        pos, limits = over(c, c.ins[0].shape[2:], "hw")
        return Maximum(c.ins[0](*idx[:2], *pos), *limits)

    @staticmethod
    def backward(c, slot, idx):
        at = (*idx[:2], *[0] * (len(c.shape) - 2))
        return c.dout(*at) * Indicator(sp.Eq(c.ins[0](*idx), c.out(*at)))


def bins(c) -> list[tuple[int, int]]:
    """(input size, output size) per spatial axis of an adaptive pool."""
    return list(zip(c.ins[0].shape[2:], c.shape[2:]))


def window(i, size: int, out: int) -> tuple[sp.Basic, sp.Basic]:
    """Adaptive bin i spans [⌊i·L/O⌋, ⌈(i+1)·L/O⌉)."""
    return sp.floor(i * size / out), sp.ceiling((i + 1) * size / out)


@formula("adaptive_avg_pool1d", "adaptive_avg_pool2d",
         says="adaptive average pooling spreads the error evenly over each bin")  # fmt: skip
class AdaptiveAvgPool:
    @staticmethod
    def forward(c, idx):
        x = c.ins[0]
        if all(size % out == 0 for size, out in bins(c)):  # plain k×k pooling, k = L/O
            ks = [size // out for size, out in bins(c)]
            offs, limits = over(c, ks, "pqr")
            pos = [k * i + p for k, i, p in zip(ks, idx[2:], offs)]
            return sp.Sum(x(*idx[:2], *pos), *limits) / sp.prod(ks)
        pos, limits = over(c, x.shape[2:], "hw")
        term, count = x(*idx[:2], *pos), 1
        for h, i, (size, out) in zip(pos, idx[2:], bins(c)):
            lo, hi = window(i, size, out)
            term, count = term * Indicator(sp.And(lo <= h, h < hi)), count * (hi - lo)
        return sp.Sum(term, *limits) / count

    @staticmethod
    def backward(c, slot, idx):
        if all(size % out == 0 for size, out in bins(c)):
            ks = [size // out for size, out in bins(c)]
            at = [sp.floor(h / k) if k > 1 else h for h, k in zip(idx[2:], ks)]
            return c.dout(*idx[:2], *at) / sp.prod(ks)
        outs, limits = over(c, c.shape[2:], "ij")
        term = c.dout(*idx[:2], *outs)
        for h, i, (size, out) in zip(idx[2:], outs, bins(c)):
            lo, hi = window(i, size, out)
            term = term * Indicator(sp.And(lo <= h, h < hi)) / (hi - lo)
        return sp.Sum(term, *limits)
