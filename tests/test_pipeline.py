"""The pass pipeline as a whole: golden IR dumps before and after each pass of one small
network, and every pass preserving results (each pass alone, all but it, all, none) on
training steps and inference programs that exercise every rewrite."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import pygraph as pg

BUILT = """\
%0:x = input  f32(4, 3)
%1:w = param  f32(2, 3)
%2:b = param  f32(2,)
%3 = transpose(%1:w) axis0=0, axis1=1         f32(3, 2)
%4 = matmul(%0:x, %3)                         f32(4, 2)
%5 = add(%4, %2:b)                            f32(4, 2)
%6 = relu(%5)                                 f32(4, 2)
%7 = sum(%6) keepdims=0                       f32()
%8 = fill() shape=(), value=1, dtype='float32'  f32()
%9 = reshape(%8) shape=(1, 1)                 f32(1, 1)
%10 = broadcast_to(%9) shape=(4, 2)           f32(4, 2)
%11 = step(%5)                                f32(4, 2)
%12 = mul(%10, %11)                           f32(4, 2)
%13 = sum_to(%12) shape=(2,)                  f32(2,)
%16 = transpose(%0:x) axis0=-1, axis1=-2      f32(3, 4)
%17 = matmul(%16, %12)                        f32(3, 2)
%18 = transpose(%17) axis0=0, axis1=1         f32(2, 3)
"""

SIMPLIFIED = """\
%0:x = input  f32(4, 3)
%1:w = param  f32(2, 3)
%4:b = param  f32(2,)
%2 = transpose(%1:w) axis0=0, axis1=1         f32(3, 2)
%3 = matmul(%0:x, %2)                         f32(4, 2)
%5 = add(%3, %4:b)                            f32(4, 2)
%6 = relu(%5)                                 f32(4, 2)
%7 = sum(%6) keepdims=0                       f32()
%11 = step(%5)                                f32(4, 2)
%12 = sum_to(%11) shape=(2,)                  f32(2,)
%13 = transpose(%0:x) axis0=-1, axis1=-2      f32(3, 4)
%14 = matmul(%13, %11)                        f32(3, 2)
%15 = transpose(%14) axis0=0, axis1=1         f32(2, 3)
"""

FUSED = """\
%0:x = input  f32(4, 3)
%1:w = param  f32(2, 3)
%3:b = param  f32(2,)
%4 = gemm(%0:x, %1:w, %3:b) trans_a=0, trans_b=1, activation='relu', negative_slope=0  f32(4, 2)
%5 = sum(%4) keepdims=0                       f32()
%6 = step(%4)                                 f32(4, 2)
%7 = sum_to(%6) shape=(2,)                    f32(2,)
%9 = gemm(%6, %0:x) trans_a=1, trans_b=0, activation='none', negative_slope=0  f32(2, 3)
"""


def test_golden_ir_before_and_after_each_pass():
    x = pg.input((4, 3), name="x")
    w = pg.param((2, 3), init="zeros", name="w")
    b = pg.param((2,), init="zeros", name="b")
    loss = pg.relu(pg.linear(x, w, b)).sum()
    f = pg.compile([loss, *pg.grad(loss, [w, b])], trace=True)
    assert f.ir_built == BUILT
    assert [r["pass"] for r in f.passes] == list(pg.PASSES)
    simplify, fuse, plan = f.passes
    # the seed ones fold away; x * ones is x
    assert simplify["ir"] == SIMPLIFIED
    assert simplify["log"][-1] == "simplify: mul #9 is the identity -> %11"
    # linear + relu is one gemm; the weight gradient transpose(x^T @ g) is g^T @ x
    assert fuse["ir"] == FUSED
    assert fuse["log"] == [
        "fuse: matmul #1 + add #2 + relu #3 -> gemm (trans_a=0, trans_b=1)",
        "fuse: matmul #8 + transpose #9 -> gemm (trans_a=1, trans_b=0)",
    ]
    # plan_memory keeps the program; relu's derivative overwrites the gemm output in place
    assert plan["ir"] == FUSED and f.ir == FUSED
    assert plan["log"][-1] == "plan_memory: step #3 writes %6 in place of %4"


def _mlp_step(rng):
    x = pg.input((8, 5), name="x")
    t = pg.input((8,), dtype="int64", name="t")
    w1, w2 = pg.param((16, 5), init="he", name="w1"), pg.param((3, 16), init="he", name="w2")
    b1 = pg.param((16,), init=rng.standard_normal(16).astype(np.float32) * 0.1, name="b1")
    loss = pg.cross_entropy(pg.linear(pg.relu(pg.linear(x, w1, b1)), w2), t)
    params = [w1, b1, w2]
    sgd = pg.optim.SGD(0.1, momentum=0.9, weight_decay=1e-3)
    pairs = sgd.updates(params, pg.grad(loss, params))
    feeds = {"x": rng.standard_normal((8, 5)), "t": rng.integers(0, 3, 8)}
    return [loss], pairs, feeds


def _cnn_step(rng):
    x = pg.input((4, 2, 8, 8), name="x")
    t = pg.input((4,), dtype="int64", name="t")
    w = pg.param((4, 2, 3, 3), init="he", name="w")
    g, b = pg.param((4,), init="ones", name="g"), pg.param((4,), init="zeros", name="b")
    h = pg.relu(pg.batch_norm(pg.conv2d(x, w, padding=1), None, None, g, b, training=True))
    h = pg.max_pool2d(h, 2) + pg.avg_pool2d(h, 2)
    fc = pg.param((3, 64), init="he", name="fc")
    loss = pg.cross_entropy(pg.linear(pg.flatten(h), fc), t)
    params = [w, g, b, fc]
    pairs = pg.optim.Adam(0.01).updates(params, pg.grad(loss, params))
    feeds = {"x": rng.standard_normal((4, 2, 8, 8)), "t": rng.integers(0, 3, 4)}
    return [loss], pairs, feeds


def _cnn_inference(rng):
    x = pg.input((2, 3, 9, 9), name="x")
    w = pg.param((5, 3, 3, 3), init="he", name="w")
    cb = pg.param((5,), init=rng.standard_normal(5).astype(np.float32), name="cb")
    mean = pg.param((5,), init=rng.standard_normal(5).astype(np.float32), name="mean")
    var = pg.param((5,), init=rng.uniform(0.5, 2, 5).astype(np.float32), name="var")
    g, b = pg.param((5,), init="ones", name="g"), pg.param((5,), init="zeros", name="b")
    h = pg.relu(pg.batch_norm(pg.conv2d(x, w, cb, stride=2), mean, var, g, b))  # BN folds
    h = pg.dropout(h, 0.5, training=False)
    y = pg.sigmoid(h) * 2.0 - pg.tanh(h) + pg.exp(-h)  # an elementwise chain
    feeds = {"x": rng.standard_normal((2, 3, 9, 9))}
    return [y, pg.global_avg_pool2d(h)], [], feeds


SUBSETS = [list(s) for n in range(len(pg.PASSES) + 1) for s in itertools.combinations(pg.PASSES, n)]


@pytest.mark.parametrize("build", [_mlp_step, _cnn_step, _cnn_inference])
def test_every_subset_of_passes_gives_the_same_results(build, rng):
    outputs, pairs, feeds = build(rng)
    params = [p for p, _ in pairs]
    start = [p.value for p in params]
    results = {}
    for subset in SUBSETS:
        for p, v in zip(params, start):
            p.value = v
        f = pg.compile(outputs, optimize=subset, updates=pairs)
        assert [r["pass"] for r in f.passes] == subset
        runs = [[np.asarray(o) for o in f(**feeds)] for _ in range(2)]  # two training steps
        results[tuple(subset)] = (runs, [p.value for p in params])
    want_runs, want_params = results[()]  # the graph as built
    for subset, (runs, values) in results.items():
        for got, want in zip(runs, want_runs):
            for a, b in zip(got, want):
                np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-6, err_msg=str(subset))
        for a, b in zip(values, want_params):
            np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-6, err_msg=str(subset))


def test_optimize_names_passes_and_refuses_unknown_ones():
    x = pg.input((3,), name="x")
    y = pg.relu(x * 1.0)
    assert [r["pass"] for r in pg.compile(y, optimize=["plan_memory", "simplify"]).passes] == [
        "simplify",
        "plan_memory",
    ]  # always in the written order
    with pytest.raises(ValueError, match="unknown pass 'inline'; the passes are simplify, fuse"):
        pg.compile(y, optimize=["inline"])
    with pytest.raises(TypeError, match="optimize must be a bool or a list of pass names"):
        pg.compile(y, optimize="fuse")
