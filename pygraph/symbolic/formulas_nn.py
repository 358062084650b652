"""Convolution, pooling and batch norm in index notation, forward and backward (see
formulas.py for the conventions). Positions are written as the textbooks do: output i reads
input s·i + d·p − pad, so the input gradient reads the output at (h + pad − d·p)/s, and a
term whose position is not a whole number, or falls outside, is 0.
"""

from __future__ import annotations

import sympy as sp

from .formulas import formula, over, summed
from .notation import Indicator, Maximum


def spatial(c, key: str, default: int = 1) -> list[int]:
    v = c.attrs.get(key, default)
    nd = len(c.shape) - 2
    return [int(x) for x in v] if isinstance(v, list | tuple) else [int(v)] * nd


def reads(c, pos, offs) -> list:
    """Input positions s·i + d·p − pad read by output positions `pos` at window offsets."""
    s, d, pad = spatial(c, "stride"), spatial(c, "dilation"), spatial(c, "padding", 0)
    return [si * i + di * p - pi for i, p, si, di, pi in zip(pos, offs, s, d, pad)]


def read_by(c, pos, offs) -> list:
    """Output positions (h + pad − d·p)/s that read input positions `pos` at offsets `offs`."""
    s, d, pad = spatial(c, "stride"), spatial(c, "dilation"), spatial(c, "padding", 0)
    out = []
    for h, p, si, di, pi in zip(pos, offs, s, d, pad):
        num = h + pi - di * p
        out.append(num if si == 1 else sp.Mul(sp.Rational(1, si), num, evaluate=False))
    return out


@formula("conv1d", "conv2d", "conv3d", says=(
    "the error sent back through the kernel, from every output position that read this input",
    "the kernel's gradient: the error correlated with the input, summed over batch and positions",
    "the bias's gradient: the error summed over batch and positions"))  # fmt: skip
class Conv:
    @staticmethod
    def groups(c) -> tuple[int, int, int]:
        """(groups, input channels per group, output channels per group)"""
        g = int(c.attrs.get("groups", 1))
        return g, c.ins[1].shape[1], c.ins[1].shape[0] // g

    @staticmethod
    def forward(c, idx):
        x, w = c.ins[:2]
        g, cg, og = Conv.groups(c)
        n, o, pos = idx[0], idx[1], idx[2:]
        (ci, *offs), limits = over(c, (cg, *w.shape[2:]), "cpqr")
        chan = ci if g == 1 else sp.floor(o / og) * cg + ci
        y = sp.Sum(w(o, ci, *offs) * x(n, chan, *reads(c, pos, offs)), *limits)
        return y + c.ins[2](o) if len(c.ins) > 2 else y

    @staticmethod
    def backward(c, slot, idx):
        x, w = c.ins[:2]
        g, cg, og = Conv.groups(c)
        if slot == 0:  # input: Σ over the outputs and kernel taps that read x[n, ch, pos]
            n, ch, pos = idx[0], idx[1], idx[2:]
            (oo, *offs), limits = over(c, (og, *w.shape[2:]), "opqr")
            o = oo if g == 1 else sp.floor(ch / cg) * og + oo
            wc = ch if g == 1 else sp.Mod(ch, cg)
            return sp.Sum(w(o, wc, *offs) * c.dout(n, o, *read_by(c, pos, offs)), *limits)
        if slot == 1:  # kernel: Σ over batch and output positions
            o, ci, offs = idx[0], idx[1], idx[2:]
            (n, *pos), limits = over(c, (c.shape[0], *c.shape[2:]), "nijk")
            chan = ci if g == 1 else sp.floor(o / og) * cg + ci
            return sp.Sum(c.dout(n, o, *pos) * x(n, chan, *reads(c, pos, offs)), *limits)
        (n, *pos), limits = over(c, (c.shape[0], *c.shape[2:]), "nijk")
        return sp.Sum(c.dout(n, idx[0], *pos), *limits)


def pool_check(c) -> None:
    if any(spatial(c, "padding", 0)) or c.attrs.get("ceil_mode", 0):
        raise NotImplementedError(f"derive: {c.op} with padding or ceil_mode is not supported")


def tiled(c) -> bool:
    """Non-overlapping windows: output i reads input positions k·i … k·i + k − 1."""
    return spatial(c, "stride") == spatial(c, "kernel_size") and set(spatial(c, "dilation")) <= {1}


