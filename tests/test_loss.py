"""cross_entropy, nll_loss, mse_loss, binary_cross_entropy (+ with logits): hand-checked values,
numpy oracles at every ISA level, float64 gradients against central differences, PyTorch
forward and autograd for every reduction, and a table of bad inputs."""

from __future__ import annotations

import numpy as np
import pytest
from test_norm import np_log_softmax, numeric_grad

import pygraph as pg
from conftest import torch_or_skip

ops = pg.ops
REDUCTIONS = ["mean", "sum", "none"]
LN2 = float(np.log(2.0))


def test_hand_checked_values():
    assert ops.cross_entropy(np.array([[0.0, 0.0]]), np.array([0])) == pytest.approx(LN2)
    assert ops.cross_entropy(np.array([0.0, 0.0, 0.0]), 2) == pytest.approx(np.log(3.0))
    ce = ops.cross_entropy(
        np.array([[0.0, 0.0], [0.0, np.log(3.0)]]), np.array([0, 1]), reduction="none"
    )
    np.testing.assert_allclose(ce, [LN2, -np.log(0.75)])
    assert ops.nll_loss(np.log([[0.25, 0.75]]), np.array([1])) == pytest.approx(-np.log(0.75))
    assert ops.mse_loss(np.array([1.0, 2.0]), np.zeros(2)) == pytest.approx(2.5)
    assert ops.mse_loss(np.array([1.0, 2.0]), np.zeros(2), reduction="sum") == pytest.approx(5)
    assert ops.binary_cross_entropy(np.array([0.5]), np.array([1.0])) == pytest.approx(LN2)
    assert ops.binary_cross_entropy_with_logits(np.array([0.0]), np.array([1.0])) == pytest.approx(
        LN2
    )
    # the clamp: log(0) counts as -100
    assert ops.binary_cross_entropy(np.array([0.0]), np.array([1.0])) == pytest.approx(100.0)
    # weighted mean divides by the weights of the targets: (2 ln2 + 1 ln2) / 3
    w = np.array([2.0, 1.0])
    assert ops.cross_entropy(np.zeros((2, 2)), np.array([0, 1]), weight=w) == pytest.approx(LN2)


def np_cross_entropy(x, t, axis=1):
    lp = np_log_softmax(x.astype(np.float64), axis)
    return -np.take_along_axis(lp, np.expand_dims(t, axis), axis).squeeze(axis)


@pytest.mark.parametrize("C", [1, 7, 8, 9, 15, 16, 17, 33, 1000])
def test_cross_entropy_matches_numpy_at_every_isa(isa, rng, C):
    x = (rng.standard_normal((5, C)) * 4).astype(np.float32)
    t = rng.integers(0, C, 5)
    want = np_cross_entropy(x, t)
    np.testing.assert_allclose(
        ops.cross_entropy(x, t, reduction="none"), want, rtol=1e-5, atol=1e-5
    )
    assert ops.cross_entropy(x, t) == pytest.approx(want.mean(), rel=1e-5, abs=1e-5)
    (dx, dt) = ops.cross_entropy_backward(np.float32(1.0), x, t, reduction="sum")
    onehot = np.eye(C)[t]
    p = np.exp(np_log_softmax(x.astype(np.float64)))
    np.testing.assert_allclose(dx, p - onehot, atol=1e-6)
    assert dt is None


CE_CONFIGS = [
    dict(shape=(8, 5), reduction="mean"),
    dict(shape=(8, 5), reduction="sum", weight=True),
    dict(shape=(8, 5), reduction="none", ignore=True),
    dict(shape=(4, 3, 6), reduction="mean", weight=True, ignore=True),
    dict(shape=(2, 4, 3, 5), reduction="mean"),
    dict(shape=(2, 4, 3, 5), reduction="none", weight=True),
    dict(shape=(2, 4, 3, 5), reduction="sum", ignore=True),
    dict(shape=(6, 7), reduction="mean", smoothing=0.1),
    dict(shape=(3, 5, 4), reduction="mean", smoothing=0.2, weight=True, ignore=True),
    dict(shape=(3, 5, 4), reduction="none", smoothing=0.3),
    dict(shape=(64, 1000), reduction="mean"),
]


