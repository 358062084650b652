"""Compiled training steps (forward, backward and the optimizer update in one call) against
torch.optim: the same losses and parameters after a few steps on the same data."""

from __future__ import annotations

import numpy as np
import pytest

import pygraph as pg
from conftest import torch_or_skip

CONFIGS = [
    ("sgd", "SGD", dict(lr=0.1)),
    ("sgd_momentum_wd", "SGD", dict(lr=0.05, momentum=0.9, weight_decay=1e-2)),
    ("sgd_nesterov", "SGD", dict(lr=0.05, momentum=0.8, nesterov=True)),
    ("adam", "Adam", dict(lr=1e-2)),
    ("adam_wd", "Adam", dict(lr=5e-3, betas=(0.8, 0.99), weight_decay=1e-2)),
    ("adamw", "AdamW", dict(lr=1e-2)),  # torch's default weight_decay 1e-2 on both sides
    ("adamw_wd", "AdamW", dict(lr=2e-2, betas=(0.85, 0.995), eps=1e-6, weight_decay=0.3)),
]


class _Problem:
    """A two-layer tanh classifier, its compiled step and the same model in torch, from the
    same initial weights and data."""

    def __init__(self, rng, torch) -> None:
        self.torch = torch
        self.X = rng.standard_normal((16, 5)).astype(np.float32)
        self.T = rng.integers(0, 3, 16)
        shapes = [(8, 5), (8,), (3, 8), (3,)]
        self.init = [rng.standard_normal(s).astype(np.float32) * 0.5 for s in shapes]
        x, t = pg.input(self.X.shape, name="x"), pg.input((16,), dtype="int64", name="t")
        self.ps = [pg.param(v.shape, init=v, name=f"p{k}") for k, v in enumerate(self.init)]
        self.loss = pg.cross_entropy(
            pg.linear(pg.tanh(pg.linear(x, self.ps[0], self.ps[1])), self.ps[2], self.ps[3]), t
        )
        self.tp = [torch.tensor(v, requires_grad=True) for v in self.init]

    def torch_step(self, topt) -> float:
        F, tp = self.torch.nn.functional, self.tp
        topt.zero_grad()
        h = self.torch.tanh(F.linear(self.torch.tensor(self.X), tp[0], tp[1]))
        loss = F.cross_entropy(F.linear(h, tp[2], tp[3]), self.torch.tensor(self.T))
        loss.backward()
        topt.step()
        return loss.item()

    def check_params(self) -> None:
        for p, tv in zip(self.ps, self.tp):
            np.testing.assert_allclose(p.value, tv.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,cls,kwargs", CONFIGS, ids=[c[0] for c in CONFIGS])
def test_training_steps_match_torch_optim(name, cls, kwargs, rng):
    torch = torch_or_skip()
    prob = _Problem(rng, torch)
    step = getattr(pg.optim, cls)(**kwargs).minimize(prob.loss, prob.ps)
    topt = getattr(torch.optim, cls)(prob.tp, **kwargs)
    for _ in range(4):
        ours = float(step(x=prob.X, t=prob.T))
        np.testing.assert_allclose(ours, prob.torch_step(topt), rtol=1e-5)
    prob.check_params()


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


SCHEDULES = [
    ("sgd_step", "SGD", dict(lr=0.2, momentum=0.9), "StepLR", dict(step_size=2, gamma=0.5)),
    ("adam_cosine", "Adam", dict(lr=2e-2), "CosineAnnealingLR", dict(T_max=3, eta_min=1e-3)),
    ("adamw_cosine", "AdamW", dict(lr=3e-2, weight_decay=0.1), "CosineAnnealingLR",
     dict(T_max=4)),
    ("adamw_step", "AdamW", dict(lr=3e-2), "StepLR", dict(step_size=3, gamma=0.3)),
]  # fmt: skip


@pytest.mark.parametrize("name,cls,kwargs,sched,skw", SCHEDULES, ids=[c[0] for c in SCHEDULES])
def test_schedules_change_the_compiled_step_like_torch(name, cls, kwargs, sched, skw, rng):
    torch = torch_or_skip()
    prob = _Problem(rng, torch)
    opt = getattr(pg.optim, cls)(**kwargs)
    step = opt.minimize(prob.loss, prob.ps)  # compiled once: the schedule only assigns lr_param
    schedule = getattr(pg.optim, sched)(opt, **skw)
    topt = getattr(torch.optim, cls)(prob.tp, **kwargs)
    tsched = getattr(torch.optim.lr_scheduler, sched)(topt, **skw)
    for _ in range(9):  # past T_max: the cosine turns back up
        ours = float(step(x=prob.X, t=prob.T))
        np.testing.assert_allclose(ours, prob.torch_step(topt), rtol=1e-5)
        schedule.step()
        tsched.step()
        np.testing.assert_allclose(schedule.get_last_lr(), tsched.get_last_lr(), rtol=1e-6)
        np.testing.assert_allclose(opt.lr_param.value, opt.lr, rtol=1e-7)  # float32 of lr
    prob.check_params()


SCHEDULE_ARGS = [("StepLR", dict(step_size=3, gamma=0.7)),
                 ("CosineAnnealingLR", dict(T_max=5, eta_min=0.01))]  # fmt: skip


@pytest.mark.parametrize("sched,skw", SCHEDULE_ARGS)
def test_schedule_values_match_torch_over_many_epochs(sched, skw):
    torch = torch_or_skip()
    opt = pg.optim.SGD(lr=0.5)
    ours = getattr(pg.optim, sched)(opt, **skw)
    topt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5)
    theirs = getattr(torch.optim.lr_scheduler, sched)(topt, **skw)
    for epoch in range(1, 25):
        topt.step()  # torch warns when the schedule steps before the optimizer
        ours.step()
        theirs.step()
        assert ours.last_epoch == theirs.last_epoch == epoch
        np.testing.assert_allclose(opt.lr, theirs.get_last_lr()[0], rtol=1e-9, atol=1e-15)


