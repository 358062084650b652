"""Graph movement ops: permute, flatten, concat, pad, amax/amin, argmax/argmin.

Oracles: the eager pg.ops for forward values (float32), float64 central differences of the
compiled forward for gradients (first and second order), the eager error messages for shape
errors (the graph raises them when the node is built).
"""

from __future__ import annotations

import numpy as np
import pytest

import pygraph as pg
from conftest import central_difference

F64 = "float64"


def distinct(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values at least 0.1 apart, so that amax/amin have no ties within a difference step."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.1 - 0.05 * n).reshape(shape) + rng.uniform(-0.01, 0.01, shape)


# (id, graph builder, eager oracle, input shapes); every input is fed as a float array
ONE = [
    ("permute", lambda x: pg.permute(x, (0, 2, 3, 1)), lambda x: pg.ops.permute(x, (0, 2, 3, 1)),
     (2, 3, 4, 5)),
    ("permute_neg", lambda x: pg.permute(x, (-1, 0, 1)), lambda x: pg.ops.permute(x, (2, 0, 1)),
     (3, 4, 2)),
    ("flatten", pg.flatten, pg.ops.flatten, (2, 3, 4, 5)),
    ("flatten_mid", lambda x: pg.flatten(x, 1, 2), lambda x: pg.ops.flatten(x, 1, 2), (2, 3, 4, 5)),
    ("flatten_all", lambda x: pg.flatten(x, 0), lambda x: pg.ops.flatten(x, 0), (3, 4)),
    ("pad_const", lambda x: pg.pad(x, (1, 2, 0, 1), value=0.5),
     lambda x: pg.ops.pad(x, (1, 2, 0, 1), value=0.5), (2, 3, 4)),
    ("pad_crop", lambda x: pg.pad(x, (-1, 2, 1, -2)), lambda x: pg.ops.pad(x, (-1, 2, 1, -2)),
     (2, 4, 5)),
    ("pad_reflect", lambda x: pg.pad(x, (2, 1, 1, 2), mode="reflect"),
     lambda x: pg.ops.pad(x, (2, 1, 1, 2), mode="reflect"), (2, 3, 4)),
    ("pad_replicate", lambda x: pg.pad(x, (3, 1), mode="replicate"),
     lambda x: pg.ops.pad(x, (3, 1), mode="replicate"), (2, 3)),
    ("amax_axis", lambda x: pg.amax(x, axis=1), lambda x: pg.ops.amax(x, axis=1), (3, 4, 2)),
    ("amax_all", pg.amax, pg.ops.amax, (3, 4)),
    ("amax_keep", lambda x: pg.amax(x, axis=(0, 2), keepdims=True),
     lambda x: pg.ops.amax(x, axis=(0, 2), keepdims=True), (3, 4, 2)),
    ("amin_axis", lambda x: pg.amin(x, axis=-1), lambda x: pg.ops.amin(x, axis=-1), (3, 5)),
    ("amin_keep", lambda x: pg.amin(x, axis=(1, 2), keepdims=True),
     lambda x: pg.ops.amin(x, axis=(1, 2), keepdims=True), (2, 3, 4)),
]  # fmt: skip

CONCAT = [
    ("axis0", [(1, 3), (2, 3), (4, 3)], 0),
    ("axis1", [(2, 3, 2), (2, 1, 2)], 1),
    ("axis_last", [(2, 2), (2, 3), (2, 1)], -1),
    ("single", [(2, 3)], 0),
]


@pytest.mark.parametrize("name,build,eager,shape", ONE, ids=[c[0] for c in ONE])
def test_forward_matches_eager_float32(name, build, eager, shape, rng):
    x0 = distinct(rng, shape).astype(np.float32)
    x = pg.input(shape, name="x")
    y = build(x)
    want = eager(x0)
    got = pg.compile(y)(x=x0)
    assert y.shape == want.shape and got.dtype == np.float32
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name,build,eager,shape", ONE, ids=[c[0] for c in ONE])
def test_gradient_matches_central_differences(name, build, eager, shape, rng):
    x0 = distinct(rng, shape)
    x = pg.input(shape, F64, name="x")
    y = build(x)
    loss = (y * pg.constant(rng.standard_normal(y.shape), F64)).sum()
    (gx,) = pg.grad(loss, [x])
    assert gx.shape == shape
    f = pg.compile(loss)
    numeric = central_difference(lambda v: float(f(x=v)), x0.copy())
    np.testing.assert_allclose(pg.compile(gx)(x=x0), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name,shapes,axis", CONCAT, ids=[c[0] for c in CONCAT])
def test_concat_forward_and_gradients(name, shapes, axis, rng):
    xs0 = [rng.standard_normal(s) for s in shapes]
    xs = [pg.input(s, name=f"x{k}") for k, s in enumerate(shapes)]
    y = pg.concat(xs, axis=axis)
    feed32 = {f"x{k}": v.astype(np.float32) for k, v in enumerate(xs0)}
    want = pg.ops.concat(list(feed32.values()), axis=axis)
    np.testing.assert_array_equal(pg.compile(y)(**feed32), want)

    pg.new_graph()
    xs = [pg.input(s, F64, name=f"x{k}") for k, s in enumerate(shapes)]
    y = pg.cat(xs, axis)
    loss = (y * pg.constant(rng.standard_normal(y.shape), F64)).sum()
    grads = pg.grad(loss, xs)
    f = pg.compile(loss)
    got = pg.compile(list(grads))(**{f"x{k}": v for k, v in enumerate(xs0)})
    got = got if isinstance(got, (list, tuple)) else [got]
    for k, g in enumerate(got):
        feed = {f"x{j}": v for j, v in enumerate(xs0) if j != k}
        numeric = central_difference(lambda v: float(f(**feed, **{f"x{k}": v})), xs0[k].copy())
        np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-8)


def test_concat_of_one_input_used_twice(rng):
    x0 = rng.standard_normal((2, 3))
    x = pg.input((2, 3), F64, name="x")
    y = pg.concat([x, x * 2.0, x], axis=1)
    r = rng.standard_normal(y.shape)
    (gx,) = pg.grad((y * pg.constant(r, F64)).sum(), [x])
    np.testing.assert_allclose(pg.compile(gx)(x=x0), r[:, :3] + 2 * r[:, 3:6] + r[:, 6:])


# second order: each gradient op is differentiated again (slice -> pad, pad_backward -> pad,
# amax_backward -> its mask); loss is not linear in x, so the gradients depend on x.
SECOND = [
    ("concat", lambda x: pg.concat([x * x, pg.tanh(x)], axis=1), (3, 2)),
    ("pad_reflect", lambda x: pg.pad(x * x, (2, 1), mode="reflect"), (2, 4)),
    ("pad_const", lambda x: pg.pad(pg.tanh(x), (1, -1, 0, 2)), (3, 3)),
    ("permute_flatten", lambda x: pg.flatten(pg.permute(x * x, (2, 0, 1))), (2, 3, 2)),
    ("amax", lambda x: pg.amax(x, axis=1) * pg.amax(x, axis=1), (3, 4)),
    ("amin", lambda x: pg.tanh(pg.amin(x, axis=(0, 2), keepdims=True)), (2, 3, 2)),
]


@pytest.mark.parametrize("name,build,shape", SECOND, ids=[c[0] for c in SECOND])
def test_hessian_vector_product(name, build, shape, rng):
    x0 = distinct(rng, shape)
    x = pg.input(shape, F64, name="x")
    y = build(x)
    loss = (y * pg.constant(rng.standard_normal(y.shape), F64)).sum()
    (gx,) = pg.grad(loss, [x])
    v = rng.standard_normal(shape)
    (hv,) = pg.grad((gx * pg.constant(v, F64)).sum(), [x])
    grad_fn = pg.compile(gx)
    eps = 1e-5
    numeric = (grad_fn(x=x0 + eps * v) - grad_fn(x=x0 - eps * v)) / (2 * eps)
    np.testing.assert_allclose(pg.compile(hv)(x=x0), numeric, rtol=1e-5, atol=1e-8)


def test_amax_gradient_goes_to_the_first_maximum():
    x0 = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], np.float32)
    x = pg.input((2, 3), name="x")
    (gx,) = pg.grad(pg.amax(x, axis=1).sum(), [x])
    (gn,) = pg.grad(pg.amin(x, axis=0).sum(), [x])
    got_max, got_min = pg.compile([gx, gn])(x=x0)
    np.testing.assert_array_equal(got_max, [[0, 1, 0], [1, 0, 0]])
    np.testing.assert_array_equal(got_min, [[1, 0, 0], [0, 1, 1]])
    (eager,) = pg.ops.amax_backward(np.ones(2, np.float32), x0, axis=1)
    np.testing.assert_array_equal(got_max, eager)