@formula("max_pool1d", "max_pool2d",
         says="max pooling routes the error to the input that was the window's max")  # fmt: skip
class MaxPool:
    @staticmethod
    def forward(c, idx):
        pool_check(c)
        offs, limits = over(c, spatial(c, "kernel_size"), "pqr")
        return Maximum(c.ins[0](*idx[:2], *reads(c, idx[2:], offs)), *limits)

    @staticmethod
    def backward(c, slot, idx):
        pool_check(c)
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
        pool_check(c)
        ks = spatial(c, "kernel_size")
        offs, limits = over(c, ks, "pqr")
        return sp.Sum(c.ins[0](*idx[:2], *reads(c, idx[2:], offs)), *limits) / sp.prod(ks)

    @staticmethod
    def backward(c, slot, idx):
        pool_check(c)
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


@formula("batch_norm", says=(
    "batch norm's backward: the error, minus its mean and its projection on x̂, over the batch",
    "", "", "γ's gradient: Σ δy·x̂ over the batch and positions",
    "β's gradient: Σ δy over the batch and positions"))  # fmt: skip
class BatchNorm:
    @staticmethod
    def stats(c):
        """(x̂ accessor, the standard deviation at channel ch, M values per channel)"""
        x = c.ins[0]
        rest = (x.shape[0], *x.shape[2:])
        M = c.count("M", int(sp.prod(rest)), "the values per channel batch norm averages")
        eps = c.count("ε", float(c.attrs["eps"]), "batch norm's ε, which keeps the division safe")
        if not c.attrs.get("training", 0):
            rm, rv = c.ins[1], c.ins[2]
            return (lambda i: (x(*i) - rm(i[1])) / sp.sqrt(rv(i[1]) + eps),
                    lambda ch: sp.sqrt(rv(ch) + eps), M)  # fmt: skip

        def mean(i):
            (n, *pos), limits = over(c, rest, "nhw")
            return sp.Sum(x(n, i[0], *pos), *limits) / M

        def var(i):
            (n, *pos), limits = over(c, rest, "nhw")
            return sp.Sum((x(n, i[0], *pos) - mu(i[0])) ** 2, *limits) / M

        mu = c.aux("μ", (x.shape[1],), mean, "the batch mean per channel")
        v = c.aux("σ²", (x.shape[1],), var, "the batch variance per channel (biased)")
        xhat = c.aux("x̂", x.shape, lambda i: (x(*i) - mu(i[1])) / sp.sqrt(v(i[1]) + eps),
                     "the normalized input")  # fmt: skip
        return lambda i: xhat(*i), lambda ch: sp.sqrt(v(ch) + eps), M

    @staticmethod
    def affine(c, slot: int, ch) -> sp.Basic:
        """γ[ch] (slot 3) or β[ch] (slot 4); 1 and 0 when the layer has none."""
        return c.ins[slot](ch) if len(c.ins) > slot else sp.S(int(slot == 3))

    @staticmethod
    def forward(c, idx):
        xhat, _, _ = BatchNorm.stats(c)
        return BatchNorm.affine(c, 3, idx[1]) * xhat(idx) + BatchNorm.affine(c, 4, idx[1])

    @staticmethod
    def backward(c, slot, idx):
        xhat, std, M = BatchNorm.stats(c)
        rest = (c.shape[0], *c.shape[2:])

        def total(f):
            (n, *pos), limits = over(c, rest, "mabd")
            return summed(f((n, idx[0] if slot else idx[1], *pos)), *limits)

        if slot == 3:
            return total(lambda i: c.dout(*i) * xhat(i))
        if slot == 4:
            return total(lambda i: c.dout(*i))
        if slot != 0:
            raise NotImplementedError("derive: batch norm's running statistics have no gradient")
        g = BatchNorm.affine(c, 3, idx[1])
        if not c.attrs.get("training", 0):
            return c.dout(*idx) * g / std(idx[1])
        mean_part = total(lambda i: c.dout(*i))
        proj_part = xhat(idx) * total(lambda i: c.dout(*i) * xhat(i))
        return g / (M * std(idx[1])) * (M * c.dout(*idx) - mean_part - proj_part)