@pytest.mark.parametrize("cfg", CE_CONFIGS, ids=str)
def test_cross_entropy_and_nll_match_torch(rng, cfg):
    torch = torch_or_skip()
    F = torch.nn.functional
    shape, red = cfg["shape"], cfg["reduction"]
    C = shape[1]
    x = (rng.standard_normal(shape) * 3).astype(np.float32)
    t = rng.integers(0, C, (shape[0],) + shape[2:])
    if cfg.get("ignore"):
        t.reshape(-1)[::3] = -100
    w = rng.random(C).astype(np.float32) + 0.5 if cfg.get("weight") else None
    ls = cfg.get("smoothing", 0.0)
    tw = None if w is None else torch.from_numpy(w)
    tx = torch.from_numpy(x).requires_grad_()
    ty = F.cross_entropy(tx, torch.from_numpy(t), weight=tw, reduction=red, label_smoothing=ls)
    g = rng.standard_normal(ty.shape).astype(np.float32)
    ty.backward(torch.from_numpy(g))
    y = ops.cross_entropy(x, t, w, reduction=red, label_smoothing=ls)
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-4, atol=1e-5)
    dx, _ = ops.cross_entropy_backward(g, x, t, w, reduction=red, label_smoothing=ls)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-4, atol=1e-6)
    if ls == 0:  # nll_loss on the same log-probabilities
        lp = F.log_softmax(torch.from_numpy(x), 1).requires_grad_()
        tn = F.nll_loss(lp, torch.from_numpy(t), weight=tw, reduction=red)
        tn.backward(torch.from_numpy(g))
        lpn = lp.detach().numpy()
        np.testing.assert_allclose(
            ops.nll_loss(lpn, t, w, reduction=red), tn.detach().numpy(), rtol=1e-4, atol=1e-5
        )
        dn, _ = ops.nll_loss_backward(g, lpn, t, w, reduction=red)
        np.testing.assert_allclose(dn, lp.grad.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.25])
def test_cross_entropy_backward_matches_finite_differences(rng, reduction, smoothing):
    x = rng.standard_normal((3, 4, 2))
    t = np.array([[0, 3], [-100, 1], [2, 2]])
    w = rng.random(4) + 0.5
    g = rng.standard_normal((3, 2)) if reduction == "none" else np.array(1.3)

    def f(v):
        return ops.cross_entropy(v, t, w, reduction=reduction, label_smoothing=smoothing)

    dx, _ = ops.cross_entropy_backward(g, x, t, w, reduction=reduction, label_smoothing=smoothing)
    np.testing.assert_allclose(dx, numeric_grad(f, x.copy(), g), atol=1e-7)
    dn, _ = ops.nll_loss_backward(g, x, t, w, reduction=reduction)
    np.testing.assert_allclose(
        dn,
        numeric_grad(lambda v: ops.nll_loss(v, t, w, reduction=reduction), x.copy(), g),
        atol=1e-7,
    )


POINT = ["mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits"]


def point_inputs(rng, name, shape, dtype):
    x = rng.standard_normal(shape)
    if name == "binary_cross_entropy":
        x = rng.uniform(0.02, 0.98, shape)
    t = rng.random(shape) if name != "mse_loss" else rng.standard_normal(shape)
    return x.astype(dtype), t.astype(dtype)


