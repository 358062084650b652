"""The norm family in the graph: softmax, log_softmax, layer_norm, batch_norm, dropout and the
losses (cross_entropy, nll_loss, mse_loss, binary_cross_entropy(_with_logits)).

Oracles: the eager pg.ops for forward values (float32), float64 central differences of the
compiled forward for gradients, PyTorch autograd for cross_entropy when it is installed.
"""

from __future__ import annotations

import numpy as np
import pytest

import pygraph as pg
from conftest import central_difference, torch_or_skip

F64 = "float64"


def check_gradients(build, arrays: dict, wrt: list[str], extra: dict | None = None, seed=0):
    """pg.grad of a random projection of build(**inputs) matches central differences for each
    float64 input named in `wrt`; `extra` are fed as they are (e.g. int64 labels)."""
    pg.new_graph()
    rng = np.random.default_rng(seed)
    extra = extra or {}
    xs = {k: pg.input(v.shape, F64, name=k) for k, v in arrays.items()}
    ins = {k: pg.input(v.shape, str(v.dtype), name=k) for k, v in extra.items()}
    y = build(**xs, **ins)
    loss = (y * pg.constant(rng.standard_normal(y.shape), F64)).sum()
    grads = pg.grad(loss, [xs[k] for k in wrt])
    f = pg.compile(loss)
    got = pg.compile(grads)(**arrays, **extra)
    for k, g in zip(wrt, got):

        def at(v, k=k):
            return float(f(**{**arrays, k: v}, **extra))

        numeric = central_difference(at, arrays[k].copy())
        np.testing.assert_allclose(g, numeric, rtol=1e-5, atol=1e-7, err_msg=k)


def compiled(build, **feeds):
    """Compile build over float32/int64 inputs of the feeds' shapes and run it."""
    xs = {k: pg.input(v.shape, str(v.dtype), name=k) for k, v in feeds.items()}
    return pg.compile(build(**xs))(**feeds)


# ---- softmax, log_softmax ----


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("shape,axis", [((3, 5), -1), ((2, 3, 4), 1), ((4,), 0)])
def test_softmax_forward_and_gradient(log, shape, axis, rng):
    fn, eager = (pg.log_softmax, pg.ops.log_softmax) if log else (pg.softmax, pg.ops.softmax)
    x0 = rng.standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(
        compiled(lambda x: fn(x, axis), x=x0), eager(x0, axis), rtol=1e-6, atol=1e-7
    )
    check_gradients(lambda x: fn(x, axis), {"x": rng.standard_normal(shape)}, ["x"])


def test_log_softmax_second_order(rng):
    """The softmax gradients are primitives, so they differentiate again (H v)."""
    x0, v = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    r = pg.constant(rng.standard_normal((3, 4)), F64)
    x = pg.input((3, 4), F64, name="x")
    (gx,) = pg.grad((pg.log_softmax(x, 1) * r).sum() + (pg.softmax(x, 0) * r).sum(), [x])
    (hv,) = pg.grad((gx * pg.constant(v, F64)).sum(), [x])
    g = pg.compile(gx)
    eps = 1e-5
    numeric = (g(x=x0 + eps * v) - g(x=x0 - eps * v)) / (2 * eps)
    np.testing.assert_allclose(pg.compile(hv)(x=x0), numeric, rtol=1e-5, atol=1e-8)


# ---- layer_norm ----


@pytest.mark.parametrize("ns", [(6,), (3, 6)])
@pytest.mark.parametrize("affine", ["none", "weight", "both", "bias"])
def test_layer_norm_forward_and_gradients(ns, affine, rng):
    shape = (4, *ns) if len(ns) == 2 else (2, 3, *ns)
    x0 = rng.standard_normal(shape)
    w0, b0 = rng.standard_normal(ns), rng.standard_normal(ns)
    use_w, use_b = affine in ("weight", "both"), affine in ("bias", "both")
    eager_w = w0 if use_w else (np.ones(ns) if use_b else None)
    expect = pg.ops.layer_norm(
        x0.astype(np.float32),
        ns,
        None if eager_w is None else eager_w.astype(np.float32),
        b0.astype(np.float32) if use_b else None,
        eps=1e-3,
    )
    arrays = {"x": x0}
    if use_w:
        arrays["w"] = w0
    if use_b:
        arrays["b"] = b0

    def build(x, w=None, b=None):
        return pg.layer_norm(x, ns, w, b, eps=1e-3)

    got = compiled(build, **{k: v.astype(np.float32) for k, v in arrays.items()})
    np.testing.assert_allclose(got, expect, rtol=1e-5, atol=1e-6)
    check_gradients(build, arrays, list(arrays))


