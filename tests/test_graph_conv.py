"""Conv and pool ops in the graph: compiled results equal the eager pg.ops ones, gradients
(backward nodes) match float64 central differences, and shape errors come at build time with
the eager layer's message plus the line that built the node.
"""

from __future__ import annotations

import numpy as np
import pytest

import pygraph as pg
from conftest import central_difference

F64 = "float64"


# (id, function name in pg and pg.ops, input shapes (input, weight, bias...), keyword args)
CASES = [
    ("conv1d", "conv1d", [(2, 4, 9), (6, 2, 3), (6,)], dict(stride=2, padding=1, groups=2)),
    ("conv2d", "conv2d", [(2, 3, 7, 6), (4, 3, 3, 2), (4,)],
     dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2))),
    ("conv2d_same_nobias", "conv2d", [(1, 2, 5, 6), (3, 2, 2, 3)], dict(padding="same")),
    ("conv2d_depthwise", "conv2d", [(1, 3, 6, 5), (3, 1, 3, 3), (3,)], dict(groups=3, padding=1)),
    ("conv3d", "conv3d", [(1, 2, 4, 5, 5), (3, 2, 2, 3, 3), (3,)], dict(padding=(0, 1, 1))),
    ("conv_transpose1d", "conv_transpose1d", [(2, 4, 5), (4, 3, 3), (6,)],
     dict(stride=2, padding=1, output_padding=1, groups=2)),
    ("conv_transpose2d", "conv_transpose2d", [(1, 4, 4, 5), (4, 3, 3, 2), (3,)],
     dict(stride=2, padding=1, output_padding=(1, 0))),
    ("conv_transpose2d_dil", "conv_transpose2d", [(2, 2, 3, 3), (2, 2, 2, 2)],
     dict(dilation=2, stride=(1, 2))),
    ("conv_transpose3d", "conv_transpose3d", [(1, 2, 3, 3, 2), (2, 2, 2, 2, 2), (2,)],
     dict(stride=2)),
    ("max_pool1d", "max_pool1d", [(2, 3, 10)], dict(kernel_size=3, stride=2, padding=1)),
    ("max_pool2d", "max_pool2d", [(2, 3, 7, 8)], dict(kernel_size=3, stride=2, padding=1)),
    ("max_pool2d_dil_ceil", "max_pool2d", [(1, 2, 8, 7)],
     dict(kernel_size=2, stride=2, dilation=2, ceil_mode=True)),
    ("avg_pool1d", "avg_pool1d", [(2, 3, 9)],
     dict(kernel_size=4, stride=2, padding=2, ceil_mode=True, count_include_pad=False)),
    ("avg_pool2d", "avg_pool2d", [(2, 2, 7, 6)], dict(kernel_size=(3, 2), padding=(1, 0))),
    ("avg_pool2d_divisor", "avg_pool2d", [(1, 3, 5, 5)],
     dict(kernel_size=2, stride=1, divisor_override=3)),
    ("adaptive_avg_pool1d", "adaptive_avg_pool1d", [(2, 3, 7)], dict(output_size=3)),
    ("adaptive_avg_pool2d", "adaptive_avg_pool2d", [(1, 2, 7, 5)], dict(output_size=(3, None))),
    ("global_avg_pool2d", "global_avg_pool2d", [(2, 3, 4, 5)], {}),
    ("global_max_pool2d", "global_max_pool2d", [(2, 3, 4, 5)], {}),
]  # fmt: skip


def _unpool_graph(x, **kw):
    y, i = pg.max_pool2d(x, 2, return_indices=True)
    return pg.max_unpool2d(y, i, 2, **kw)


def _unpool_eager(x, **kw):
    return pg.ops.max_unpool2d(*pg.ops.max_pool2d(x, 2, return_indices=True), 2, **kw)


def _build(fn: str, shapes, kw, dtype):
    names = ["x", "w", "b"][: len(shapes)]
    ts = [pg.input(s, dtype, name=n) for n, s in zip(names, shapes)]
    graph_fn = _unpool_graph if fn == "max_unpool2d" else getattr(pg, fn)
    return names, ts, graph_fn(*ts, **kw)


UNPOOL = [
    ("max_unpool2d", "max_unpool2d", [(2, 2, 6, 8)], {}),
    ("max_unpool2d_size", "max_unpool2d", [(1, 2, 5, 5)], dict(output_size=(5, 5))),
]
ALL = CASES + UNPOOL


