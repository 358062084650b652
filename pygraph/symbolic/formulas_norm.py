"""Batch norm and layer norm in index notation, forward and backward (see formulas.py)."""

from __future__ import annotations

import sympy as sp

from .formulas import formula, over, summed


def moments(c, axes: tuple[int, ...], prefer: str, says: dict[str, str]) -> tuple:
    """x normalized over `axes`: (x̂ at an index of x, the standard deviation at an index of x,
    M). The mean μ and biased variance σ² are tensors over the other axes; M counts the values
    each averages; `prefer` are the summation letters."""
    x = c.ins[0]
    kept = lambda i: tuple(v for k, v in enumerate(i) if k not in axes)  # noqa: E731
    sizes = [x.shape[k] for k in axes]
    M = c.count("M", int(sp.prod(sizes)), says["M"])
    eps = c.count("ε", float(c.attrs["eps"]), says["ε"])

    def full(i, at):
        i, at = iter(i), iter(at)
        return tuple(next(at) if k in axes else next(i) for k in range(len(x.shape)))

    def mean(i):
        at, limits = over(c, sizes, prefer)
        return sp.Sum(x(*full(i, at)), *limits) / M

    def var(i):
        at, limits = over(c, sizes, prefer)
        return sp.Sum((x(*full(i, at)) - mu(*i)) ** 2, *limits) / M

    mu = c.aux("μ", kept(x.shape), mean, says["μ"])
    v = c.aux("σ²", kept(x.shape), var, says["σ²"])
    xhat = c.aux("x̂", x.shape, lambda i: (x(*i) - mu(*kept(i))) / sp.sqrt(v(*kept(i)) + eps),
                 "the normalized input")  # fmt: skip
    return lambda i: xhat(*i), lambda i: sp.sqrt(v(*kept(i)) + eps), M


@formula("batch_norm", says=(
    "batch norm's backward: the error, minus its mean and its projection on x̂, over the batch",
    "", "", "γ's gradient: Σ δy·x̂ over the batch and positions",
    "β's gradient: Σ δy over the batch and positions"))  # fmt: skip
class BatchNorm:
    SAYS = {"M": "the values per channel batch norm averages",
            "ε": "batch norm's ε, which keeps the division safe",
            "μ": "the batch mean per channel",
            "σ²": "the batch variance per channel (biased)"}  # fmt: skip

    @staticmethod
    def stats(c):
        """(x̂ at an index of x, the standard deviation there, M values per channel): the
        batch's statistics in training, the running ones otherwise."""
        x = c.ins[0]
        if c.attrs.get("training", 0):
            return moments(c, (0, *range(2, len(x.shape))), "nhw", BatchNorm.SAYS)
        M = c.count("M", int(sp.prod((x.shape[0], *x.shape[2:]))), BatchNorm.SAYS["M"])
        eps = c.count("ε", float(c.attrs["eps"]), BatchNorm.SAYS["ε"])
        rm, rv = c.ins[1], c.ins[2]
        return (lambda i: (x(*i) - rm(i[1])) / sp.sqrt(rv(i[1]) + eps),
                lambda i: sp.sqrt(rv(i[1]) + eps), M)  # fmt: skip

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
            return c.dout(*idx) * g / std(idx)
        mean_part = total(lambda i: c.dout(*i))
        proj_part = xhat(idx) * total(lambda i: c.dout(*i) * xhat(i))
        return g / (M * std(idx)) * (M * c.dout(*idx) - mean_part - proj_part)


@formula("layer_norm", says=(
    "layer norm's backward: the error through γ, minus its mean and its projection on x̂, "
    "over the normalized axes",
    "γ's gradient: Σ δy·x̂ over the other axes",
    "β's gradient: Σ δy over the other axes"))  # fmt: skip
class LayerNorm:
    @staticmethod
    def split(c) -> tuple[int, tuple, tuple]:
        k = len(c.attrs["normalized_shape"])
        shape = c.ins[0].shape
        return len(shape) - k, shape[: len(shape) - k], shape[len(shape) - k :]

    SAYS = {"M": "the values layer norm averages per position", "ε": "layer norm's ε",
            "μ": "the mean over the normalized axes",
            "σ²": "the variance over the normalized axes (biased)"}  # fmt: skip

    @staticmethod
    def stats(c):
        """(x̂ at an index of x, the standard deviation there, M)"""
        lead = LayerNorm.split(c)[0]
        return moments(c, tuple(range(lead, len(c.ins[0].shape))), "klm", LayerNorm.SAYS)

    @staticmethod
    def affine(c, slot: int, i: tuple) -> sp.Basic:
        return c.ins[slot](*i) if len(c.ins) > slot else sp.S(int(slot == 1))

    @staticmethod
    def forward(c, idx):
        lead = LayerNorm.split(c)[0]
        xhat, _, _ = LayerNorm.stats(c)
        return LayerNorm.affine(c, 1, idx[lead:]) * xhat(idx) + LayerNorm.affine(c, 2, idx[lead:])

    @staticmethod
    def backward(c, slot, idx):
        lead, outer, norm = LayerNorm.split(c)
        xhat, std, M = LayerNorm.stats(c)
        if slot in (1, 2):
            at, limits = over(c, outer, "nt")
            term = c.dout(*at, *idx) * (xhat((*at, *idx)) if slot == 1 else 1)
            return summed(term, *limits)
        g = lambda i: c.dout(*i) * LayerNorm.affine(c, 1, i[lead:])  # noqa: E731
        at, limits = over(c, norm, "klm")
        row = (*idx[:lead], *at)
        mean_part = sp.Sum(g(row), *limits)
        proj_part = xhat(idx) * sp.Sum(g(row) * xhat(row), *limits)
        return (M * g(idx) - mean_part - proj_part) / (M * std(idx))
