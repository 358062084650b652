"""The graph: building, shape errors, compiled results, autodiff as graph nodes, the IR text.

Oracles: numpy for forward values, float64 central differences for gradients (first and
second order), PyTorch autograd for a whole MLP.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import pygraph as pg
from conftest import central_difference, torch_or_skip

F64 = "float64"


# (name, graph builder, numpy oracle, input shape, input domain)
UNARY = [
    ("neg", lambda x: -x, lambda x: -x, (3, 4), (-2, 2)),
    ("exp", pg.exp, np.exp, (3, 4), (-2, 2)),
    ("log", pg.log, np.log, (3, 4), (0.5, 3)),
    ("relu", pg.relu, lambda x: np.maximum(x, 0), (3, 4), (-2, 2)),
    ("sigmoid", pg.sigmoid, lambda x: 1 / (1 + np.exp(-x)), (3, 4), (-3, 3)),
    ("tanh", pg.tanh, np.tanh, (3, 4), (-3, 3)),
    ("sum", lambda x: pg.sum(x, axis=1), lambda x: x.sum(axis=1), (3, 4), (-1, 1)),
    ("sum_all", lambda x: x.sum(), lambda x: x.sum(), (3, 4), (-1, 1)),
    ("mean_keep", lambda x: x.mean(axis=(0, 2), keepdims=True),
     lambda x: x.mean(axis=(0, 2), keepdims=True), (2, 3, 4), (-1, 1)),
    ("reshape", lambda x: x.reshape(4, -1), lambda x: x.reshape(4, -1), (2, 3, 2), (-1, 1)),
    ("transpose", lambda x: pg.transpose(x, 0, 2), lambda x: np.swapaxes(x, 0, 2), (2, 3, 4),
     (-1, 1)),
]  # fmt: skip

BINARY = [
    ("add", lambda a, b: a + b, np.add, (3, 4), (4,)),
    ("sub", lambda a, b: a - b, np.subtract, (3, 1), (1, 4)),
    ("mul", lambda a, b: a * b, np.multiply, (2, 3, 4), (3, 1)),
    ("div", lambda a, b: a / b, np.divide, (3, 4), (3, 4)),
    ("matmul", lambda a, b: a @ b, np.matmul, (3, 4), (4, 5)),
    ("matmul_batch", lambda a, b: a @ b, np.matmul, (2, 3, 4), (4, 5)),
]


@pytest.mark.parametrize("name,build,oracle,shape,domain", UNARY, ids=[u[0] for u in UNARY])
def test_unary_forward_and_gradient(name, build, oracle, shape, domain, rng):
    x0 = rng.uniform(*domain, shape)
    x = pg.input(shape, F64, name="x")
    y = build(x)
    np.testing.assert_allclose(pg.compile(y)(x=x0), oracle(x0), rtol=1e-12)
    r = rng.standard_normal(np.shape(oracle(x0)))  # a random projection makes y scalar
    loss = (y * pg.constant(r, F64)).sum()
    (gx,) = pg.grad(loss, [x])
    f = pg.compile(loss)
    numeric = central_difference(lambda v: float(f(x=v)), x0.copy())
    np.testing.assert_allclose(pg.compile(gx)(x=x0), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name,build,oracle,sa,sb", BINARY, ids=[b[0] for b in BINARY])
def test_binary_forward_and_gradients(name, build, oracle, sa, sb, rng):
    a0, b0 = rng.uniform(0.5, 2, sa), rng.uniform(0.5, 2, sb)
    a, b = pg.input(sa, F64, name="a"), pg.input(sb, F64, name="b")
    y = build(a, b)
    np.testing.assert_allclose(pg.compile(y)(a=a0, b=b0), oracle(a0, b0), rtol=1e-12)
    loss = (y * pg.constant(rng.standard_normal(y.shape), F64)).sum()
    ga, gb = pg.grad(loss, [a, b])
    assert ga.shape == sa and gb.shape == sb
    f = pg.compile(loss)
    ga_v, gb_v = pg.compile([ga, gb])(a=a0, b=b0)
    np.testing.assert_allclose(
        ga_v, central_difference(lambda v: float(f(a=v, b=b0)), a0.copy()), rtol=1e-6, atol=1e-8
    )
    np.testing.assert_allclose(
        gb_v, central_difference(lambda v: float(f(a=a0, b=v)), b0.copy()), rtol=1e-6, atol=1e-8
    )


def _mlp(x, w1, b1, w2, b2):
    return pg.sigmoid(pg.tanh(x @ w1 + b1) @ w2 + b2)


def test_hessian_vector_product_of_a_small_mlp(rng):
    x0 = rng.standard_normal((5, 3))
    x = pg.input((5, 3), F64, name="x")
    w1 = pg.param((3, 4), init=rng.standard_normal((3, 4)), name="w1", dtype=F64)
    b1 = pg.param((4,), init=rng.standard_normal(4), name="b1", dtype=F64)
    w2 = pg.param((4, 2), init=rng.standard_normal((4, 2)), name="w2", dtype=F64)
    b2 = pg.param((2,), init=rng.standard_normal(2), name="b2", dtype=F64)
    loss = _mlp(x, w1, b1, w2, b2).mean()
    (g1,) = pg.grad(loss, [w1])
    v = rng.standard_normal((3, 4))
    (hv,) = pg.grad((g1 * pg.constant(v, F64)).sum(), [w1])  # H v = d/dw (g . v)
    grad_fn = pg.compile(g1)
    w0 = w1.value
    eps = 1e-5

    def grad_at(w):
        w1.value = w
        return grad_fn(x=x0)

    numeric = (grad_at(w0 + eps * v) - grad_at(w0 - eps * v)) / (2 * eps)
    w1.value = w0
    np.testing.assert_allclose(pg.compile(hv)(x=x0), numeric, rtol=1e-5, atol=1e-9)


def test_mlp_loss_and_gradients_match_torch(rng):
    torch = torch_or_skip()
    x0 = rng.standard_normal((8, 6)).astype(np.float32)
    ws = [rng.standard_normal(s).astype(np.float32) * 0.5 for s in [(6, 5), (5,), (5, 3), (3,)]]
    x = pg.input((8, 6), name="x")
    ps = [pg.param(w.shape, init=w, name=f"p{k}") for k, w in enumerate(ws)]
    loss = _mlp(x, *ps).mean()
    grads = pg.grad(loss, ps)
    loss_v, *grad_vs = pg.compile([loss, *grads])(x=x0)
    tw = [torch.tensor(w, requires_grad=True) for w in ws]
    tl = torch.sigmoid(torch.tanh(torch.tensor(x0) @ tw[0] + tw[1]) @ tw[2] + tw[3]).mean()
    tl.backward()
    np.testing.assert_allclose(loss_v, tl.item(), rtol=1e-5)
    for ours, t in zip(grad_vs, tw):
        np.testing.assert_allclose(ours, t.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_params_use_their_current_value():
    w = pg.param((2,), init=np.array([1.0, 2.0]), name="w")
    f = pg.compile(w * 2.0)
    np.testing.assert_array_equal(f(), [2.0, 4.0])
    w.value = np.array([5.0, 6.0])
    np.testing.assert_array_equal(f(), [10.0, 12.0])
    with pytest.raises(ValueError, match=r"param 'w': the new value is float32 \(3,\)"):
        w.value = np.ones(3)


def test_shape_error_at_build_time_names_op_shapes_and_line():
    a, b = pg.input((2, 3), name="a"), pg.input((4, 5), name="b")
    with pytest.raises(
        ValueError, match=r"matmul: a has shape \(2, 3\) .*\(at test_graph.py:\d+\)"
    ):
        a @ b
    with pytest.raises(ValueError, match=r"add: input \(2, 3\) and other \(4, 5\) are not broad"):
        a + b


def test_feed_errors():
    x, y = pg.input((2,), name="x"), pg.input((3,), name="y")
    f = pg.compile(x.sum() + y.sum())
    with pytest.raises(ValueError, match=r"input 'y' \(float32 \(3,\)\) was not fed"):
        f(x=np.ones(2))
    with pytest.raises(ValueError, match=r"'z' is not an input of the graph; its inputs are: x, y"):
        f(x=np.ones(2), y=np.ones(3), z=np.ones(1))
    np.testing.assert_array_equal(pg.compile(x * 2.0)(x=np.ones(2), y=np.ones(3)), [2.0, 2.0])
    with pytest.raises(ValueError, match=r"input 'x' must be float32 \(2,\), got float32 \(5,\)"):
        f(x=np.ones(5), y=np.ones(3))


def test_float_feed_for_int64_labels_is_refused():
    t = pg.input((2,), dtype="int64", name="t")
    f = pg.compile(pg.cross_entropy(pg.constant(np.zeros((2, 3))), t))
    with pytest.raises(TypeError, match=r"input 't' holds int64 \(class labels\), got float64"):
        f(t=np.array([0.0, 1.7]))
    assert np.isclose(f(t=np.array([0, 1])), np.log(3))


def test_grad_of_non_scalar_needs_a_seed_and_unreached_gives_zeros():
    x, z = pg.input((3,), name="x"), pg.input((3,), name="z")
    with pytest.raises(ValueError, match=r"grad: y has shape \(3,\); .* needs a seed"):
        pg.grad(x * 2.0, [x])
    (gx,) = pg.grad(x * 2.0, [x], grad_outputs=np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(pg.compile(gx)(x=np.zeros(3)), [2.0, 4.0, 6.0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (gz,) = pg.grad(x.sum(), [z])
    assert "does not depend on" in str(caught[0].message)
    np.testing.assert_array_equal(pg.compile(gz)(), np.zeros(3))


def test_ir_text_lists_nodes_with_types():
    x = pg.input((4, 3), name="x")
    w = pg.param((3, 2), init="xavier", name="w")
    y = pg.relu(x @ w).sum()
    text = pg.ir(y)
    lines = text.strip().splitlines()
    assert lines[0].startswith("%0:x = input") and "f32(4, 3)" in lines[0]
    assert lines[1].startswith("%1:w = param") and "f32(3, 2)" in lines[1]
    assert [ln.split(" = ")[1].split("(")[0] for ln in lines[2:]] == ["matmul", "relu", "sum"]
    assert "keepdims=0" in lines[-1] and lines[-1].rstrip().endswith("f32()")


def test_every_registered_op_is_reachable_or_internal():
    table = pg._core.op_table()
    internal = {op["name"] for op in table if op["category"] in ("grad", "source", "fused")}
    assert {"step", "sum_to", "broadcast_to", "fill"} <= internal
    names = {op["name"] for op in table}
    missing = [n for n in names - internal if not hasattr(pg, n)]
    assert not missing, f"registered ops without a pg.<op> function: {missing}"


def test_scalar_inputs_params_and_constants_stay_0d():
    s = pg.input((), name="s")
    p = pg.param((), init=np.float32(3.0), name="p")
    y = s * p + pg.constant(1.0)
    assert y.shape == ()
    assert float(pg.compile(y)(s=np.float32(2.0))) == 7.0
    p.value = 4.0
    assert p.value.shape == () and float(pg.compile(y)(s=2.0)) == 9.0


def test_nodes_report_label_parameter_count_and_macs():
    x = pg.input((2, 3, 10, 10), name="x")
    w, b = pg.param((4, 3, 3, 3), init="he", name="w"), pg.param((4,), init="zeros", name="b")
    g, beta = pg.param((4,), init="ones", name="g"), pg.param((4,), init="zeros", name="beta")
    mean, var = pg.param((4,), init="zeros", name="mean"), pg.param((4,), init="ones", name="var")
    h = pg.conv2d(x, w, b, padding=1)
    y = pg.batch_norm(h, mean, var, g, beta)
    z = pg.flatten(y) @ pg.param((400, 7), init="he", name="m")
    conv, bn, mm = (h.graph.node(h.graph.value(t.id)["producer"]) for t in (h, y, z))
    assert (conv["label"], conv["params"], conv["macs"]) == ("Conv2d", 4 * 27 + 4, 2 * 4 * 100 * 27)
    # gamma and beta are weights; the running statistics are not
    assert (bn["label"], bn["params"], bn["macs"]) == ("BatchNorm", 8, 0)
    assert (mm["label"], mm["params"], mm["macs"]) == ("@", 0, 2 * 400 * 7)
    labels = {op["name"]: op["label"] for op in pg._core.op_table()}
    assert labels["add"] == "+" and labels["relu"] == "ReLU"
    assert labels["conv_backward"] == "conv_backward"  # ops without a label show their name