@pytest.mark.parametrize("case", ALL, ids=[c[0] for c in ALL])
def test_compiled_equals_eager(case, rng):
    _, fn, shapes, kw = case
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    names, _, y = _build(fn, shapes, kw, "float32")
    eager = _unpool_eager if fn == "max_unpool2d" else getattr(pg.ops, fn)
    expected = eager(*arrays, **kw)
    assert y.shape == expected.shape and y.dtype == "float32"
    got = pg.compile(y)(**dict(zip(names, arrays)))
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("case", ALL, ids=[c[0] for c in ALL])
def test_gradients_match_central_differences(case, rng):
    _, fn, shapes, kw = case
    arrays = [rng.standard_normal(s) for s in shapes]
    names, ts, y = _build(fn, shapes, kw, F64)
    loss = (y * pg.constant(rng.standard_normal(y.shape), F64)).sum()
    grads = pg.grad(loss, ts)
    f = pg.compile(loss)
    feeds = dict(zip(names, arrays))
    got = pg.compile(grads)(**feeds)
    for name, g in zip(names, got):

        def at(v, name=name):
            return float(f(**{**feeds, name: v}))

        numeric = central_difference(at, feeds[name].copy())
        np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-8, err_msg=name)


SECOND_ORDER = [c for c in ALL if c[1].startswith(("conv", "max_", "global_max"))]


@pytest.mark.parametrize("case", SECOND_ORDER, ids=[c[0] for c in SECOND_ORDER])
def test_second_order_through_backward_ops(case, rng):
    """Gradients of gradients (the backward ops' own rules): d/dz sum_i <dL/dz_i, v_i> for
    every input z, with a loss that is not linear (y*y) so that every term matters."""
    _, fn, shapes, kw = case
    names, ts, y = _build(fn, shapes, kw, F64)
    loss = (y * y * pg.constant(rng.standard_normal(y.shape), F64)).sum()
    first = pg.grad(loss, ts)
    dot = sum((g * pg.constant(rng.standard_normal(g.shape), F64)).sum() for g in first)
    second = pg.grad(dot, ts)
    feeds = dict(zip(names, [rng.standard_normal(s) for s in shapes]))
    f = pg.compile(dot)
    for name, g in zip(names, pg.compile(second)(**feeds)):

        def at(v, name=name):
            return float(f(**{**feeds, name: v}))

        numeric = central_difference(at, feeds[name].copy())
        np.testing.assert_allclose(g, numeric, rtol=1e-5, atol=1e-5, err_msg=name)


def test_gradients_are_backward_nodes():
    x = pg.input((1, 2, 6, 6), name="x")
    w = pg.param((3, 2, 3, 3), name="w")
    b = pg.param((3,), init="zeros", name="b")
    loss = pg.max_pool2d(pg.conv2d(x, w, b, padding=1), 2).sum()
    gw, gb = pg.grad(loss, [w, b])
    assert gw.shape == (3, 2, 3, 3) and gb.shape == (3,)
    ops = [line.split(" = ")[1].split("(")[0] for line in pg.ir(gw, gb).splitlines()[3:]]
    assert "conv_backward" in ops and "max_pool_backward" in ops
    assert "conv_backward" not in dir(pg) and "max_pool_backward" not in dir(pg)


def test_max_pool_indices_output(rng):
    x0 = rng.standard_normal((2, 3, 6, 7)).astype(np.float32)
    x = pg.input(x0.shape, name="x")
    y, i = pg.max_pool2d(x, 3, stride=2, padding=1, return_indices=True)
    assert i.dtype == "int64" and i.shape == y.shape
    ey, ei = pg.ops.max_pool2d(x0, 3, stride=2, padding=1, return_indices=True)
    gy, gi = pg.compile([y, i])(x=x0)
    np.testing.assert_array_equal(gy, ey)
    np.testing.assert_array_equal(gi, ei)
    # indices fed from outside the graph
    v, idx = pg.input(ey.shape, name="v"), pg.input(ei.shape, "int64", name="idx")
    out = pg.compile(pg.max_unpool2d(v, idx, 3, stride=2, padding=1, output_size=(6, 7)))
    expected = pg.ops.max_unpool2d(ey, ei, 3, stride=2, padding=1, output_size=(6, 7))
    np.testing.assert_array_equal(out(v=ey, idx=ei), expected)


# Gradients of the linear backward ops (second order through avg/adaptive/global average pools).
SECOND = [
    ("avg_pool2d", lambda x: pg.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)),
    ("avg_pool1d", lambda x: pg.avg_pool1d(x, 2)),
    ("adaptive_avg_pool2d", lambda x: pg.adaptive_avg_pool2d(x, (2, 3))),
    ("adaptive_avg_pool1d", lambda x: pg.adaptive_avg_pool1d(x, 4)),
    ("global_avg_pool2d", pg.global_avg_pool2d),
]