ARG = [
    ("argmax_axis", lambda x: pg.argmax(x, axis=1), lambda x: pg.ops.argmax(x, axis=1)),
    ("argmax_all", pg.argmax, pg.ops.argmax),
    ("argmax_keep", lambda x: pg.argmax(x, -1, keepdims=True),
     lambda x: pg.ops.argmax(x, -1, keepdims=True)),
    ("argmin_axis", lambda x: pg.argmin(x, axis=0), lambda x: pg.ops.argmin(x, axis=0)),
    ("argmin_all", pg.argmin, pg.ops.argmin),
]  # fmt: skip


@pytest.mark.parametrize("name,build,eager", ARG, ids=[c[0] for c in ARG])
def test_argmax_argmin_int64(name, build, eager, rng):
    x0 = rng.integers(0, 4, (3, 5, 2)).astype(np.float32)  # ties: the first index wins
    x = pg.input(x0.shape, name="x")
    y = build(x)
    assert y.dtype == "int64"
    got = pg.compile(y)(x=x0)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, eager(x0))


def test_argmax_is_not_differentiable():
    table = {op["name"]: op for op in pg._core.op_table()}
    for name in ("argmax", "argmin"):
        assert table[name]["category"] == "reduce" and not table[name]["differentiable"]
    for name in ("permute", "flatten", "concat", "pad", "amax", "amin", "slice", "pad_backward"):
        assert table[name]["differentiable"], name
    x = pg.input((3, 4), F64, name="x")
    with pytest.warns(UserWarning, match="y does not depend on"):
        (gx,) = pg.grad(pg.argmax(x, axis=1).sum(), [x])
    np.testing.assert_array_equal(pg.compile(gx)(x=np.ones((3, 4))), np.zeros((3, 4)))