@pytest.mark.parametrize("name", POINT)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_pointwise_losses_match_torch(rng, name, reduction):
    torch = torch_or_skip()
    x, t = point_inputs(rng, name, (4, 17), np.float32)
    tx, tt = torch.from_numpy(x).requires_grad_(), torch.from_numpy(t).requires_grad_()
    ty = getattr(torch.nn.functional, name)(tx, tt, reduction=reduction)
    g = rng.standard_normal(ty.shape).astype(np.float32)
    ty.backward(torch.from_numpy(g))
    y = getattr(ops, name)(x, t, reduction=reduction)
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    dx, dt = getattr(ops, name + "_backward")(g, x, t, reduction=reduction)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-4, atol=1e-6)
    if tt.grad is not None:
        np.testing.assert_allclose(dt, tt.grad.numpy(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", POINT)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_pointwise_backward_matches_finite_differences(rng, name, reduction):
    x, t = point_inputs(rng, name, (3, 4), np.float64)
    g = rng.standard_normal((3, 4)) if reduction == "none" else np.array(0.7)
    f = getattr(ops, name)
    dx, dt = getattr(ops, name + "_backward")(g, x, t, reduction=reduction)
    np.testing.assert_allclose(
        dx, numeric_grad(lambda v: f(v, t, reduction=reduction), x.copy(), g), atol=1e-6
    )
    np.testing.assert_allclose(
        dt, numeric_grad(lambda v: f(x, v, reduction=reduction), t.copy(), g), atol=1e-6
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_weights_and_pos_weight_match_torch(rng, reduction):
    torch = torch_or_skip()
    F = torch.nn.functional
    x, t = point_inputs(rng, "binary_cross_entropy", (5, 3), np.float32)
    w = (rng.random(3) + 0.5).astype(np.float32)  # broadcast over rows
    pw = (rng.random(3) * 3).astype(np.float32)
    tx, tt = torch.from_numpy(x).requires_grad_(), torch.from_numpy(t).requires_grad_()
    ty = F.binary_cross_entropy(tx, tt, torch.from_numpy(w), reduction=reduction)
    g = rng.standard_normal(ty.shape).astype(np.float32)
    ty.backward(torch.from_numpy(g))
    np.testing.assert_allclose(
        ops.binary_cross_entropy(x, t, w, reduction=reduction),
        ty.detach().numpy(),
        rtol=1e-5,
        atol=1e-6,
    )
    dx, _ = ops.binary_cross_entropy_backward(g, x, t, w, reduction=reduction)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-4, atol=1e-6)
    z = (rng.standard_normal((5, 3)) * 3).astype(np.float32)
    tz, tt = torch.from_numpy(z).requires_grad_(), torch.from_numpy(t).requires_grad_()
    ty = F.binary_cross_entropy_with_logits(
        tz, tt, torch.from_numpy(w), reduction=reduction, pos_weight=torch.from_numpy(pw)
    )
    ty.backward(torch.from_numpy(g))
    y = ops.binary_cross_entropy_with_logits(z, t, w, reduction=reduction, pos_weight=pw)
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    dz, dt = ops.binary_cross_entropy_with_logits_backward(
        g, z, t, w, reduction=reduction, pos_weight=pw
    )
    np.testing.assert_allclose(dz, tz.grad.numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(dt, tt.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_weighted_bce_backward_matches_finite_differences(rng):
    z, t = rng.standard_normal((3, 4)), rng.random((3, 4))
    w, pw, g = rng.random(4) + 0.5, rng.random(4) * 2, rng.standard_normal((3, 4))
    f = ops.binary_cross_entropy_with_logits
    dz, dt = ops.binary_cross_entropy_with_logits_backward(g, z, t, w, "none", pw)
    np.testing.assert_allclose(
        dz, numeric_grad(lambda v: f(v, t, w, "none", pw), z.copy(), g), atol=1e-6
    )
    np.testing.assert_allclose(
        dt, numeric_grad(lambda v: f(z, v, w, "none", pw), t.copy(), g), atol=1e-6
    )


def test_bce_extremes_match_torch():
    torch = torch_or_skip()
    x = np.array([0.0, 1.0, 0.0, 1.0, 1e-30, 1 - 1e-7], np.float32)
    t = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.5], np.float32)
    want = torch.nn.functional.binary_cross_entropy(
        torch.from_numpy(x), torch.from_numpy(t), reduction="none"
    )
    np.testing.assert_allclose(
        ops.binary_cross_entropy(x, t, reduction="none"), want.numpy(), rtol=1e-5
    )
    z = np.array([-1e4, -100.0, -20.0, 0.0, 20.0, 100.0, 1e4], np.float32)
    tz = np.array([1.0, 0.0, 1.0, 0.5, 0.0, 1.0, 0.0], np.float32)
    ours = ops.binary_cross_entropy_with_logits(z, tz, reduction="none")
    theirs = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.from_numpy(z), torch.from_numpy(tz), reduction="none"
    )
    assert np.isfinite(ours).all()
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-5, atol=1e-7)