@pytest.mark.parametrize("name,build", SECOND, ids=[s[0] for s in SECOND])
def test_gradient_of_the_backward_op(name, build, rng):
    shape = (1, 2, 5) if name.endswith("1d") else (1, 2, 5, 6)
    x = pg.input(shape, F64, name="x")
    s = pg.input(build(x).shape, F64, name="s")
    (gx,) = pg.grad(build(x), [x], grad_outputs=s)  # linear in s
    loss = (gx * pg.constant(rng.standard_normal(shape), F64)).sum()
    (gs,) = pg.grad(loss, [s])
    x0, s0 = rng.standard_normal(shape), rng.standard_normal(s.shape)
    f = pg.compile(loss)
    numeric = central_difference(lambda v: float(f(x=x0, s=v)), s0.copy())
    np.testing.assert_allclose(pg.compile(gs)(x=x0, s=s0), numeric, rtol=1e-6, atol=1e-8)


# (function, input shapes, kwargs): each is rejected by the eager op too
BAD = [
    ("conv2d", [(1, 4, 8, 8), (2, 3, 3, 3)], {}),
    ("conv2d", [(1, 4, 8, 8), (2, 4, 3, 3), (3,)], {}),
    ("conv1d", [(1, 2, 3), (2, 2, 5)], {}),
    ("conv3d", [(1, 2, 4, 4), (2, 2, 1, 1, 1)], {}),
    ("conv2d", [(1, 2, 8, 8), (2, 2, 3, 3)], dict(padding="same", stride=2)),
    ("conv_transpose2d", [(1, 3, 4, 4), (2, 3, 3, 3)], {}),
    ("conv_transpose2d", [(1, 2, 4, 4), (2, 3, 3, 3)], dict(stride=2, output_padding=2)),
    ("max_pool2d", [(1, 1, 2, 2)], dict(kernel_size=3)),
    ("max_pool1d", [(1, 1, 8)], dict(kernel_size=2, padding=2)),
    ("max_pool2d", [(1, 1, 4, 4)], dict(kernel_size=2, padding=1, dilation=5, stride=1)),
    ("avg_pool1d", [(1, 3, 8, 8)], dict(kernel_size=2)),
    ("avg_pool2d", [(1, 1, 4, 4)], dict(kernel_size=2, divisor_override=-1)),
    ("adaptive_avg_pool2d", [(1, 1, 4, 4)], dict(output_size=(0, 2))),
    ("global_max_pool2d", [(1, 3, 4)], {}),
]  # fmt: skip


@pytest.mark.parametrize("fn,shapes,kw", BAD, ids=[f"{b[0]}-{k}" for k, b in enumerate(BAD)])
def test_build_time_errors_match_eager(fn, shapes, kw):
    arrays = [np.ones(s, np.float32) for s in shapes]
    with pytest.raises((ValueError, TypeError)) as eager:
        getattr(pg.ops, fn)(*arrays, **kw)
    ts = [pg.input(s, name=n) for n, s in zip("xwb", shapes)]
    with pytest.raises(type(eager.value)) as built:
        getattr(pg, fn)(*ts, **kw)
    message = str(built.value)
    assert message.startswith(str(eager.value)), (message, str(eager.value))
    assert fn in message and "(at test_graph_conv.py:" in message


def test_conv_error_names_op_shapes_and_line():
    x, w = pg.input((1, 4, 8, 8), name="x"), pg.input((2, 3, 3, 3), name="w")
    with pytest.raises(ValueError, match=r"conv2d: weight has 3 input channels per group but "
                       r"input has 4 channels \(input \(1, 4, 8, 8\), weight \(2, 3, 3, 3\), "
                       r"groups=1\) \(at test_graph_conv.py:\d+\)"):  # fmt: skip
        pg.conv2d(x, w)


def test_max_unpool_errors():
    x = pg.input((1, 2, 3, 3), name="x")
    y, i = pg.max_pool2d(x, 2, stride=1, return_indices=True)
    with pytest.raises(ValueError, match=r"max_unpool2d: output_size \(9, 9\) must lie strictly "
                       r"within one stride of the default size \(3 \+- 1\)"):  # fmt: skip
        pg.max_unpool2d(y, i, 2, stride=1, output_size=(9, 9))
    with pytest.raises(TypeError, match=r"max_unpool2d: indices must be int64, got float32"):
        pg.max_unpool2d(y, y, 2, stride=1)
