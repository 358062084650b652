"""Eltwise family: activations, arithmetic with broadcasting, prelu, maxout.

Oracles: numpy/scipy formulas in double -> our float64 reference -> every SIMD variant at
lengths around the vector widths; float64 backward -> central differences; torch forward and
backward on random inputs; accuracy sweeps of the vectorised exp/tanh/erf/log.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

import pygraph as pg
from conftest import SUPPORTED, torch_or_skip

ops = pg.ops
LENGTHS = [1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 1000]
SELU_A, SELU_S = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _sig(x):
    return special.expit(x)


def _softplus(x, beta=1.0, threshold=20.0):
    return np.where(beta * x > threshold, x, np.logaddexp(0, beta * x) / beta)


def _gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))


# name -> (pygraph forward, pygraph backward, numpy forward in double, numpy derivative)
ACTS = {
    "relu": (ops.relu, ops.relu_backward, lambda x: np.maximum(x, 0), lambda x: (x > 0) * 1.0),
    "leaky_relu": (
        lambda x: ops.leaky_relu(x, 0.2),
        lambda g, x: ops.leaky_relu_backward(g, x, 0.2),
        lambda x: np.where(x > 0, x, 0.2 * x),
        lambda x: np.where(x > 0, 1.0, 0.2),
    ),
    "elu": (
        lambda x: ops.elu(x, 1.5),
        lambda g, x: ops.elu_backward(g, x, 1.5),
        lambda x: np.where(x > 0, x, 1.5 * np.expm1(x)),
        lambda x: np.where(x > 0, 1.0, 1.5 * np.exp(x)),
    ),
    "selu": (
        ops.selu,
        ops.selu_backward,
        lambda x: SELU_S * np.where(x > 0, x, SELU_A * np.expm1(x)),
        lambda x: SELU_S * np.where(x > 0, 1.0, SELU_A * np.exp(x)),
    ),
    "gelu": (
        ops.gelu,
        ops.gelu_backward,
        lambda x: 0.5 * x * special.erfc(-x / np.sqrt(2)),
        lambda x: 0.5 * special.erfc(-x / np.sqrt(2)) + x * np.exp(-x * x / 2) / np.sqrt(2 * np.pi),
    ),
    "gelu_tanh": (
        lambda x: ops.gelu(x, approximate="tanh"),
        lambda g, x: ops.gelu_backward(g, x, approximate="tanh"),
        _gelu_tanh,
        None,
    ),
    "silu": (ops.silu, ops.silu_backward, lambda x: x * _sig(x),
             lambda x: _sig(x) * (1 + x * (1 - _sig(x)))),
    "sigmoid": (ops.sigmoid, ops.sigmoid_backward, _sig, lambda x: _sig(x) * _sig(-x)),
    "tanh": (ops.tanh, ops.tanh_backward, np.tanh, lambda x: 1 / np.cosh(x) ** 2),
    "erf": (ops.erf, ops.erf_backward, special.erf,
            lambda x: 2 / np.sqrt(np.pi) * np.exp(-x * x)),
    "softplus": (
        lambda x: ops.softplus(x, beta=2.0, threshold=5.0),
        lambda g, x: ops.softplus_backward(g, x, beta=2.0, threshold=5.0),
        lambda x: _softplus(x, 2.0, 5.0),
        lambda x: np.where(2 * x > 5, 1.0, _sig(2 * x)),
    ),
    "exp": (ops.exp, ops.exp_backward, np.exp, np.exp),
    "log": (ops.log, ops.log_backward, np.log, lambda x: 1 / x),
    "sqrt": (ops.sqrt, ops.sqrt_backward, np.sqrt, lambda x: 0.5 / np.sqrt(x)),
    "neg": (ops.neg, ops.neg_backward, np.negative, lambda x: -np.ones_like(x)),
    "abs": (ops.abs, ops.abs_backward, np.abs, np.sign),
}  # fmt: skip
POSITIVE = {"log", "sqrt"}


def _inputs(name: str, n: int, rng, dtype=np.float32) -> np.ndarray:
    x = rng.uniform(-6, 6, n)
    if name in POSITIVE:
        x = np.abs(x) + 0.05
    return x.astype(dtype)


def _derivative(name, x):
    d = ACTS[name][3]
    if d is not None:
        return d(x)
    h = 1e-6  # gelu_tanh: central difference of the double formula
    return (ACTS[name][2](x + h) - ACTS[name][2](x - h)) / (2 * h)


# ---- forward and backward against numpy, at every ISA level and around the widths ----


@pytest.mark.parametrize("name", ACTS)
def test_forward_matches_numpy_and_ref(isa, rng, name):
    fwd, _, ref, _ = ACTS[name]
    for n in LENGTHS:
        x = _inputs(name, n, rng)
        y = fwd(x)
        assert y.dtype == np.float32 and y.shape == x.shape
        # float32 result vs the double formula: a few ulp of the output, plus one of the input
        np.testing.assert_allclose(y, ref(x.astype(np.float64)), rtol=2e-6, atol=1e-7)
        level = pg.active_isa()
        pg.set_isa("ref")
        y_ref = fwd(x)
        pg.set_isa(level)
        np.testing.assert_allclose(y, y_ref, rtol=1e-6, atol=1e-7)  # SIMD math vs libm


@pytest.mark.parametrize("name", ACTS)
def test_backward_matches_numpy_and_ref(isa, rng, name):
    _, bwd, _, _ = ACTS[name]
    for n in LENGTHS:
        x = _inputs(name, n, rng)
        g = rng.standard_normal(n).astype(np.float32)
        (gx,) = bwd(g, x)
        assert gx.dtype == np.float32 and gx.shape == x.shape
        want = g.astype(np.float64) * _derivative(name, x.astype(np.float64))
        np.testing.assert_allclose(gx, want, rtol=1e-5, atol=1e-6)
        level = pg.active_isa()
        pg.set_isa("ref")
        (gx_ref,) = bwd(g, x)
        pg.set_isa(level)
        np.testing.assert_allclose(gx, gx_ref, rtol=2e-6, atol=1e-7)


def test_simd_levels_agree_with_portable_to_one_ulp(rng):
    """avx2/avx512 run the same vmath algorithms as portable; only FMA contraction may differ."""
    big = np.geomspace(1e-40, 1e38, 500)
    x = np.concatenate([rng.uniform(-30, 30, 4000), rng.standard_normal(4000), big, -big])
    x = x.astype(np.float32)
    g = rng.standard_normal(x.size).astype(np.float32)
    levels = [lv for lv in ("portable", "avx2", "avx512") if lv in SUPPORTED]
    for name, (fwd, bwd, _, _) in ACTS.items():
        xi = np.abs(x) + 1e-30 if name in POSITIVE else x
        outs = []
        for level in levels:
            pg.set_isa(level)
            with np.errstate(all="ignore"):
                outs.append((fwd(xi), bwd(g, xi)[0]))
        for out in outs[1:]:
            for got, want in zip(out, outs[0]):
                np.testing.assert_allclose(got, want, rtol=1.2e-7, atol=1e-44, err_msg=name)


@pytest.mark.parametrize("name", ACTS)
def test_float64_backward_vs_central_differences(rng, name):
    fwd, bwd, _, _ = ACTS[name]
    x = _inputs(name, 64, rng, np.float64)
    x = x[np.abs(x) > 0.01]  # away from the kinks at 0
    if name == "softplus":
        x = x[np.abs(2 * x - 5) > 0.01]
    g = rng.standard_normal(x.shape)
    (gx,) = bwd(g, x)
    assert gx.dtype == np.float64
    h = 1e-6
    num = g * (fwd(x + h) - fwd(x - h)) / (2 * h)
    np.testing.assert_allclose(gx, num, rtol=1e-6, atol=1e-8)


def _numeric_grad(f, arr, g, h=1e-6):
    num = np.zeros_like(arr)
    for i in np.ndindex(arr.shape):
        p, m = arr.copy(), arr.copy()
        p[i] += h
        m[i] -= h
        num[i] = np.sum(g * (f(p) - f(m))) / (2 * h)
    return num


def test_prelu_and_maxout_float64_vs_central_differences(rng):
    x = rng.standard_normal((2, 3, 4))
    x[np.abs(x) < 0.01] = 0.5
    w = rng.uniform(0.05, 0.5, 3)
    g = rng.standard_normal(x.shape)
    gx, gw = ops.prelu_backward(g, x, w)
    np.testing.assert_allclose(gx, _numeric_grad(lambda v: ops.prelu(v, w), x, g), rtol=1e-6)
    np.testing.assert_allclose(gw, _numeric_grad(lambda v: ops.prelu(x, v), w, g), rtol=1e-6)
    x = rng.permutation(48).reshape(2, 6, 4) / 7.0  # distinct values: no ties
    g = rng.standard_normal((2, 2, 4))
    (gx,) = ops.maxout_backward(g, x, 3)
    np.testing.assert_allclose(gx, _numeric_grad(lambda v: ops.maxout(v, 3), x, g), atol=1e-8)


# ---- accuracy sweeps of the vectorised math (relative error vs double) ----

SWEEPS = {
    "exp": (ops.exp, np.exp, [np.linspace(-87, 88, 400001)]),
    "tanh": (ops.tanh, np.tanh, [np.linspace(-20, 20, 400001), np.geomspace(1e-37, 1, 20001),
                               -np.geomspace(1e-37, 1, 20001)]),
    "erf": (ops.erf, special.erf, [np.linspace(-6, 6, 400001), np.geomspace(1e-37, 1, 20001)]),
    "log": (ops.log, np.log, [np.geomspace(1e-44, 3e38, 400001)]),
    "sigmoid": (ops.sigmoid, special.expit, [np.linspace(-87, 100, 400001)]),
    "gelu": (ops.gelu, ACTS["gelu"][2], [np.linspace(-9, 9, 400001)]),
    "softplus": (ops.softplus, _softplus, [np.linspace(-80, 30, 400001)]),
    "elu": (ops.elu, lambda x: np.where(x > 0, x, np.expm1(x)), [np.linspace(-20, 5, 400001)]),
}  # fmt: skip


@pytest.mark.parametrize("name", SWEEPS)
def test_relative_error_sweep(isa, name):
    fn, ref, pieces = SWEEPS[name]
    x = np.concatenate(pieces).astype(np.float32)
    want = ref(x.astype(np.float64))
    keep = np.abs(want) > 1.2e-38  # normal float results (subnormals have fewer bits)
    got = fn(x).astype(np.float64)
    err = np.abs(got[keep] - want[keep]) / np.abs(want[keep])
    # gelu's left tail x erfc(-x/sqrt2) has condition number ~x^2: rounding x/sqrt2 to float
    # alone costs x^2 * 6e-8 there, in libm's erfc as in ours
    limit = 1e-6 + (6e-8 * x[keep].astype(np.float64) ** 2 if name == "gelu" else 0)
    worst = np.argmax(err - limit)
    assert np.all(err <= limit), (name, isa, err[worst], x[keep][worst])


SPECIAL = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 1e30, -1e30, 3e38, -3e38, 1e-40, 89.0,
                    -89.0, -104.0], np.float32)  # fmt: skip


@pytest.mark.parametrize("name", ["exp", "tanh", "erf", "sigmoid", "softplus", "elu", "selu",
                                  "relu", "leaky_relu", "log", "sqrt", "abs"])  # fmt: skip
def test_special_values_like_libm(isa, name):
    fwd, _, ref, _ = ACTS[name]
    with np.errstate(all="ignore"):
        want = ref(SPECIAL.astype(np.float64)).astype(np.float32)
        got = fwd(SPECIAL)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=name)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-44, err_msg=name)


def test_sigmoid_silu_gelu_extremes_have_no_overflow(isa):
    x = np.array([-1e4, -200, -100, -88, 88, 100, 200, 1e4], np.float32)
    for fn in (
        ops.sigmoid,
        ops.silu,
        ops.gelu,
        ops.softplus,
        lambda v: ops.gelu(v, approximate="tanh"),
    ):
        y = fn(x)
        assert np.all(np.isfinite(y))
    for name in ("sigmoid", "silu", "gelu", "tanh", "softplus", "elu"):
        (g,) = ACTS[name][1](np.ones_like(x), x)
        assert np.all(np.isfinite(g)), name
    np.testing.assert_allclose(ops.sigmoid(x)[:2], 0, atol=0)
    np.testing.assert_allclose(ops.sigmoid(x)[-3:], 1, atol=0)


# ---- hand-checked examples ----


def test_hand_checked_values():
    x = np.array([-2.0, -0.5, 0.0, 1.0, 3.0])
    np.testing.assert_array_equal(ops.relu(x), [0, 0, 0, 1, 3])
    np.testing.assert_array_equal(ops.leaky_relu(x), [-0.02, -0.005, 0, 1, 3])
    np.testing.assert_array_equal(ops.relu_backward(np.ones(5), x)[0], [0, 0, 0, 1, 1])
    np.testing.assert_array_equal(
        ops.leaky_relu_backward(np.ones(5), x, 0.5)[0], [0.5, 0.5, 0.5, 1, 1]
    )
    np.testing.assert_allclose(ops.sigmoid(np.array([0.0, np.log(3)])), [0.5, 0.75])
    np.testing.assert_allclose(ops.tanh(np.array([np.log(2)])), [0.6])  # (4-1)/(4+1)
    np.testing.assert_allclose(ops.softplus(np.array([0.0, 30.0])), [np.log(2), 30.0])
    np.testing.assert_allclose(ops.elu(np.array([-np.log(2)]), alpha=2.0), [-1.0])
    np.testing.assert_allclose(ops.gelu(np.array([1.0])), [0.8413447460685429])
    np.testing.assert_allclose(ops.silu(np.array([np.log(3)])), [0.75 * np.log(3)])
    assert ops.swish is ops.silu


def test_prelu_and_maxout_by_hand():
    x = np.array([[[-2.0, 4.0]], [[-1.0, -3.0]]]).reshape(1, 2, 2)  # N=1, C=2, L=2
    w = np.array([0.5, 0.25])
    np.testing.assert_array_equal(ops.prelu(x, w), [[[-1.0, 4.0], [-0.25, -0.75]]])
    gx, gw = ops.prelu_backward(np.ones_like(x), x, w)
    np.testing.assert_array_equal(gx, [[[0.5, 1.0], [0.25, 0.25]]])
    np.testing.assert_array_equal(gw, [-2.0, -4.0])
    gx, gw = ops.prelu_backward(np.ones_like(x), x, np.array([0.1]))
    np.testing.assert_array_equal(gw, [-6.0])
    m = np.array([[1.0, 5.0, 2.0, 0.0, 7.0, 7.0]])
    np.testing.assert_array_equal(ops.maxout(m, 2), [[5.0, 2.0, 7.0]])
    np.testing.assert_array_equal(ops.maxout(m, 3), [[5.0, 7.0]])
    (g,) = ops.maxout_backward(np.array([[10.0, 20.0, 30.0]]), m, 2)
    np.testing.assert_array_equal(g, [[0, 10, 20, 0, 30, 0]])  # ties go to the first


def test_arithmetic_by_hand():
    a = np.array([[1.0], [2.0]])
    b = np.array([10.0, 20.0, 30.0])
    np.testing.assert_array_equal(ops.add(a, b), [[11, 21, 31], [12, 22, 32]])
    np.testing.assert_array_equal(ops.sub(a, b), [[-9, -19, -29], [-8, -18, -28]])
    np.testing.assert_array_equal(ops.mul(a, b), [[10, 20, 30], [20, 40, 60]])
    np.testing.assert_array_equal(ops.div(b, 10.0), [1, 2, 3])
    ga, gb = ops.mul_backward(np.ones((2, 3)), a, b)
    np.testing.assert_array_equal(ga, [[60.0], [60.0]])
    np.testing.assert_array_equal(gb, [3.0, 3.0, 3.0])
    ga, gb = ops.sub_backward(np.ones((2, 3)), a, b)
    np.testing.assert_array_equal(gb, [-2.0, -2.0, -2.0])
    assert ops.add(2.0, 3.0).shape == () and float(ops.add(2.0, 3.0)) == 5.0


# ---- broadcasting ----

SHAPES = [
    ((5,), (5,)), ((4, 5), ()), ((), (4, 5)), ((4, 5), (5,)), ((4, 5), (4, 1)), ((3, 1), (1, 4)),
    ((2, 3, 4, 5), (3, 1, 1)), ((2, 3, 4, 5), (1, 3, 1, 5)), ((1, 3, 1, 33), (2, 1, 7, 1)),
    ((8, 64, 5, 5), (64, 1, 1)), ((2, 1, 17), (2, 9, 17)), ((6, 1, 1, 1), (6, 2, 3, 4)),
    ((1,), (7, 1, 9)), ((300, 300), (300,)), ((2, 0, 3), (3,)), ((0,), (1,)),
]  # fmt: skip
NP_BINARY = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide}


def _sum_to(g, shape):
    g = g.sum(axis=tuple(range(g.ndim - len(shape))))
    return g.sum(axis=tuple(i for i, d in enumerate(shape) if d == 1), keepdims=True)


def _operands(rng, sa, sb, dtype):
    a = rng.uniform(0.5, 2.0, sa).astype(dtype) * rng.choice([-1, 1], sa)
    b = rng.uniform(0.5, 2.0, sb).astype(dtype) * rng.choice([-1, 1], sb)
    return np.asarray(a, dtype), np.asarray(b, dtype)


@pytest.mark.parametrize("op", NP_BINARY)
def test_broadcast_forward_and_backward_vs_numpy(isa, rng, op):
    for sa, sb in SHAPES:
        a, b = _operands(rng, sa, sb, np.float32)
        y = getattr(ops, op)(a, b)
        want = NP_BINARY[op](a, b)
        assert y.shape == want.shape and y.dtype == np.float32
        np.testing.assert_allclose(y, want, rtol=1e-6)
        g = rng.standard_normal(want.shape).astype(np.float32)
        ga, gb = getattr(ops, f"{op}_backward")(g, a, b)
        a64, b64, g64 = a.astype(float), b.astype(float), g.astype(float)
        da, db = {
            "add": (g64, g64),
            "sub": (g64, -g64),
            "mul": (g64 * b64, g64 * a64),
            "div": (g64 / b64, -g64 * a64 / b64**2),
        }[op]
        assert ga.shape == a.shape and gb.shape == b.shape
        k = max(1, g.size // max(1, a.size))  # terms per reduced sum
        np.testing.assert_allclose(ga, _sum_to(da, a.shape), rtol=1e-5, atol=1e-6 * k)
        k = max(1, g.size // max(1, b.size))
        np.testing.assert_allclose(gb, _sum_to(db, b.shape), rtol=1e-5, atol=1e-6 * k)


@pytest.mark.parametrize("op", NP_BINARY)
def test_broadcast_backward_float64_vs_central_differences(rng, op):
    a, b = _operands(rng, (3, 1, 4), (2, 1), np.float64)
    g = rng.standard_normal((3, 2, 4))
    ga, gb = getattr(ops, f"{op}_backward")(g, a, b)
    f = getattr(ops, op)
    for grad, num in ((ga, _numeric_grad(lambda v: f(v, b), a, g)),
                      (gb, _numeric_grad(lambda v: f(a, v), b, g))):  # fmt: skip
        np.testing.assert_allclose(grad, num, rtol=1e-6, atol=1e-8)


def test_large_arrays_same_result_for_one_and_two_threads(rng):
    x = rng.standard_normal(300_001).astype(np.float32)
    b = rng.standard_normal((64, 1, 1)).astype(np.float32)
    a = rng.standard_normal((4, 64, 32, 32)).astype(np.float32)
    before = pg.num_threads()
    outs = []
    for t in (1, 2):
        pg.set_num_threads(t)
        outs.append(
            (ops.gelu(x), ops.tanh_backward(x, x)[0], ops.add(a, b), ops.mul_backward(a, a, b)[1])
        )
    pg.set_num_threads(before)
    for u, v in zip(*outs):
        np.testing.assert_array_equal(u, v)
    np.testing.assert_allclose(outs[0][2], a + b, rtol=1e-6)


def test_empty_arrays_give_empty_results():
    e = np.zeros((0, 3), np.float32)
    assert ops.relu(e).shape == (0, 3)
    assert ops.gelu_backward(e, e)[0].shape == (0, 3)
    assert ops.add(e, np.ones(3, np.float32)).shape == (0, 3)
    ga, gb = ops.add_backward(e, e, np.ones(3, np.float32))
    assert ga.shape == (0, 3) and gb.shape == (3,) and not gb.any()
    assert ops.prelu(np.zeros((0, 4)), np.ones(4)).shape == (0, 4)
    assert ops.maxout(np.zeros((0, 4)), 2).shape == (0, 2)


# ---- against torch ----

TORCH_FWD = {
    "relu": lambda F, t: F.relu(t),
    "leaky_relu": lambda F, t: F.leaky_relu(t, 0.2),
    "elu": lambda F, t: F.elu(t, 1.5),
    "selu": lambda F, t: F.selu(t),
    "gelu": lambda F, t: F.gelu(t),
    "gelu_tanh": lambda F, t: F.gelu(t, approximate="tanh"),
    "silu": lambda F, t: F.silu(t),
    "sigmoid": lambda F, t: F.sigmoid(t),
    "tanh": lambda F, t: F.tanh(t),
    "erf": lambda F, t: t.erf(),
    "softplus": lambda F, t: F.softplus(t, beta=2.0, threshold=5.0),
    "exp": lambda F, t: t.exp(),
    "log": lambda F, t: t.log(),
    "sqrt": lambda F, t: t.sqrt(),
    "neg": lambda F, t: -t,
    "abs": lambda F, t: t.abs(),
}


@pytest.mark.parametrize("name", ACTS)
def test_activations_vs_torch(rng, name):
    torch = torch_or_skip()
    F = torch.nn.functional
    fwd, bwd, _, _ = ACTS[name]
    for shape in [(3,), (2, 5, 7), (4, 3, 8, 9), (1000,)]:
        x = _inputs(name, int(np.prod(shape)), rng).reshape(shape)
        g = rng.standard_normal(shape).astype(np.float32)
        t = torch.tensor(x, requires_grad=True)
        y = TORCH_FWD[name](F, t)
        y.backward(torch.tensor(g))
        np.testing.assert_allclose(fwd(x), y.detach().numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(bwd(g, x)[0], t.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_prelu_vs_torch(rng):
    torch = torch_or_skip()
    for shape, c in [((2, 3, 5, 5), 3), ((2, 3, 5, 5), 1), ((4, 6), 6), ((2, 4, 9), 4), ((7,), 1)]:
        x = rng.standard_normal(shape).astype(np.float32)
        w = rng.uniform(0, 0.5, c).astype(np.float32)
        g = rng.standard_normal(shape).astype(np.float32)
        tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
        y = torch.nn.functional.prelu(tx, tw)
        y.backward(torch.tensor(g))
        np.testing.assert_allclose(ops.prelu(x, w), y.detach().numpy(), rtol=1e-6)
        gx, gw = ops.prelu_backward(g, x, w)
        np.testing.assert_allclose(gx, tx.grad.numpy(), rtol=1e-6)
        np.testing.assert_allclose(gw, tw.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_broadcast_arithmetic_vs_torch(rng):
    torch = torch_or_skip()
    for sa, sb in SHAPES[:14]:
        a, b = _operands(rng, sa, sb, np.float32)
        for op in NP_BINARY:
            ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
            y = getattr(torch, op)(ta, tb)
            g = rng.standard_normal(tuple(y.shape)).astype(np.float32)
            y.backward(torch.tensor(g))
            np.testing.assert_allclose(getattr(ops, op)(a, b), y.detach().numpy(), rtol=1e-6)
            ga, gb = getattr(ops, f"{op}_backward")(g, a, b)
            np.testing.assert_allclose(ga, ta.grad.numpy(), rtol=1e-4, atol=1e-4)
            np.testing.assert_allclose(gb, tb.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_maxout_vs_numpy(isa, rng):
    for shape, pieces, axis in [((2, 6, 3, 3), 2, 1), ((2, 6, 3, 3), 3, 1), ((4, 10), 5, -1),
                                ((3, 4, 8), 4, 2), ((6, 2), 3, 0)]:  # fmt: skip
        x = rng.standard_normal(shape)
        y = ops.maxout(x, pieces, axis)
        ax = axis % x.ndim
        split = x.reshape(shape[:ax] + (shape[ax] // pieces, pieces) + shape[ax + 1 :])
        np.testing.assert_array_equal(y, split.max(axis=ax + 1))
        g = rng.standard_normal(y.shape)
        (gx,) = ops.maxout_backward(g, x, pieces, axis)
        arg = split.argmax(axis=ax + 1)
        want = np.zeros_like(split)
        np.put_along_axis(want, np.expand_dims(arg, ax + 1), np.expand_dims(g, ax + 1), ax + 1)
        np.testing.assert_array_equal(gx, want.reshape(shape))


# ---- kernel variants ----


def test_variants_are_registered_and_ref_level_runs_ref():
    pg.set_isa("avx512")  # capped at what this CPU (and PYGRAPH_ISA) allows
    names = pg.kernel_variants("eltwise")
    for op in ("relu", "gelu", "tanh", "add", "gelu_backward", "mul"):
        assert f"{op}_f32_ref" in names
        assert (f"{op}_f32_portable" in names) == (pg.active_isa() != "ref")
    if pg.active_isa() == "avx512":
        assert "gelu_f32_avx512" in names and "sigmoid_backward_f32_avx2" in names
        assert pg._core.eltwise_variant("gelu") == "gelu_f32_avx512"
    pg.set_isa("ref")
    assert all(n.endswith("_ref") for n in pg.kernel_variants("eltwise"))
    assert pg._core.eltwise_variant("gelu") == "gelu_f32_ref"


# ---- bad input ----

X4 = np.ones((2, 4, 3, 3), np.float32)
BAD = [
    (lambda: ops.add(np.ones((2, 3)), np.ones((4,))), ValueError,
     r"add: input \(2, 3\) and other \(4,\) are not broadcastable"),
    (lambda: ops.mul_backward(np.ones((2, 2)), np.ones((2, 3)), np.ones(3)), ValueError,
     r"mul_backward: grad_output has shape \(2, 2\) but .*\(2, 3\)"),
    (lambda: ops.relu_backward(np.ones(3), np.ones(4)), ValueError,
     r"relu_backward: grad_output has shape \(3,\) but input has shape \(4,\)"),
    (lambda: ops.prelu(X4, np.ones(3)), ValueError,
     r"prelu: weight has shape \(3,\) but input \(2, 4, 3, 3\) has 4 channels"),
    (lambda: ops.prelu(X4, np.ones((2, 2))), ValueError, r"prelu: weight has shape \(2, 2\)"),
    (lambda: ops.maxout(X4, 3), ValueError,
     r"maxout: input \(2, 4, 3, 3\) has 4 channels along axis 1, not divisible by pieces=3"),
    (lambda: ops.maxout(X4, 0), ValueError, r"maxout: pieces must be positive, got 0"),
    (lambda: ops.maxout(X4, -2), ValueError, r"maxout: pieces must be positive, got -2"),
    (lambda: ops.maxout(X4, 2, axis=4), ValueError, r"maxout: axis 4 is out of range"),
    (lambda: ops.maxout(X4, 2.5), TypeError, r"maxout: pieces must be an int"),
    (lambda: ops.maxout_backward(np.ones((2, 4, 3, 3)), X4, 2), ValueError,
     r"maxout_backward: grad_output has shape \(2, 4, 3, 3\) but .*\(2, 2, 3, 3\)"),
    (lambda: ops.relu(np.array(["a"])), TypeError, r"relu: input must be a real numeric array"),
    (lambda: ops.add(np.ones(2), np.ones(2, complex)), TypeError, r"add: other must be a real"),
    (lambda: ops.gelu(X4, approximate="erf"), ValueError, r"gelu: approximate must be"),
    (lambda: ops.leaky_relu(X4, "0.1"), TypeError, r"leaky_relu: negative_slope must be a real"),
    (lambda: ops.softplus(X4, beta=0), ValueError, r"softplus: beta must be nonzero"),
    (lambda: pg._core.relu(np.ones(3, np.int64)), TypeError, r"relu: input must be float32"),
    (lambda: pg._core.add(np.ones(3), np.ones(3, np.float32)), TypeError,
     r"add: other is float32 but input is float64"),
    (lambda: pg._core.sigmoid_backward(np.ones(3, np.float32), np.ones(3)), TypeError,
     r"sigmoid_backward: grad_output is float32 but input is float64"),
]  # fmt: skip


@pytest.mark.parametrize("call,exc,match", BAD)
def test_bad_input_names_op_argument_and_shapes(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
