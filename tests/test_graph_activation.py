"""Activation ops in the graph: compiled results equal the eager pg.ops ones, gradients (first
and second order) match float64 central differences, bad shapes fail when the node is built.
"""

from __future__ import annotations

import numpy as np
import pytest

import pygraph as pg
from conftest import central_difference, torch_or_skip

F64 = "float64"


# (id, op, attributes, input shape, input domain); the graph op is pg.<op>, the eager one
# pg.ops.<op> (and pg.ops.<op>_backward), with the same attributes.
UNARY = [
    ("leaky_relu", "leaky_relu", {}, (3, 5), (-2, 2)),
    ("leaky_relu_0.2", "leaky_relu", {"negative_slope": 0.2}, (2, 3, 4), (-2, 2)),
    ("elu", "elu", {}, (3, 5), (-3, 2)),
    ("elu_0.5", "elu", {"alpha": 0.5}, (7,), (-3, 2)),
    ("selu", "selu", {}, (3, 5), (-3, 2)),
    ("gelu", "gelu", {}, (3, 5), (-4, 4)),
    ("gelu_tanh", "gelu", {"approximate": "tanh"}, (2, 9), (-4, 4)),
    ("silu", "silu", {}, (3, 5), (-6, 6)),
    ("swish", "swish", {}, (4,), (-6, 6)),
    ("softplus", "softplus", {}, (3, 5), (-5, 5)),
    ("softplus_2_3", "softplus", {"beta": 2.0, "threshold": 3.0}, (4, 6), (-3, 3)),
    ("sqrt", "sqrt", {}, (3, 5), (0.2, 4)),
    ("abs", "abs", {}, (3, 5), (-2, 2)),
    ("erf", "erf", {}, (3, 5), (-2.5, 2.5)),
    ("maxout", "maxout", {"pieces": 2}, (2, 6, 3), (-2, 2)),
    ("maxout_last", "maxout", {"pieces": 3, "axis": -1}, (2, 3, 6), (-2, 2)),
    ("maxout_axis0", "maxout", {"pieces": 4, "axis": 0}, (8, 3), (-2, 2)),
]
IDS = [u[0] for u in UNARY]


@pytest.mark.parametrize("name,op,attrs,shape,domain", UNARY, ids=IDS)
def test_compiled_equals_eager_float32(name, op, attrs, shape, domain, rng):
    x0 = rng.uniform(*domain, shape).astype(np.float32)
    x = pg.input(shape, name="x")
    y = getattr(pg, op)(x, **attrs)
    want = getattr(pg.ops, op)(x0, **attrs)
    assert y.shape == want.shape and y.dtype == "float32"
    np.testing.assert_array_equal(pg.compile(y)(x=x0), want)


@pytest.mark.parametrize("name,op,attrs,shape,domain", UNARY, ids=IDS)
def test_gradient_matches_central_differences(name, op, attrs, shape, domain, rng):
    x0 = rng.uniform(*domain, shape)
    x = pg.input(shape, F64, name="x")
    y = getattr(pg, op)(x, **attrs)
    r = rng.standard_normal(y.shape)  # a random projection makes the loss scalar
    loss = (y * pg.constant(r, F64)).sum()
    (gx,) = pg.grad(loss, [x])
    gx_v = pg.compile(gx)(x=x0)
    f = pg.compile(loss)
    numeric = central_difference(lambda v: float(f(x=v)), x0.copy())
    np.testing.assert_allclose(gx_v, numeric, rtol=1e-6, atol=1e-8)
    # the composed gradient also equals the eager backward kernel
    (want,) = getattr(pg.ops, op + "_backward")(r, x0, **attrs)
    np.testing.assert_allclose(gx_v, want, rtol=1e-10, atol=1e-12)


