"""Helpers for the nn tests: run a pygraph module and its torch twin on the same weights and
input, and compare outputs and gradients (pg.grad against autograd)."""

from __future__ import annotations

import numpy as np

import pygraph as pg


def state_of(tmod) -> dict[str, np.ndarray]:
    return {k: v.detach().numpy().copy() for k, v in tmod.state_dict().items()}


def same_layout(pmod, tmod) -> None:
    """pygraph's state_dict has torch's keys, in torch's order, with torch's shapes."""
    ours = {k: v.shape for k, v in pmod.state_dict().items()}
    theirs = {k: tuple(v.shape) for k, v in tmod.state_dict().items()}
    assert list(ours) == list(theirs)
    assert ours == theirs


def compare(pmod, tmod, *xs: np.ndarray, rtol=1e-4, atol=1e-5, pick=lambda out: out, seed=0):
    """Load torch's weights into pmod, run both, compare outputs and the gradients of
    sum(out * R) (R fixed random) with respect to every float input and parameter."""
    import torch

    pg.new_graph()
    for p in tmod.parameters():
        p.grad = None
    same_layout(pmod, tmod)
    pmod.load_state_dict(state_of(tmod))
    ins = [
        pg.input(x.shape, dtype="int64" if x.dtype.kind == "i" else "float32", name=f"x{k}")
        for k, x in enumerate(xs)
    ]
    y = pick(pmod(*ins))
    r = np.random.default_rng(seed).standard_normal(y.shape).astype(np.float32)
    loss = (y * r).sum()
    wrt_in = [t for t in ins if t.dtype != "int64"]
    names = [k for k, _ in pmod.named_parameters()]
    grads = pg.grad(loss, wrt_in + list(pmod.parameters()))
    got = pg.compile([y, *grads])(*xs)

    txs = [torch.tensor(x, requires_grad=x.dtype.kind == "f") for x in xs]
    ty = pick(tmod(*txs))
    (ty * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(got[0], ty.detach().numpy(), rtol=rtol, atol=atol)
    want = [t.grad.numpy() for t in txs if t.requires_grad]
    tparams = dict(tmod.named_parameters())
    want += [tparams[k].grad.numpy() for k in names]
    labels = [f"input {k}" for k in range(len(wrt_in))] + names
    for label, g, w in zip(labels, got[1:], want):
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, err_msg=f"gradient of {label}")
    return got