# ---- batch_norm ----


@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize("shape", [(6, 3), (2, 3, 4, 2)])
def test_batch_norm_forward_and_gradients(training, shape, rng):
    c = shape[1]
    x0 = rng.standard_normal(shape)
    w0, b0 = rng.standard_normal(c), rng.standard_normal(c)
    rm0, rv0 = rng.standard_normal(c), rng.uniform(0.5, 2, c)
    f32 = {k: v.astype(np.float32) for k, v in dict(x=x0, w=w0, b=b0).items()}
    rm32, rv32 = rm0.astype(np.float32), rv0.astype(np.float32)
    expect = pg.ops.batch_norm(
        f32["x"], rm32.copy(), rv32.copy(), f32["w"], f32["b"], training=training, eps=1e-3
    )

    def build(x, w, b, rm=rm32, rv=rv32):
        return pg.batch_norm(x, rm, rv, w, b, training=training, eps=1e-3)

    np.testing.assert_allclose(compiled(build, **f32), expect, rtol=1e-5, atol=1e-5)
    check_gradients(
        lambda x, w, b: pg.batch_norm(x, rm0, rv0, w, b, training=training, eps=1e-3),
        dict(x=x0, w=w0, b=b0),
        ["x", "w", "b"],
    )


def test_batch_norm_training_leaves_running_stats_and_accepts_none(rng):
    x0 = rng.standard_normal((5, 3)).astype(np.float32)
    rm = pg.param((3,), init="zeros", name="rm")
    rv = pg.param((3,), init="ones", name="rv")
    x = pg.input((5, 3), name="x")
    y = pg.compile(pg.batch_norm(x, rm, rv, training=True))(x=x0)
    np.testing.assert_array_equal(rm.value, np.zeros(3))  # no running update in the graph
    np.testing.assert_array_equal(rv.value, np.ones(3))
    y2 = pg.compile(pg.batch_norm(x, None, None, bias=np.zeros(3), training=True))(x=x0)
    expect = pg.ops.batch_norm(x0, None, None, training=True)
    np.testing.assert_allclose(y, expect, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(y2, expect, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="running_mean and running_var are required"):
        pg.batch_norm(x, None, None)


# ---- dropout ----


@pytest.mark.parametrize("p,training", [(0.3, True), (0.0, True), (0.5, False)])
def test_dropout_forward_mask_and_gradient(p, training, rng):
    x0 = rng.standard_normal((4, 6)).astype(np.float32)
    expect, mask = pg.ops.dropout(x0, p, training, seed=7, return_mask=True)
    got = compiled(lambda x: pg.dropout(x, p, training, seed=7), x=x0)
    np.testing.assert_array_equal(got, expect)
    pg.new_graph()
    x = pg.input((4, 6), F64, name="x")
    r = rng.standard_normal((4, 6))
    (gx,) = pg.grad((pg.dropout(x, p, training, seed=7) * pg.constant(r, F64)).sum(), [x])
    scale = 1 / (1 - p) if training else 1.0
    np.testing.assert_allclose(pg.compile(gx)(x=x0), r * mask * scale, rtol=1e-12)
    check_gradients(lambda x: pg.dropout(x, p, training, seed=7), {"x": x0.astype(F64)}, ["x"])


# ---- class losses ----

CLASS_CASES = [  # (input shape, weight, ignore_index, reduction, label_smoothing)
    ((5, 4), False, -100, "mean", 0.0),
    ((5, 4), True, 1, "mean", 0.1),
    ((3, 4, 2), True, -100, "sum", 0.0),
    ((3, 4, 2), False, 2, "none", 0.2),
    ((4,), False, -100, "mean", 0.0),
]


def _labels(rng, shape, c):
    # unbatched: a (1) label; compile feeds a 0-d array as (1,) (np.ascontiguousarray)
    tshape = (1,) if len(shape) == 1 else (shape[0], *shape[2:])
    return rng.integers(0, c, tshape).astype(np.int64)


@pytest.mark.parametrize("shape,weighted,ignore,reduction,smoothing", CLASS_CASES)
@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
def test_class_loss_forward_and_gradient(name, shape, weighted, ignore, reduction, smoothing, rng):
    c = shape[0] if len(shape) == 1 else shape[1]
    x0, t0, w0 = rng.standard_normal(shape), _labels(rng, shape, c), rng.uniform(0.5, 2, c)
    if len(shape) > 1:
        t0.flat[0] = 1  # an ignored label when ignore_index is 1
    kw = dict(ignore_index=ignore, reduction=reduction)
    if name == "cross_entropy":
        kw["label_smoothing"] = smoothing
    fn, eager = getattr(pg, name), getattr(pg.ops, name)
    w32 = w0.astype(np.float32) if weighted else None

    def build(x, t, w=None):
        return fn(x, t, w, **kw)

    feeds = dict(x=x0.astype(np.float32), t=t0)
    if weighted:
        feeds["w"] = w32
    got = compiled(build, **feeds)
    np.testing.assert_allclose(got, eager(x0.astype(np.float32), t0, w32, **kw), rtol=1e-5)
    arrays = {"x": x0, **({"w": w0} if weighted else {})}
    check_gradients(build, arrays, ["x"], {"t": t0})  # the class weights get no gradient


def test_class_loss_labels_may_be_an_array_and_have_no_gradient(rng):
    x = pg.input((3, 4), F64, name="x")
    t0 = np.array([0, 3, 1])
    loss = pg.cross_entropy(x, t0)
    x0 = rng.standard_normal((3, 4))
    np.testing.assert_allclose(pg.compile(loss)(x=x0), pg.ops.cross_entropy(x0, t0), rtol=1e-12)
    t = pg.input((3,), "int64", name="t")
    with pytest.warns(UserWarning, match="does not depend"):
        (gt,) = pg.grad(pg.nll_loss(x, t), [t])
    assert gt.op == "fill"


def test_cross_entropy_gradient_matches_torch(rng):
    torch = torch_or_skip()
    x0 = rng.standard_normal((6, 5, 3)).astype(np.float32)
    t0 = rng.integers(0, 5, (6, 3)).astype(np.int64)
    t0[0, 0] = 2
    w0 = rng.uniform(0.5, 2, 5).astype(np.float32)
    x, t = pg.input(x0.shape, name="x"), pg.input(t0.shape, "int64", name="t")
    for reduction in ("mean", "sum", "none"):
        kw = dict(ignore_index=2, reduction=reduction, label_smoothing=0.15)
        loss = pg.cross_entropy(x, t, pg.constant(w0), **kw)
        seed = rng.standard_normal(loss.shape).astype(np.float32)
        (gx,) = pg.grad(loss, [x], grad_outputs=seed)
        loss_v, gx_v = pg.compile([loss, gx])(x=x0, t=t0)
        tx = torch.tensor(x0, requires_grad=True)
        tl = torch.nn.functional.cross_entropy(tx, torch.tensor(t0), torch.tensor(w0), **kw)
        tl.backward(torch.tensor(seed))
        np.testing.assert_allclose(loss_v, tl.detach().numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(gx_v, tx.grad.numpy(), rtol=1e-4, atol=1e-6)


# ---- pointwise losses ----


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(
    "name,weights",
    [
        ("mse_loss", []),
        ("binary_cross_entropy", []),
        ("binary_cross_entropy", ["weight"]),
        ("binary_cross_entropy_with_logits", ["weight"]),
        ("binary_cross_entropy_with_logits", ["pos_weight"]),
        ("binary_cross_entropy_with_logits", ["weight", "pos_weight"]),
    ],
)
def test_point_loss_forward_and_gradients(name, weights, reduction, rng):
    shape = (4, 3)
    probs = name == "binary_cross_entropy"
    x0 = rng.uniform(0.1, 0.9, shape) if probs else rng.standard_normal(shape)
    t0 = rng.uniform(0, 1, shape)
    ws = {"weight": rng.uniform(0.5, 2, (3,)), "pos_weight": rng.uniform(0.5, 2, (1, 3))}
    ws = {k: v for k, v in ws.items() if k in weights}
    fn, eager = getattr(pg, name), getattr(pg.ops, name)

    def build(x, t, weight=None, pos_weight=None):
        kw = {"weight": weight, "pos_weight": pos_weight}
        return fn(x, t, reduction=reduction, **{k: v for k, v in kw.items() if k in weights})

    f32 = {k: v.astype(np.float32) for k, v in dict(x=x0, t=t0, **ws).items()}
    expect = eager(f32["x"], f32["t"], reduction=reduction, **{k: f32[k] for k in ws})
    np.testing.assert_allclose(compiled(build, **f32), expect, rtol=1e-5, atol=1e-6)
    check_gradients(build, dict(x=x0, t=t0, **ws), ["x", "t"])  # weights get no gradient


# ---- build-time errors name the op, the argument and the shapes ----


def test_errors_at_build_time():
    x = pg.input((4, 5), name="x")
    t = pg.input((3,), "int64", name="t")
    with pytest.raises(
        ValueError,
        match=r"cross_entropy: target has shape \(3,\) but input \(4, 5\) needs target shape "
        r"\(4,\) .*\(at test_graph_norm.py:\d+\)",
    ):
        pg.cross_entropy(x, t)
    with pytest.raises(TypeError, match=r"nll_loss: target must hold integer class labels"):
        pg.nll_loss(x, pg.input((4,), name="tf"))
    with pytest.raises(ValueError, match=r"cross_entropy: weight has shape \(4,\) but must be"):
        pg.cross_entropy(x, pg.input((4,), "int64", name="t4"), np.ones(4))
    with pytest.raises(ValueError, match=r"reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        pg.mse_loss(x, x, reduction="avg")
    with pytest.raises(ValueError, match=r"mse_loss: target has shape \(5,\) but must match"):
        pg.mse_loss(x, pg.input((5,), name="y"))
    with pytest.raises(ValueError, match=r"softmax: axis 2 is out of range for input of shape"):
        pg.softmax(x, 2)
    with pytest.raises(
        ValueError,
        match=r"layer_norm: normalized_shape \(4,\) must be 1 or more trailing dims of input "
        r"\(4, 5\)",
    ):
        pg.layer_norm(x, 4)
    with pytest.raises(
        ValueError, match=r"batch_norm: weight has shape \(4,\) but must be \(5,\) \(one value"
    ):
        pg.batch_norm(x, np.zeros(5), np.ones(5), np.ones(4))
    with pytest.raises(ValueError, match=r"dropout: p must be in \[0, 1\], got 1.5"):
        pg.dropout(x, 1.5, seed=0)
    with pytest.raises(ValueError, match=r"cross_entropy: label_smoothing must be in \[0, 1\]"):
        pg.cross_entropy(x, pg.input((4,), "int64", name="t5"), label_smoothing=2.0)


def test_label_out_of_range_is_caught_when_the_graph_runs():
    x, t = pg.input((2, 3), name="x"), pg.input((2,), "int64", name="t")
    f = pg.compile(pg.cross_entropy(x, t))
    with pytest.raises(ValueError, match=r"cross_entropy: target holds label 7 at flat index 1"):
        f(x=np.zeros((2, 3)), t=np.array([0, 7]))


def test_dropout_without_seed_draws_a_new_mask_each_call_and_repeats_per_seed():
    x0 = np.ones((64, 32), np.float32)

    def masks(calls: int) -> list[np.ndarray]:
        pg.new_graph()
        pg.manual_seed(3)
        x = pg.input(x0.shape, name="x")
        f = pg.compile(pg.dropout(x, 0.5))
        return [f(x=x0) for _ in range(calls)]

    first, again = masks(3), masks(3)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)  # the same seed repeats the same calls
    assert not np.array_equal(first[0], first[1]) and not np.array_equal(first[1], first[2])
    for m in first:  # each is a dropout mask: 0 or 1 / (1 - p), about half kept
        assert set(np.unique(m)) <= {0.0, 2.0} and 0.4 < (m > 0).mean() < 0.6


def test_dropout_with_a_seed_repeats_its_mask_every_call():
    x0 = np.ones((16, 16), np.float32)
    x = pg.input(x0.shape, name="x")
    f = pg.compile(pg.dropout(x, 0.3, seed=11))
    want = pg.ops.dropout(x0, 0.3, True, seed=11)
    for _ in range(3):
        np.testing.assert_array_equal(f(x=x0), want)
