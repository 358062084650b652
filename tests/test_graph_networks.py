"""Whole small networks built with the graph API, against PyTorch autograd.

A CNN with convolution, batch norm (training mode: batch statistics), ReLU, max pooling,
flatten, linear layers and cross-entropy: the loss and the gradient of every parameter come
from one compiled graph and must match torch within float32 tolerance. Also the DESIGN.md
snippet (conv2d + relu + max_pool2d, grad, compile fed by name) as written there.
"""

from __future__ import annotations

import numpy as np

import pygraph as pg
from conftest import torch_or_skip


def _cnn_params(rng):
    return {
        "w1": rng.standard_normal((6, 1, 5, 5)).astype(np.float32) * 0.3,
        "b1": rng.standard_normal(6).astype(np.float32) * 0.1,
        "g1": (1 + 0.1 * rng.standard_normal(6)).astype(np.float32),
        "be1": (0.1 * rng.standard_normal(6)).astype(np.float32),
        "w2": rng.standard_normal((16, 6, 3, 3)).astype(np.float32) * 0.2,
        "b2": rng.standard_normal(16).astype(np.float32) * 0.1,
        "f1": rng.standard_normal((32, 16 * 3 * 3)).astype(np.float32) * 0.1,
        "fb1": rng.standard_normal(32).astype(np.float32) * 0.1,
        "f2": rng.standard_normal((10, 32)).astype(np.float32) * 0.2,
        "fb2": rng.standard_normal(10).astype(np.float32) * 0.1,
    }


def test_cnn_with_batch_norm_and_pooling_matches_torch_autograd(rng):
    torch = torch_or_skip()
    F = torch.nn.functional
    values = _cnn_params(rng)
    X = rng.standard_normal((4, 1, 16, 16)).astype(np.float32)
    T = rng.integers(0, 10, 4)

    x = pg.input(X.shape, name="x")
    t = pg.input((4,), dtype="int64", name="t")
    p = {k: pg.param(v.shape, init=v, name=k) for k, v in values.items()}
    h = pg.conv2d(x, p["w1"], p["b1"], padding=1)  # (4, 6, 14, 14)
    h = pg.batch_norm(h, None, None, p["g1"], p["be1"], training=True)
    h = pg.max_pool2d(pg.relu(h), 2)  # (4, 6, 7, 7)
    h = pg.max_pool2d(pg.relu(pg.conv2d(h, p["w2"], p["b2"], stride=1)), 2, ceil_mode=True)
    h = pg.flatten(h)  # (4, 144)
    h = pg.relu(pg.linear(h, p["f1"], p["fb1"]))
    loss = pg.cross_entropy(pg.linear(h, p["f2"], p["fb2"]), t)
    names = list(values)
    grads = pg.grad(loss, [p[k] for k in names])
    loss_v, *grad_vs = pg.compile([loss, *grads])(x=X, t=T)

    tp = {k: torch.tensor(v, requires_grad=True) for k, v in values.items()}
    th = F.conv2d(torch.tensor(X), tp["w1"], tp["b1"], padding=1)
    th = F.batch_norm(th, None, None, tp["g1"], tp["be1"], training=True)
    th = F.max_pool2d(F.relu(th), 2)
    th = F.max_pool2d(F.relu(F.conv2d(th, tp["w2"], tp["b2"])), 2, ceil_mode=True)
    th = F.relu(F.linear(th.flatten(1), tp["f1"], tp["fb1"]))
    tloss = F.cross_entropy(F.linear(th, tp["f2"], tp["fb2"]), torch.tensor(T))
    tloss.backward()

    np.testing.assert_allclose(loss_v, tloss.item(), rtol=1e-5)
    for k, ours in zip(names, grad_vs):
        # float32 through ~8 layers; different summation orders than oneDNN
        np.testing.assert_allclose(ours, tp[k].grad.numpy(), rtol=2e-3, atol=2e-5, err_msg=k)


def test_design_snippet_runs_as_written(rng):
    x = pg.input((64, 1, 28, 28), name="x")
    w = pg.param((6, 1, 5, 5), init="he", name="w1")
    h = pg.relu(pg.conv2d(x, w, stride=1, padding=2))
    y = pg.max_pool2d(h, 2)
    assert y.shape == (64, 6, 14, 14)
    t = pg.input((64,), dtype="int64", name="t")
    logits = pg.linear(pg.flatten(y), pg.param((10, 6 * 14 * 14), init="xavier", name="fc"))
    loss = pg.cross_entropy(logits, t)
    grads = pg.grad(loss, [w])
    step = pg.compile([loss, *grads])
    X = rng.random((64, 1, 28, 28), dtype=np.float32)
    T = rng.integers(0, 10, 64)
    loss_v, *grad_vs = step(x=X, t=T)
    assert np.isfinite(loss_v) and grad_vs[0].shape == w.value.shape
    # one SGD step on w1 lowers the loss (the gradient points the right way)
    w.value = w.value - 0.05 * grad_vs[0]
    assert step(x=X, t=T)[0] < loss_v
