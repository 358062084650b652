"""Compiled training steps (forward, backward and the optimizer update in one call) against
torch.optim: the same losses and parameters after a few steps on the same data."""

from __future__ import annotations

import numpy as np
import pytest

import pygraph as pg
from conftest import torch_or_skip

CONFIGS = [
    ("sgd", dict(lr=0.1), dict(lr=0.1)),
    ("sgd_momentum_wd", dict(lr=0.05, momentum=0.9, weight_decay=1e-2),
     dict(lr=0.05, momentum=0.9, weight_decay=1e-2)),
    ("sgd_nesterov", dict(lr=0.05, momentum=0.8, nesterov=True),
     dict(lr=0.05, momentum=0.8, nesterov=True)),
    ("adam", dict(lr=1e-2), dict(lr=1e-2)),
    ("adam_wd", dict(lr=5e-3, betas=(0.8, 0.99), weight_decay=1e-2),
     dict(lr=5e-3, betas=(0.8, 0.99), weight_decay=1e-2)),
]  # fmt: skip


@pytest.mark.parametrize("name,ours,theirs", CONFIGS, ids=[c[0] for c in CONFIGS])
def test_training_steps_match_torch_optim(name, ours, theirs, rng):
    torch = torch_or_skip()
    X = rng.standard_normal((16, 5)).astype(np.float32)
    T = rng.integers(0, 3, 16)
    init = [rng.standard_normal(s).astype(np.float32) * 0.5 for s in [(8, 5), (8,), (3, 8), (3,)]]

    x, t = pg.input(X.shape, name="x"), pg.input((16,), dtype="int64", name="t")
    ps = [pg.param(v.shape, init=v, name=f"p{k}") for k, v in enumerate(init)]
    loss = pg.cross_entropy(pg.linear(pg.tanh(pg.linear(x, ps[0], ps[1])), ps[2], ps[3]), t)
    opt = pg.optim.Adam(**ours) if name.startswith("adam") else pg.optim.SGD(**ours)
    step = opt.minimize(loss, ps)

    tp = [torch.tensor(v, requires_grad=True) for v in init]
    topt = (torch.optim.Adam if name.startswith("adam") else torch.optim.SGD)(tp, **theirs)
    F = torch.nn.functional
    for _ in range(4):
        ours_loss = float(step(x=X, t=T))
        topt.zero_grad()
        tl = F.cross_entropy(F.linear(torch.tanh(F.linear(torch.tensor(X), tp[0], tp[1])),
                                      tp[2], tp[3]), torch.tensor(T))  # fmt: skip
        tl.backward()
        topt.step()
        np.testing.assert_allclose(ours_loss, tl.item(), rtol=1e-5)
    for p, tv in zip(ps, tp):
        np.testing.assert_allclose(p.value, tv.detach().numpy(), rtol=1e-4, atol=1e-6)


def test_training_reduces_the_loss_and_state_lives_in_params(rng):
    x = pg.input((32, 2), name="x")
    w = pg.param((1, 2), init="zeros", name="w")
    target = x @ pg.constant(np.array([[2.0], [-3.0]], np.float32))
    loss = ((pg.linear(x, w) - target) * (pg.linear(x, w) - target)).mean()
    step = pg.optim.SGD(lr=0.1, momentum=0.5).minimize(loss, [w])
    X = rng.standard_normal((32, 2)).astype(np.float32)
    losses = [float(step(x=X)) for _ in range(60)]
    assert losses[-1] < 1e-3 * losses[0]
    np.testing.assert_allclose(w.value, [[2.0, -3.0]], atol=1e-2)


def test_update_errors():
    w = pg.param((2,), init="zeros", name="w")
    x = pg.input((3,), name="x")
    with pytest.raises(
        ValueError, match=r"update of param 'w' \(float32 \(2,\)\) is float32 \(3,\)"
    ):
        pg.compile(w.sum(), updates=[(w, x)])
    with pytest.raises(ValueError, match=r"updates must assign parameters"):
        pg.compile(w.sum(), updates=[(x, x)])
    with pytest.raises(ValueError, match=r"SGD: nesterov needs momentum > 0"):
        pg.optim.SGD(lr=0.1, nesterov=True)