def _eager_message(fn, *args, **kwargs) -> str:
    with pytest.raises((ValueError, TypeError)) as info:
        fn(*args, **kwargs)
    return str(info.value)


# (id, graph builder, eager call, input shape): the graph raises the eager op's message
ERRORS = [
    ("permute_len", lambda x: pg.permute(x, (0, 1)), lambda x: pg.ops.permute(x, (0, 1)),
     (2, 3, 4)),
    ("permute_repeat", lambda x: pg.permute(x, (0, 1, 1)), lambda x: pg.ops.permute(x, (0, 1, 1)),
     (2, 3, 4)),
    ("flatten_axis", lambda x: pg.flatten(x, 3), lambda x: pg.ops.flatten(x, 3), (2, 3)),
    ("flatten_order", lambda x: pg.flatten(x, 2, 1), lambda x: pg.ops.flatten(x, 2, 1), (2, 3, 4)),
    ("pad_odd", lambda x: pg.pad(x, (1, 2, 3)), lambda x: pg.ops.pad(x, (1, 2, 3)), (2, 3)),
    ("pad_axes", lambda x: pg.pad(x, (1,) * 6), lambda x: pg.ops.pad(x, (1,) * 6), (2, 3)),
    ("pad_reflect", lambda x: pg.pad(x, (3, 0), mode="reflect"),
     lambda x: pg.ops.pad(x, (3, 0), mode="reflect"), (2, 3)),
    ("pad_negative", lambda x: pg.pad(x, (-2, -2)), lambda x: pg.ops.pad(x, (-2, -2)), (2, 3)),
    ("pad_mode", lambda x: pg.pad(x, (1, 1), mode="circular"),
     lambda x: pg.ops.pad(x, (1, 1), mode="circular"), (2, 3)),
    ("amax_axis", lambda x: pg.amax(x, axis=2), lambda x: pg.ops.amax(x, axis=2), (2, 3)),
    ("amin_twice", lambda x: pg.amin(x, axis=(0, -2)), lambda x: pg.ops.amin(x, axis=(0, -2)),
     (2, 3)),
    ("amax_empty", lambda x: pg.amax(x, axis=1), lambda x: pg.ops.amax(x, axis=1), (2, 0)),
    ("argmax_axis", lambda x: pg.argmax(x, axis=-3), lambda x: pg.ops.argmax(x, axis=-3), (2, 3)),
    ("argmin_empty", pg.argmin, pg.ops.argmin, (0, 3)),
]  # fmt: skip