# smooth (or piecewise smooth) ops whose gradient is built from differentiable graph ops
SECOND_ORDER = ["elu", "selu", "gelu", "gelu_tanh", "silu", "softplus", "softplus_2_3", "sqrt",
                "erf"]  # fmt: skip


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_second_order_gradient(name, rng):
    _, op, attrs, shape, domain = UNARY[IDS.index(name)]
    x0 = rng.uniform(*domain, shape)
    x = pg.input(shape, F64, name="x")
    loss = (getattr(pg, op)(x, **attrs) * pg.constant(rng.standard_normal(shape), F64)).sum()
    (gx,) = pg.grad(loss, [x])
    v = rng.standard_normal(shape)
    (hv,) = pg.grad((gx * pg.constant(v, F64)).sum(), [x])  # H v, H diagonal here
    g = pg.compile(gx)
    eps = 1e-6
    numeric = (g(x=x0 + eps * v) - g(x=x0 - eps * v)) / (2 * eps)
    np.testing.assert_allclose(pg.compile(hv)(x=x0), numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("xshape,wshape", [((2, 3, 4), (3,)), ((4, 5), (1,)), ((2, 3), (1,)),
                                           ((6,), (1,))])  # fmt: skip
def test_prelu_forward_and_gradients(xshape, wshape, rng):
    x0, w0 = rng.uniform(-2, 2, xshape), rng.uniform(0, 0.5, wshape)
    x32, w32 = x0.astype(np.float32), w0.astype(np.float32)
    x, w = pg.input(xshape, name="x"), pg.input(wshape, name="w")
    np.testing.assert_array_equal(pg.compile(pg.prelu(x, w))(x=x32, w=w32), pg.ops.prelu(x32, w32))
    pg.new_graph()
    x, w = pg.input(xshape, F64, name="x"), pg.input(wshape, F64, name="w")
    r = rng.standard_normal(xshape)
    loss = (pg.prelu(x, w) * pg.constant(r, F64)).sum()
    gx, gw = pg.grad(loss, [x, w])
    assert gx.shape == xshape and gw.shape == wshape
    f = pg.compile(loss)
    gx_v, gw_v = pg.compile([gx, gw])(x=x0, w=w0)
    np.testing.assert_allclose(
        gx_v, central_difference(lambda v: float(f(x=v, w=w0)), x0.copy()), rtol=1e-6, atol=1e-8
    )
    np.testing.assert_allclose(
        gw_v, central_difference(lambda v: float(f(x=x0, w=v)), w0.copy()), rtol=1e-6, atol=1e-8
    )
    want_gx, want_gw = pg.ops.prelu_backward(r, x0, w0)
    np.testing.assert_allclose(gx_v, want_gx, rtol=1e-12)
    np.testing.assert_allclose(gw_v, np.reshape(want_gw, wshape), rtol=1e-12)


def test_second_order_through_prelu_and_maxout(rng):
    """H v for a parameter feeding prelu's weight and maxout (maxout_backward's own gradient)."""
    x0 = rng.uniform(-2, 2, (3, 4, 2))
    x = pg.input((3, 4, 2), F64, name="x")
    s = pg.param((4, 1), init=rng.uniform(0.5, 1.5, (4, 1)), name="s", dtype=F64)
    a = pg.param((4,), init=rng.uniform(0.1, 0.4, 4), name="a", dtype=F64)
    h = pg.maxout(pg.prelu(x * s, a), 2)  # (3, 2, 2)
    loss = (h * h * pg.constant(rng.standard_normal(h.shape), F64)).sum()
    for p in (s, a):
        (gp,) = pg.grad(loss, [p])
        v = rng.standard_normal(p.shape)
        (hv,) = pg.grad((gp * pg.constant(v, F64)).sum(), [p])
        g, p0, eps = pg.compile(gp), p.value, 1e-6
        p.value = p0 + eps * v
        hi = g(x=x0)
        p.value = p0 - eps * v
        lo = g(x=x0)
        p.value = p0
        np.testing.assert_allclose(pg.compile(hv)(x=x0), (hi - lo) / (2 * eps), rtol=1e-5,
                                   atol=1e-8)  # fmt: skip


@pytest.mark.parametrize("xshape,bias", [((5, 4), True), ((2, 3, 4), True), ((4,), False)])
def test_linear_forward_and_gradients(xshape, bias, rng):
    x0, w0, b0 = rng.standard_normal(xshape), rng.standard_normal((3, 4)), rng.standard_normal(3)
    x = pg.input(xshape, F64, name="x")
    w = pg.param((3, 4), init=w0, name="w", dtype=F64)
    b = pg.param((3,), init=b0, name="b", dtype=F64) if bias else None
    y = pg.linear(x, w, b)
    want = x0 @ w0.T + (b0 if bias else 0)
    assert y.shape == want.shape
    np.testing.assert_allclose(pg.compile(y)(x=x0), want, rtol=1e-12)
    loss = (y * pg.constant(rng.standard_normal(want.shape), F64)).sum()
    params = [w, b] if bias else [w]
    grads = pg.compile(pg.grad(loss, [x, *params]))(x=x0)
    f = pg.compile(loss)
    np.testing.assert_allclose(grads[0], central_difference(lambda v: float(f(x=v)), x0.copy()),
                               rtol=1e-6, atol=1e-8)  # fmt: skip
    for p, gp in zip(params, grads[1:]):
        p0 = p.value

        def at(v, p=p):
            p.value = v
            return float(f(x=x0))

        numeric = central_difference(at, p0.copy())
        p.value = p0
        np.testing.assert_allclose(gp, numeric, rtol=1e-6, atol=1e-8)


def test_linear_and_activations_match_torch(rng):
    torch = torch_or_skip()
    tf = torch.nn.functional
    x0 = rng.standard_normal((4, 6)).astype(np.float32)
    w0, b0 = rng.standard_normal((5, 6)).astype(np.float32), rng.standard_normal(5).astype("f4")
    x = pg.input((4, 6), name="x")
    w, b = pg.param((5, 6), init=w0, name="w"), pg.param((5,), init=b0, name="b")
    h = pg.linear(x, w, b)
    y = pg.softplus(pg.gelu(pg.elu(pg.silu(h)), approximate="tanh"), beta=2.0).mean()
    out, gw = pg.compile([y, *pg.grad(y, [w])])(x=x0)
    tw = torch.tensor(w0, requires_grad=True)
    th = tf.linear(torch.tensor(x0), tw, torch.tensor(b0))
    ty = tf.softplus(tf.gelu(tf.elu(tf.silu(th)), approximate="tanh"), beta=2.0).mean()
    ty.backward()
    np.testing.assert_allclose(out, ty.item(), rtol=1e-5)
    np.testing.assert_allclose(gw, tw.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_build_time_errors_name_op_and_shapes():
    x = pg.input((2, 3, 4), name="x")
    with pytest.raises(ValueError, match=r"prelu: weight has shape \(4,\) but input \(2, 3, 4\) "
                                         r"has 3 channels along axis 1"):  # fmt: skip
        pg.prelu(x, pg.input((4,), name="w"))
    with pytest.raises(TypeError, match=r"prelu: weight is float64 but input is float32"):
        pg.prelu(x, pg.input((3,), F64, name="w64"))
    msg = r"maxout: input \(2, 3, 4\) has 3 channels along axis 1, not divisible by pieces=2"
    with pytest.raises(ValueError, match=msg + r" \(at test_graph_activation.py:\d+\)"):
        pg.maxout(x, 2)
    with pytest.raises(ValueError, match=r"maxout: axis 3 is out of range for input of shape "
                                         r"\(2, 3, 4\)"):  # fmt: skip
        pg.maxout(x, 2, axis=3)
    with pytest.raises(ValueError, match=r"maxout: pieces must be positive, got 0"):
        pg.maxout(x, 0)
    with pytest.raises(ValueError, match=r"gelu: approximate must be 'none' or 'tanh', got 'erf'"):
        pg.gelu(x, approximate="erf")
    with pytest.raises(ValueError, match=r"softplus: beta must be nonzero"):
        pg.softplus(x, beta=0.0)
    with pytest.raises(ValueError, match=r"linear: input has shape \(2, 3, 4\) and weight has "
                                         r"shape \(4, 5\)"):  # fmt: skip
        pg.linear(x, pg.param((4, 5), name="w45"))
    with pytest.raises(ValueError, match=r"linear: bias has shape \(4,\) but weight \(5, 4\)"):
        pg.linear(x, pg.param((5, 4), name="w54"), pg.param((4,), name="b4"))
