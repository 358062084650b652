"""softmax / log_softmax, batch_norm, layer_norm, dropout: numpy oracles at every ISA level,
float64 backward against central differences, PyTorch forward and autograd, bad inputs."""

from __future__ import annotations

import numpy as np
import pytest

import pygraph as pg
from conftest import SUPPORTED, torch_or_skip

ops = pg.ops
SIZES = [1, 7, 8, 9, 15, 16, 17, 33, 1000]


# ---------------------------------------------------------------- numpy oracles


def np_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_log_softmax(x, axis=-1):
    m = x - x.max(axis=axis, keepdims=True)
    return m - np.log(np.exp(m).sum(axis=axis, keepdims=True))


def np_batch_norm(x, mean, var, w, b, eps):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    y = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    return y * w.reshape(shape) + b.reshape(shape)


def np_layer_norm(x, k, w, b, eps):
    axes = tuple(range(x.ndim - k, x.ndim))
    m = x.mean(axis=axes, keepdims=True)
    v = x.var(axis=axes, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * w + b


def numeric_grad(f, x, g, h=1e-6):
    """d/dx of sum(f(x) * g) by central differences (x float64)."""
    out = np.zeros_like(x)
    flat, gflat = x.reshape(-1), out.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        up = np.sum(f(x) * g)
        flat[i] = old - h
        down = np.sum(f(x) * g)
        flat[i] = old
        gflat[i] = (up - down) / (2 * h)
    return out


# ---------------------------------------------------------------- softmax


@pytest.mark.parametrize("n", SIZES)
def test_softmax_rows_match_numpy_at_every_isa(isa, rng, n):
    x = (rng.standard_normal((3, n)) * 5).astype(np.float32)
    ref = x.astype(np.float64)
    # n fp32 adds in the row sum plus a ~2e-7 exp: reduction tolerance
    np.testing.assert_allclose(ops.softmax(x), np_softmax(ref), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(ops.log_softmax(x), np_log_softmax(ref), rtol=1e-5, atol=1e-5)


def test_simd_softmax_matches_ref_tightly(rng):
    x = (rng.standard_normal((5, 1003)) * 10).astype(np.float32)
    pg.set_isa("ref")
    want, want_log = ops.softmax(x), ops.log_softmax(x)
    for level in SUPPORTED[1:]:
        pg.set_isa(level)
        np.testing.assert_allclose(ops.softmax(x), want, rtol=2e-6, atol=1e-12)
        np.testing.assert_allclose(ops.log_softmax(x), want_log, rtol=1e-6, atol=2e-6)


def test_vectorized_exp_relative_error_below_1e6(isa):
    # Row [0, x...] with x <= -3: the sum is 1 + small, so each output is exp(x) / sum and its
    # relative error is the exp's (plus two roundings). Covers the whole normal range.
    x = np.linspace(-87.0, -3.0, 4001).astype(np.float32)
    row = np.concatenate([[0.0], x]).astype(np.float32)[None, :]
    want = np_softmax(row.astype(np.float64))
    np.testing.assert_allclose(ops.softmax(row), want, rtol=1e-6, atol=0)
    under = np.array([[0.0, -88.0, -100.0, -1e4]], np.float32)  # exp underflows: 0 or denormal
    np.testing.assert_allclose(ops.softmax(under), np_softmax(under.astype(float)), atol=1e-37)


def test_softmax_masks_infinities_and_nan_like_ref_and_torch(isa):
    torch = torch_or_skip()
    x = np.zeros((5, 19), np.float32)
    x[0, 3:] = -np.inf  # an attention mask
    x[1, :] = -np.inf  # fully masked row: NaN, as torch
    x[2, 5] = np.nan
    x[3, 7] = np.inf
    x[4] = np.linspace(-3, 3, 19)
    for axis in (-1, 0):
        for ours, theirs in [(ops.softmax, torch.softmax), (ops.log_softmax, torch.log_softmax)]:
            want = theirs(torch.from_numpy(x), axis).numpy()
            np.testing.assert_allclose(ours(x, axis), want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
def test_softmax_any_axis(isa, rng, axis):
    x = rng.standard_normal((3, 17, 5)).astype(np.float32)
    np.testing.assert_allclose(
        ops.softmax(x, axis), np_softmax(x.astype(float), axis), rtol=1e-5, atol=1e-7
    )
    np.testing.assert_allclose(
        ops.log_softmax(x, axis=axis), np_log_softmax(x.astype(float), axis), rtol=1e-5, atol=1e-5
    )


@pytest.mark.parametrize("shape", [(2, 9, 300), (1, 3, 17), (3, 1, 7)])
def test_softmax_over_a_middle_axis_in_column_blocks(isa, rng, shape):
    x = (rng.standard_normal(shape) * 5).astype(np.float32)
    np.testing.assert_allclose(
        ops.softmax(x, 1), np_softmax(x.astype(float), 1), rtol=1e-5, atol=1e-7
    )
    np.testing.assert_allclose(
        ops.log_softmax(x, 1), np_log_softmax(x.astype(float), 1), rtol=1e-5, atol=1e-5
    )


def test_softmax_hand_checked():
    np.testing.assert_allclose(ops.softmax(np.array([0.0, np.log(3.0)])), [0.25, 0.75])
    np.testing.assert_allclose(ops.log_softmax(np.array([[5.0, 5.0]])), [[-np.log(2)] * 2])
    np.testing.assert_allclose(ops.softmax(np.array([[1.0], [2.0]]), axis=1), [[1.0], [1.0]])


@pytest.mark.parametrize("fill", ["big", "neg", "mixed"])
def test_softmax_huge_inputs_are_stable_and_match_torch(isa, rng, fill):
    torch = torch_or_skip()
    x = rng.standard_normal((4, 37)).astype(np.float32)
    if fill == "big":
        x += 1e4
    elif fill == "neg":
        x -= 1e4
    else:
        x[:, ::2] = 1e4
        x[:, 1::2] = -1e4
        x[:, 3] = 1e4 - 1
    y, ly = ops.softmax(x), ops.log_softmax(x)
    assert np.isfinite(y).all() and np.isfinite(ly).all()
    t = torch.from_numpy(x)
    np.testing.assert_allclose(y, torch.softmax(t, -1).numpy(), rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(ly, torch.log_softmax(t, -1).numpy(), rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("axis", [0, -1])
def test_softmax_backward_matches_finite_differences(rng, log, axis):
    x = rng.standard_normal((3, 5))
    g = rng.standard_normal((3, 5))
    fwd = ops.log_softmax if log else ops.softmax
    bwd = ops.log_softmax_backward if log else ops.softmax_backward
    (dx,) = bwd(g, x, axis)
    np.testing.assert_allclose(dx, numeric_grad(lambda v: fwd(v, axis), x.copy(), g), atol=1e-7)


@pytest.mark.parametrize(
    "shape,axis", [((2, 3), -1), ((4, 5, 6), 1), ((2, 3, 4, 5), 0), ((7, 1000), -1), ((3, 33), 0)]
)
def test_softmax_forward_and_autograd_match_torch(rng, shape, axis):
    torch = torch_or_skip()
    x = (rng.standard_normal(shape) * 3).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    for log, tf in [(False, torch.softmax), (True, torch.log_softmax)]:
        t = torch.from_numpy(x).requires_grad_()
        ty = tf(t, axis)
        ty.backward(torch.from_numpy(g))
        y = (ops.log_softmax if log else ops.softmax)(x, axis)
        (dx,) = (ops.log_softmax_backward if log else ops.softmax_backward)(g, x, axis)
        np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(dx, t.grad.numpy(), rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- batch norm


@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 7), (2, 3, 16), (2, 2, 17), (2, 3, 3, 11)])
def test_batch_norm_matches_numpy_at_every_isa(isa, rng, shape):
    x = (rng.standard_normal(shape) * 2 + 1).astype(np.float32)
    C = shape[1]
    w, b = rng.standard_normal(C).astype(np.float32), rng.standard_normal(C).astype(np.float32)
    rm, rv = np.zeros(C, np.float32), np.ones(C, np.float32)
    y, mean, invstd = ops.batch_norm(x, rm, rv, w, b, training=True, return_stats=True)
    axes = (0,) + tuple(range(2, x.ndim))
    xd = x.astype(np.float64)
    bm, bv = xd.mean(axis=axes), xd.var(axis=axes)
    np.testing.assert_allclose(y, np_batch_norm(xd, bm, bv, w, b, 1e-5), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(mean, bm, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(invstd, 1 / np.sqrt(bv + 1e-5), rtol=1e-5)
    M = x.size // C
    np.testing.assert_allclose(rm, 0.1 * bm, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(rv, 0.9 + 0.1 * bv * M / (M - 1), rtol=1e-5)
    ye = ops.batch_norm(x, rm, rv, w, b)  # eval: running statistics, not updated
    np.testing.assert_allclose(ye, np_batch_norm(xd, rm, rv, w, b, 1e-5), rtol=1e-5, atol=1e-5)


def test_batch_norm_hand_checked():
    x = np.array([[1.0], [3.0]])
    rm, rv = np.zeros(1), np.ones(1)
    y = ops.batch_norm(x, rm, rv, training=True, momentum=0.5, eps=0.0)
    np.testing.assert_allclose(y, [[-1.0], [1.0]])
    np.testing.assert_allclose(rm, [1.0])  # 0.5 * 0 + 0.5 * 2
    np.testing.assert_allclose(rv, [1.5])  # 0.5 * 1 + 0.5 * 2 (unbiased var of 1, 3)
    np.testing.assert_allclose(
        ops.batch_norm(x, np.array([1.0]), np.array([4.0]), eps=0.0), [[0.0], [1.0]]
    )


@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 9), (2, 4, 5, 6)])
def test_batch_norm_training_running_stats_and_eval_match_torch(rng, shape):
    torch = torch_or_skip()
    C = shape[1]
    x = (rng.standard_normal(shape) * 3 - 2).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    w, b = rng.standard_normal(C).astype(np.float32), rng.standard_normal(C).astype(np.float32)
    rm, rv = rng.standard_normal(C).astype(np.float32), rng.random(C).astype(np.float32) + 0.5
    trm, trv = torch.from_numpy(rm.copy()), torch.from_numpy(rv.copy())
    tx, tw, tb = (torch.from_numpy(a).requires_grad_() for a in (x, w, b))
    ty = torch.nn.functional.batch_norm(tx, trm, trv, tw, tb, training=True, momentum=0.2)
    ty.backward(torch.from_numpy(g))
    y = ops.batch_norm(x, rm, rv, w, b, training=True, momentum=0.2)
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(rm, trm.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(rv, trv.numpy(), rtol=1e-5, atol=1e-6)
    dx, dw, db = ops.batch_norm_backward(g, x, rm, rv, w, b, training=True)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(dw, tw.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(db, tb.grad.numpy(), rtol=1e-4, atol=1e-4)
    # eval mode, forward and backward
    tx2, tw2, tb2 = (torch.from_numpy(a).requires_grad_() for a in (x, w, b))
    ty2 = torch.nn.functional.batch_norm(tx2, trm, trv, tw2, tb2, training=False)
    ty2.backward(torch.from_numpy(g))
    np.testing.assert_allclose(
        ops.batch_norm(x, rm, rv, w, b), ty2.detach().numpy(), rtol=1e-4, atol=1e-5
    )
    dx2, dw2, db2 = ops.batch_norm_backward(g, x, rm, rv, w, b, training=False)
    for ours, theirs in [(dx2, tx2.grad), (dw2, tw2.grad), (db2, tb2.grad)]:
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_backward_matches_finite_differences(rng, training):
    x = rng.standard_normal((3, 2, 4))
    g = rng.standard_normal(x.shape)
    w, b = rng.standard_normal(2), rng.standard_normal(2)
    rm, rv = rng.standard_normal(2), rng.random(2) + 0.5

    def f(xx=x, ww=w, bb=b):  # training updates running stats: give it throwaway copies
        return ops.batch_norm(xx, rm.copy(), rv.copy(), ww, bb, training=training)

    dx, dw, db = ops.batch_norm_backward(g, x, rm, rv, w, b, training=training)
    np.testing.assert_allclose(dx, numeric_grad(lambda v: f(xx=v), x.copy(), g), atol=1e-6)
    np.testing.assert_allclose(dw, numeric_grad(lambda v: f(ww=v), w.copy(), g), atol=1e-6)
    np.testing.assert_allclose(db, numeric_grad(lambda v: f(bb=v), b.copy(), g), atol=1e-6)
    # the saved statistics give the same gradients; no weight/bias -> None
    _, sm, si = ops.batch_norm(x, rm.copy(), rv.copy(), training=True, return_stats=True)
    if training:
        got = ops.batch_norm_backward(g, x, None, None, training=True, save_mean=sm, save_invstd=si)
        want = ops.batch_norm_backward(g, x, None, None, training=True)
        np.testing.assert_allclose(got[0], want[0], rtol=1e-12)
        assert got[1] is None and got[2] is None


# ---------------------------------------------------------------- layer norm


@pytest.mark.parametrize("D", SIZES)
def test_layer_norm_matches_numpy_at_every_isa(isa, rng, D):
    x = (rng.standard_normal((4, D)) * 3 + 2).astype(np.float32)
    w, b = rng.standard_normal(D).astype(np.float32), rng.standard_normal(D).astype(np.float32)
    y, mean, invstd = ops.layer_norm(x, D, w, b, return_stats=True)
    want = np_layer_norm(x.astype(np.float64), 1, w, b, 1e-5)
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=2e-5)
    np.testing.assert_allclose(mean, x.astype(float).mean(-1), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(
        ops.layer_norm(x, [D]), np_layer_norm(x.astype(float), 1, 1, 0, 1e-5), rtol=1e-5, atol=2e-5
    )
    assert invstd.shape == (4,)


def test_layer_norm_hand_checked():
    np.testing.assert_allclose(ops.layer_norm(np.array([[1.0, 3.0]]), 2, eps=0.0), [[-1.0, 1.0]])
    y = ops.layer_norm(
        np.array([1.0, 2.0, 3.0]),
        (3,),
        np.array([2.0, 2.0, 2.0]),
        np.array([1.0, 1.0, 1.0]),
        eps=0.0,
    )
    np.testing.assert_allclose(y, [1 - 2 * np.sqrt(1.5), 1.0, 1 + 2 * np.sqrt(1.5)])


@pytest.mark.parametrize(
    "shape,k", [((6, 17), 1), ((3, 4, 5), 2), ((2, 3, 4, 5), 3), ((8, 768), 1)]
)
def test_layer_norm_forward_and_autograd_match_torch(rng, shape, k):
    torch = torch_or_skip()
    ns = shape[-k:]
    x = (rng.standard_normal(shape) * 2).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    w, b = rng.standard_normal(ns).astype(np.float32), rng.standard_normal(ns).astype(np.float32)
    tx, tw, tb = (torch.from_numpy(a).requires_grad_() for a in (x, w, b))
    ty = torch.nn.functional.layer_norm(tx, ns, tw, tb)
    ty.backward(torch.from_numpy(g))
    np.testing.assert_allclose(
        ops.layer_norm(x, ns, w, b), ty.detach().numpy(), rtol=1e-4, atol=1e-4
    )
    dx, dw, db = ops.layer_norm_backward(g, x, ns, w, b)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(dw, tw.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(db, tb.grad.numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_backward_matches_finite_differences(rng, affine):
    x = rng.standard_normal((3, 2, 4))
    g = rng.standard_normal(x.shape)
    w, b = (rng.standard_normal((2, 4)), rng.standard_normal((2, 4))) if affine else (None, None)
    dx, dw, db = ops.layer_norm_backward(g, x, (2, 4), w, b)
    np.testing.assert_allclose(
        dx, numeric_grad(lambda v: ops.layer_norm(v, (2, 4), w, b), x.copy(), g), atol=1e-6
    )
    if affine:
        np.testing.assert_allclose(
            dw, numeric_grad(lambda v: ops.layer_norm(x, (2, 4), v, b), w.copy(), g), atol=1e-6
        )
        np.testing.assert_allclose(db, g.sum(axis=0), atol=1e-12)
    else:
        assert dw is None and db is None


# ---------------------------------------------------------------- dropout


def test_dropout_is_reproducible_and_independent_of_threads():
    x = np.ones(300_001, np.float32)  # big enough for the parallel loop
    before = pg.num_threads()
    try:
        pg.set_num_threads(1)
        a = ops.dropout(x, 0.3, seed=42)
        pg.set_num_threads(2)
        b = ops.dropout(x, 0.3, seed=42)
    finally:
        pg.set_num_threads(before)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, ops.dropout(x, 0.3, seed=43))
    np.random.seed(7)
    c = ops.dropout(x[:100], 0.5)
    np.random.seed(7)
    np.testing.assert_array_equal(c, ops.dropout(x[:100], 0.5))


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_dropout_scaling_and_mean_preserved(p):
    n = 200_000
    x = np.full(n, 3.0)
    y, mask = ops.dropout(x, p, seed=1, return_mask=True)
    kept = mask.astype(bool)
    np.testing.assert_allclose(y[kept], 3.0 / (1 - p), rtol=1e-15)
    assert (y[~kept] == 0).all() and set(np.unique(mask)) <= {0.0, 1.0}
    # kept ~ Binomial(n, 1 - p): the mean of y is 3 * kept / (n (1 - p)); allow 5 sigma
    sigma = 3.0 * np.sqrt(n * p * (1 - p)) / (n * (1 - p))
    assert abs(y.mean() - 3.0) < 5 * sigma
    (dx,) = ops.dropout_backward(np.ones(n), mask, p)
    np.testing.assert_allclose(dx, y / 3.0)


def test_dropout_edge_probabilities_and_eval():
    x = np.arange(1, 40, dtype=np.float32)
    np.testing.assert_array_equal(ops.dropout(x, 0.0, seed=3), x)
    np.testing.assert_array_equal(ops.dropout(x, 1.0, seed=3), np.zeros_like(x))
    y, m = ops.dropout(x, 0.7, training=False, return_mask=True)
    np.testing.assert_array_equal(y, x)
    np.testing.assert_array_equal(m, np.ones_like(x))
    assert ops.dropout(x.astype(np.float64), 0.5, seed=1).dtype == np.float64


# ---------------------------------------------------------------- bad inputs

F = np.ones((2, 3), np.float32)
BAD = [
    (lambda: ops.softmax(F, axis=2), ValueError, r"softmax: axis 2 is out of range.*\(2, 3\)"),
    (lambda: ops.softmax(np.ones((0, 3))), ValueError, r"softmax: input is empty \(shape \(0, 3\)"),
    (
        lambda: pg._core.log_softmax(np.array(1.0), -1),
        ValueError,
        "log_softmax: input must have at least 1 dim",
    ),
    (lambda: ops.softmax(np.array(["a"])), TypeError, "softmax: input must be a real numeric"),
    (
        lambda: ops.softmax_backward(np.ones((3, 2)), F),
        ValueError,
        r"softmax_backward: grad_output has shape \(3, 2\).*\(2, 3\)",
    ),
    (
        lambda: ops.batch_norm(np.ones(3), None, None, training=True),
        ValueError,
        r"batch_norm: input must be \(N, C\).*got shape \(3,\)",
    ),
    (
        lambda: ops.batch_norm(F, np.zeros(4, np.float32), np.ones(3, np.float32)),
        ValueError,
        r"batch_norm: running_mean has shape \(4,\) but must be \(3,\).*\(2, 3\)",
    ),
    (
        lambda: ops.batch_norm(F, np.zeros(3, np.float32), np.ones(2, np.float32)),
        ValueError,
        r"batch_norm: running_var has shape \(2,\)",
    ),
    (
        lambda: ops.batch_norm(F, None, None, weight=np.ones(2)),
        ValueError,
        r"batch_norm: weight has shape \(2,\)",
    ),
    (
        lambda: ops.batch_norm(F, None, None),
        ValueError,
        "batch_norm: running_mean and running_var are required when training=False",
    ),
    (
        lambda: ops.batch_norm(F, np.zeros(3), np.ones(3, np.float32), training=True),
        TypeError,
        "batch_norm: running_mean must be a writeable C-contiguous float32",
    ),
    (
        lambda: ops.batch_norm(F, [0, 0, 0], [1, 1, 1], training=True),
        TypeError,
        "batch_norm: running_mean must be a writeable",
    ),
    (
        lambda: ops.batch_norm(np.ones((1, 3)), None, None, training=True),
        ValueError,
        r"batch_norm: training needs more than 1 value per channel, got input \(1, 3\)",
    ),
    (
        lambda: ops.batch_norm(np.ones((0, 3)), None, None, training=True),
        ValueError,
        r"batch_norm: input is empty",
    ),
    (
        lambda: ops.batch_norm(F, None, None, training=True, momentum=2.0),
        ValueError,
        "batch_norm: momentum must be in",
    ),
    (
        lambda: ops.batch_norm_backward(F, F, None, None, training=True, save_mean=np.ones(3)),
        ValueError,
        "batch_norm_backward: pass both save_mean and save_invstd",
    ),
    (
        lambda: ops.layer_norm(F, 2),
        ValueError,
        r"layer_norm: normalized_shape \(2,\) must be 1 or more trailing dims of input \(2, 3\)",
    ),
    (lambda: ops.layer_norm(F, (2, 3, 1)), ValueError, r"layer_norm: normalized_shape \(2, 3, 1\)"),
    (
        lambda: ops.layer_norm(F, 3, weight=np.ones(2)),
        ValueError,
        r"layer_norm: weight has shape \(2,\) but must be \(3,\)",
    ),
    (lambda: ops.layer_norm(F, 3.0), TypeError, "layer_norm: normalized_shape must be an int"),
    (lambda: ops.layer_norm(np.ones((2, 0)), 0), ValueError, "layer_norm: input is empty"),
    (
        lambda: ops.layer_norm_backward(np.ones((2, 2)), F, 3),
        ValueError,
        r"layer_norm_backward: grad_output has shape \(2, 2\)",
    ),
    (lambda: ops.dropout(F, 1.5), ValueError, r"dropout: p must be in \[0, 1\], got 1.5"),
    (lambda: ops.dropout(F, -0.1), ValueError, r"dropout: p must be in \[0, 1\]"),
    (lambda: ops.dropout(np.ones(0), 0.5), ValueError, "dropout: input is empty"),
    (lambda: ops.dropout(F, 0.5, seed=1.5), TypeError, "dropout: seed must be an int"),
    (
        lambda: ops.dropout_backward(F, np.ones(3), 0.5),
        ValueError,
        r"dropout_backward: mask has shape \(3,\)",
    ),
]


@pytest.mark.parametrize("call,exc,match", BAD)
def test_bad_inputs_raise_clear_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_results_do_not_depend_on_the_thread_count(rng):
    x = rng.standard_normal((64, 8, 96)).astype(np.float32)  # big enough for parallel loops
    g = rng.standard_normal(x.shape).astype(np.float32)
    t = rng.integers(0, 8, (64, 96))

    def run():
        return [
            ops.softmax(x),
            ops.log_softmax(x, 1),
            ops.batch_norm(x, None, None, training=True),
            ops.layer_norm(x, 96),
            *ops.layer_norm_backward(g, x, 96, np.ones(96), np.ones(96)),
            *ops.batch_norm_backward(g, x, None, None, np.ones(8), None, training=True)[:2],
            ops.cross_entropy_backward(1.0, x, t)[0],
        ]

    before = pg.num_threads()
    try:
        pg.set_num_threads(1)
        one = run()
        pg.set_num_threads(2)
        two = run()
    finally:
        pg.set_num_threads(before)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)