X = np.zeros((2, 3), np.float32)
BAD = [
    (
        lambda: ops.cross_entropy(X, np.array([0, 3])),
        ValueError,
        r"cross_entropy: target holds label 3 .*C = 3 classes \(input \(2, 3\)\)",
    ),
    (
        lambda: ops.cross_entropy(X, np.array([-1, 0])),
        ValueError,
        r"cross_entropy: target holds label -1",
    ),
    (lambda: ops.nll_loss(X, np.array([0, 7])), ValueError, r"nll_loss: target holds label 7"),
    (
        lambda: ops.cross_entropy(X, np.array([0.0, 1.0])),
        TypeError,
        "cross_entropy: target must hold integer class labels",
    ),
    (
        lambda: pg._core.cross_entropy(X, np.zeros(2, np.float32), None, -100, "mean", 0.0),
        TypeError,
        "cross_entropy: target must hold integer class labels",
    ),
    (
        lambda: ops.cross_entropy(X, np.array([0, 1, 2])),
        ValueError,
        r"cross_entropy: target has shape \(3,\) but input \(2, 3\) needs target shape \(2,\)",
    ),
    (
        lambda: ops.cross_entropy(np.zeros((2, 3, 4)), np.zeros((2, 5), int)),
        ValueError,
        r"cross_entropy: target has shape \(2, 5\).*\(2, 4\)",
    ),
    (
        lambda: ops.cross_entropy(X, np.array([0, 1]), weight=np.ones(2)),
        ValueError,
        r"cross_entropy: weight has shape \(2,\) but must be \(3\)",
    ),
    (
        lambda: ops.cross_entropy(X, np.array([0, 1]), reduction="avg"),
        ValueError,
        "cross_entropy: reduction must be 'mean', 'sum' or 'none', got 'avg'",
    ),
    (
        lambda: ops.cross_entropy(X, np.array([0, 1]), label_smoothing=1.5),
        ValueError,
        r"cross_entropy: label_smoothing must be in \[0, 1\]",
    ),
    (
        lambda: ops.cross_entropy(np.zeros((0, 3)), np.zeros(0, int)),
        ValueError,
        r"cross_entropy: input is empty \(shape \(0, 3\)\)",
    ),
    (
        lambda: ops.cross_entropy_backward(np.ones(2), X, np.array([0, 1])),
        ValueError,
        r"cross_entropy_backward: grad_output must be a scalar.*\(2,\)",
    ),
    (
        lambda: ops.cross_entropy_backward(np.ones(3), X, np.array([0, 1]), reduction="none"),
        ValueError,
        r"cross_entropy_backward: grad_output has shape \(3,\).*loss shape \(2,\)",
    ),
    (
        lambda: ops.mse_loss(X, np.zeros((3, 2))),
        ValueError,
        r"mse_loss: target has shape \(3, 2\) but must match input \(2, 3\)",
    ),
    (lambda: ops.mse_loss(np.zeros(0), np.zeros(0)), ValueError, "mse_loss: input is empty"),
    (
        lambda: ops.binary_cross_entropy(np.array([0.5, 1.5]), np.ones(2)),
        ValueError,
        r"binary_cross_entropy: input must hold probabilities in \[0, 1\], found 1.5",
    ),
    (
        lambda: ops.binary_cross_entropy_with_logits(X, np.ones(3)),
        ValueError,
        r"binary_cross_entropy_with_logits: target has shape \(3,\)",
    ),
    (lambda: ops.mse_loss(X, np.array(["a"])), TypeError, "mse_loss: target must be a real"),
    (
        lambda: ops.binary_cross_entropy(X, X, weight=np.ones(2)),
        ValueError,
        r"binary_cross_entropy: weight of shape \(2,\) cannot be broadcast to input's shape",
    ),
    (
        lambda: ops.binary_cross_entropy_with_logits(X, X, pos_weight=np.ones(4)),
        ValueError,
        r"binary_cross_entropy_with_logits: pos_weight of shape \(4,\) cannot be broadcast",
    ),
]


@pytest.mark.parametrize("call,exc,match", BAD)
def test_bad_inputs_raise_clear_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_scalar_weights_of_scalar_pointwise_losses():
    x, t, w = np.float64(0.5), np.float64(1.0), np.float64(2.0)
    expected = -2.0 * np.log(0.5)
    np.testing.assert_allclose(pg.ops.binary_cross_entropy(x, t, weight=w), expected, rtol=1e-12)
    logits = pg.ops.binary_cross_entropy_with_logits(x, t, pos_weight=w)
    np.testing.assert_allclose(logits, 2.0 * np.log1p(np.exp(-0.5)), rtol=1e-12)