@pytest.mark.parametrize("name,build,eager,shape", ERRORS, ids=[c[0] for c in ERRORS])
def test_build_errors_match_eager(name, build, eager, shape):
    message = _eager_message(eager, np.zeros(shape, np.float32))
    assert name.split("_")[0] in message
    x = pg.input(shape, name="x")
    with pytest.raises((ValueError, TypeError)) as info:
        build(x)
    assert str(info.value).startswith(message), (str(info.value), message)
    assert "(at test_graph_movement.py:" in str(info.value)


def test_concat_build_errors_name_op_and_shapes():
    a, b = pg.input((2, 3), name="a"), pg.input((2, 4), name="b")
    eager = _eager_message(
        pg.ops.concat, [np.zeros((2, 3), np.float32), np.zeros((2, 4), np.float32)], axis=0
    )
    with pytest.raises(ValueError) as info:
        pg.concat([a, b], axis=0)
    assert str(info.value).startswith(eager)
    assert "concat: tensors[1] has shape (2, 4) but tensors[0] has shape (2, 3)" in eager
    with pytest.raises(ValueError, match=r"concat: tensors\[1\] has 1 dims \(shape \(3,\)\)"):
        pg.concat([a, pg.input((3,), name="c")], axis=1)
    with pytest.raises(TypeError, match="concat: tensors\\[1\\] is float64 but tensors\\[0\\]"):
        pg.concat([a, pg.input((2, 3), F64, name="d")])
    with pytest.raises(ValueError, match="concat: axis = 2 is out of range .* shape \\(2, 3\\)"):
        pg.cat([a, b], 2)
    with pytest.raises(ValueError, match="concat: tensors is empty"):
        pg.concat([])
    with pytest.raises(TypeError, match="concat: tensors must be a list"):
        pg.concat(a)


def test_reductions_reject_int64():
    x = pg.input((2, 3), "int64", name="x")
    with pytest.raises(TypeError, match=r"amax: input must be float32 or float64, got int64"):
        pg.amax(x)
    with pytest.raises(TypeError, match=r"argmin: input must be float32 or float64, got int64"):
        pg.argmin(x)


def test_ir_names_the_ops_and_gradient_ops():
    x = pg.input((2, 3), name="x")
    y = pg.amax(pg.pad(pg.concat([x, x], axis=1), (1, 1)), axis=0).sum()
    (gx,) = pg.grad(y, [x])
    assert "= amax(" in pg.ir(y)
    text = pg.ir(gx)  # the gradient needs x, not amax's output
    for op in ("concat", "pad", "amax_backward", "pad_backward", "slice"):
        assert f"= {op}(" in text, (op, text)


def test_gradient_ops_check_their_shapes():
    x = pg.input((2, 5), name="x")
    g = x.graph
    with pytest.raises(ValueError, match=r"slice: \[3:7\] is not a range within axis 1 of size 5"):
        g.add("slice", [x.id], {"axis": 1, "start": 3, "stop": 7}, "")
    (s,) = g.add("slice", [x.id], {"axis": -1, "start": 1, "stop": 4}, "")
    assert tuple(g.value(s)["shape"]) == (2, 3)
    with pytest.raises(
        ValueError, match=r"pad_backward: grad_output has shape \(2, 5\) but the padded output"
    ):
        g.add("pad_backward", [x.id], {"shape": [2, 4], "pad": [1, 1], "mode": "constant"}, "")
    y = pg.input((2,), name="y")
    with pytest.raises(
        ValueError, match=r"amax_backward: grad_output has shape \(2,\) but the forward output"
    ):
        g.add("amax_backward", [y.id, x.id], {"axis": [0], "keepdims": 0}, "")
