"""Compiler passes: each preserves results (on vs off), does the rewrites it claims, reports
them, and logs them with PYGRAPH_LOG=passes. Golden IR after simplify for a small graph."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

import pygraph as pg


def _mlp_step(rng):
    x = pg.input((5, 4), name="x")
    t = pg.input((5,), dtype="int64", name="t")
    w1 = pg.param((8, 4), init="he", name="w1")
    w2 = pg.param((3, 8), init="he", name="w2")
    loss = pg.cross_entropy(pg.linear(pg.tanh(pg.linear(x, w1)), w2), t)
    feeds = {"x": rng.standard_normal((5, 4)).astype(np.float32), "t": rng.integers(0, 3, 5)}
    return [loss, *pg.grad(loss, [w1, w2])], feeds


def test_simplify_preserves_results_and_shrinks_a_training_step(rng):
    outputs, feeds = _mlp_step(rng)
    plain = pg.compile(outputs, optimize=False)
    opt = pg.compile(outputs)
    for a, b in zip(plain(**feeds), opt(**feeds)):
        # fuse's gemm reads transposed operands in place: another summation order
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    report = opt.passes[0]
    assert report["pass"] == "simplify" and opt.passes[-1]["pass"] == "plan_memory"
    assert report["nodes_after"] < report["nodes_before"]  # the seed, 1-multiplies, reshapes
    assert plain.passes == []


def test_identities_are_removed():
    x = pg.input((3,), name="x")
    y = ((x * 1.0 + 0.0) / 1.0 - 0.0).reshape(3)
    f = pg.compile(y)
    assert f.ir.strip() == "%0:x = input  f32(3,)"  # no node left: y is x
    np.testing.assert_array_equal(f(x=np.array([1, 2, 3])), [1, 2, 3])
    assert sum("is the identity" in line for line in f.passes[0]["log"]) == 5


def test_common_subexpressions_are_merged_and_dead_code_dropped():
    x = pg.input((2, 3), name="x")
    w = pg.param((3, 4), init="ones", name="w")
    _unused = pg.exp(x)
    y = ((x @ w) + (x @ w)).sum()
    f = pg.compile(y, trace=True)
    ir = f.passes[0]["ir"]  # after simplify
    ops = [line.split(" = ")[1].split("(")[0] for line in ir.splitlines() if "%" in line]
    assert ops.count("matmul") == 1 and "exp" not in ops
    np.testing.assert_allclose(f(x=np.ones((2, 3))), 2 * 2 * 4 * 3)


def test_constants_are_folded():
    x = pg.input((2,), name="x")
    y = x * (pg.constant(2.0) * pg.constant(3.0))
    f = pg.compile(y)
    assert "folded into a constant" in f.report()
    assert [ln for ln in f.ir.splitlines() if " = mul(" in ln] and "const 6" in f.ir
    np.testing.assert_array_equal(f(x=np.array([1.0, 2.0])), [6.0, 12.0])


def test_compiled_programs_see_parameter_assignments():
    w = pg.param((2,), init=np.array([1.0, 2.0]), name="w")
    x = pg.input((2,), name="x")
    f = pg.compile(x * w)
    np.testing.assert_array_equal(f(x=np.ones(2)), [1.0, 2.0])
    w.value = np.array([3.0, 4.0])
    np.testing.assert_array_equal(f(x=np.ones(2)), [3.0, 4.0])


def test_trace_keeps_the_ir_before_and_after_each_pass():
    x = pg.input((2,), name="x")
    f = pg.compile((x * 1.0).sum(), trace=True)
    assert "mul" in f.ir_built and "mul" not in f.passes[0]["ir"]
    assert [r["pass"] for r in f.passes] == ["simplify", "fuse", "plan_memory"]
    assert f.passes[-1]["ir"] == f.ir


def test_golden_ir_after_simplify():
    x = pg.input((4, 3), name="x")
    w = pg.param((3, 2), init="zeros", name="w")
    (gw,) = pg.grad(pg.relu(x @ w).sum(), [w])
    # the seed (fill -> reshape -> broadcast_to) folds into ones, and gy * ones is gy
    assert pg.compile(gw, trace=True).passes[0]["ir"] == (
        "%0:x = input  f32(4, 3)\n"
        "%1:w = param  f32(3, 2)\n"
        "%2 = matmul(%0:x, %1:w)                       f32(4, 2)\n"
        "%6 = step(%2)                                 f32(4, 2)\n"
        "%7 = transpose(%0:x) axis0=-1, axis1=-2       f32(3, 4)\n"
        "%8 = matmul(%7, %6)                           f32(3, 2)\n"
    )


def test_pygraph_log_passes_prints_each_rewrite():
    code = "import numpy as np, pygraph as pg\nx = pg.input((2,), name='x')\npg.compile(x * 1.0)\n"
    env = dict(os.environ, PYGRAPH_LOG="passes")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "simplify: mul #0 is the identity -> %0" in out.stderr


def test_max_pool_computes_no_indices_when_none_read(rng):
    x_val = rng.standard_normal((2, 3, 8, 8)).astype(np.float32)
    x = pg.input((2, 3, 8, 8), name="x")
    y = pg.max_pool2d(pg.tanh(x), 2)
    f = pg.compile(y)
    assert "indices=0" in f.ir and "computes no indices" in f.report()
    want = np.tanh(x_val).reshape(2, 3, 4, 2, 4, 2).max(axis=(3, 5))
    np.testing.assert_allclose(f(x=x_val), want, rtol=1e-6)
    (gx,) = pg.grad(y.sum(), [x])  # the backward reads the indices: they stay
    g = pg.compile([y, gx])
    assert "indices=0" not in g.ir
    np.testing.assert_array_equal(g(x=x_val)[0], f(x=x_val))


def test_a_twin_whose_indices_are_read_is_not_merged_into_one_that_skips_them(rng):
    x_val = rng.standard_normal((1, 2, 4, 4))
    x = pg.input((1, 2, 4, 4), dtype="float64", name="x")
    y1, y2 = pg.max_pool2d(x, 2), pg.max_pool2d(x, 2)  # y2's indices feed the backward
    (gx,) = pg.grad((y2 * y2).sum(), [x])
    f = pg.compile([y1, gx])
    assert "max_pool2d #1 repeats an earlier node" not in f.report()
    assert f.ir.count("max_pool2d(") == 2 and f.ir.count("indices=0") == 1
    for a, b in zip(f(x=x_val), pg.compile([y1, gx], optimize=False)(x=x_val)):
        np.testing.assert_array_equal(a, b)
