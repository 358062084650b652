"""Convolution, transposed convolution and embedding in index notation, forward and backward
(see formulas.py for the conventions; pooling is in formulas_pool.py, the norms in
formulas_norm.py). Positions are written as the textbooks do: output i reads input
s·i + d·p − pad, so the input gradient reads the output at (h + pad − d·p)/s, and a term whose
position is not a whole number, or falls outside, is 0.
"""

from __future__ import annotations

import sympy as sp

from .formulas import formula, over


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


def bias_gradient(c, o) -> sp.Basic:
    """A (transposed) convolution's bias o: its output channel's error, summed over the batch
    and the positions."""
    (n, *pos), limits = over(c, (c.shape[0], *c.shape[2:]), "nijk")
    return sp.Sum(c.dout(n, o, *pos), *limits)


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
        return bias_gradient(c, idx[0])


@formula("conv_transpose1d", "conv_transpose2d", "conv_transpose3d", says=(
    "a transposed convolution's input gradient is the plain convolution of the error",
    "the kernel's gradient: the input times the error at the positions it was scattered to",
    "the bias's gradient: the error summed over batch and positions"))  # fmt: skip
class ConvTranspose:
    """Input position i scatters into output s·i + d·p − pad: the output gathers them back."""

    @staticmethod
    def check(c) -> None:
        if int(c.attrs.get("groups", 1)) != 1:
            raise NotImplementedError(f"derive: {c.op} with groups is not supported")

    @staticmethod
    def forward(c, idx):
        ConvTranspose.check(c)
        x, w = c.ins[:2]
        (ci, *offs), limits = over(c, (w.shape[0], *w.shape[2:]), "cpqr")
        y = sp.Sum(x(idx[0], ci, *read_by(c, idx[2:], offs)) * w(ci, idx[1], *offs), *limits)
        return y + c.ins[2](idx[1]) if len(c.ins) > 2 else y

    @staticmethod
    def backward(c, slot, idx):
        ConvTranspose.check(c)
        x, w = c.ins[:2]
        if slot == 0:
            n, ci, pos = idx[0], idx[1], idx[2:]
            (o, *offs), limits = over(c, (w.shape[1], *w.shape[2:]), "opqr")
            return sp.Sum(c.dout(n, o, *reads(c, pos, offs)) * w(ci, o, *offs), *limits)
        if slot == 1:
            ci, o, offs = idx[0], idx[1], idx[2:]
            (n, *pos), limits = over(c, (x.shape[0], *x.shape[2:]), "nijk")
            return sp.Sum(x(n, ci, *pos) * c.dout(n, o, *reads(c, pos, offs)), *limits)
        return bias_gradient(c, idx[0])


@formula("embedding", says="an embedding row collects the error of every position that read it")
class Embedding:
    @staticmethod
    def forward(c, idx):
        return c.ins[1](c.ins[0](*idx[:-1]), idx[-1])

    @staticmethod
    def backward(c, slot, idx):
        if slot == 0:
            raise NotImplementedError("derive: an embedding's indices have no gradient")
        at, limits = over(c, c.ins[0].shape, "nt")
        return sp.Sum(c.dout(*at, idx[1]) * sp.KroneckerDelta(c.ins[0](*at), idx[0]), *limits)