def test_assigning_lr_reaches_a_compiled_step():
    w = pg.param((2,), init=np.array([1.0, -2.0]), name="w")
    opt = pg.optim.SGD(lr=0.1)
    assert opt.lr_param is None  # made when the updates are built
    step = opt.minimize((w * w).sum(), [w])
    assert opt.lr_param.shape == () and opt.lr_param.value == np.float32(0.1)
    opt.lr = 0.0
    step()
    np.testing.assert_array_equal(w.value, [1.0, -2.0])  # lr 0: no change
    opt.lr = 0.25
    step()
    np.testing.assert_allclose(w.value, [0.5, -1.0], rtol=1e-7)  # w - 0.25 * 2w
    again = opt.minimize((w * w).sum(), [w])  # a second step of the same graph shares lr_param
    assert len(opt._lr_params) == 1 and again is not step


def test_schedule_errors():
    opt = pg.optim.SGD(lr=0.1)
    with pytest.raises(ValueError, match=r"SGD: lr must be >= 0, got -1"):
        opt.lr = -1
    with pytest.raises(ValueError, match=r"StepLR: need step_size >= 1 and gamma > 0, got 0"):
        pg.optim.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match=r"CosineAnnealingLR: need T_max >= 1"):
        pg.optim.CosineAnnealingLR(opt, T_max=0)
    with pytest.raises(ValueError, match=r"AdamW: need 0 <= betas < 1"):
        pg.optim.AdamW(betas=(1.0, 0.9))


def test_minimize_twice_on_the_same_params_gets_its_own_state():
    w = pg.param((3,), init=np.array([1.0, 2.0, 3.0]), name="w")
    loss = (w * w).sum()
    for opt in (pg.optim.SGD(0.1, momentum=0.9), pg.optim.Adam(0.1), pg.optim.AdamW(0.1)):
        first, second = opt.minimize(loss, [w]), opt.minimize(loss, [w])
        first(), second()
    names = [pg.Tensor(w.graph, v).name for v in w.graph.params()]
    assert "w.momentum" in names and "w.momentum_1" in names and "w.exp_avg_3" in names
    assert len(names) == len(set(names))
