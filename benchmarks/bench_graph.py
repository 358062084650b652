"""Compiled graphs against PyTorch eager (P2): LeNet-5 forward at batch 1, and whole training
steps (forward, backward, SGD with momentum) of an MLP 784-256-10 and LeNet-5 at batch 64."""

from __future__ import annotations

import numpy as np

import pygraph as pg
from harness import Case

LENET = [(6, 1, 5, 5), (6,), (16, 6, 5, 5), (16,), (120, 400), (120,), (84, 120), (84,),
         (10, 84), (10,)]  # fmt: skip


def _torch():
    try:
        import torch

        return torch
    except ImportError:
        return None


def _params(shapes):
    return [pg.param(s, init="he" if len(s) > 1 else "zeros") for s in shapes]


def _lenet(x, p, F):
    h = F.max_pool2d(F.relu(F.conv2d(x, p[0], p[1])), 2)
    h = F.max_pool2d(F.relu(F.conv2d(h, p[2], p[3])), 2)
    h = pg.flatten(h) if F is pg else h.flatten(1)
    h = F.relu(F.linear(F.relu(F.linear(h, p[4], p[5])), p[6], p[7]))
    return F.linear(h, p[8], p[9])


def _mlp(x, p, F):
    return F.linear(F.relu(F.linear(x, p[0], p[1])), p[2], p[3])


def _case(name, net, shapes, x_shape, train, rng, torch):
    pg.new_graph()
    X = rng.standard_normal(x_shape).astype(np.float32)
    T = rng.integers(0, 10, x_shape[0])
    x = pg.input(x_shape, name="x")
    ps = _params(shapes)
    out = net(x, ps, pg)
    if train:
        t = pg.input((x_shape[0],), dtype="int64", name="t")
        step = pg.optim.SGD(lr=0.01, momentum=0.9).minimize(pg.cross_entropy(out, t), ps)
        impls = {"pygraph": lambda: step(x=X, t=T)}
    else:
        f = pg.compile(out)
        impls = {"pygraph": lambda: f(x=X)}
    if torch is not None:
        F = torch.nn.functional
        tp = [torch.tensor(p.value, requires_grad=train) for p in ps]
        TX, TT = torch.tensor(X), torch.tensor(T)
        if train:
            opt = torch.optim.SGD(tp, lr=0.01, momentum=0.9)

            def tstep():
                opt.zero_grad()
                F.cross_entropy(net(TX, tp, F), TT).backward()
                opt.step()

            impls["torch"] = tstep
        else:

            def tfwd():
                with torch.no_grad():
                    return net(TX, tp, F)

            impls["torch"] = tfwd
    return Case(name, impls)


def cases(quick: bool) -> list[Case]:
    rng, torch = np.random.default_rng(0), _torch()
    mlp = [(256, 784), (256,), (10, 256), (10,)]
    return [
        _case("LeNet-5 b1 forward", _lenet, LENET, (1, 1, 32, 32), False, rng, torch),
        _case("MLP 784-256-10 b64 train step", _mlp, mlp, (64, 784), True, rng, torch),
        _case("LeNet-5 b64 train step", _lenet, LENET, (64, 1, 32, 32), True, rng, torch),
    ]
