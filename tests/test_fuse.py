"""The fuse pass: each rewrite shows in the IR and the report, keeps results equal to the
unfused program (optimize=False) and to numpy / torch, and stays away where it must not fuse."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import pygraph as pg
from conftest import torch_or_skip

# gemm reads transposed operands in place and folds bias/activation into its epilogue: another
# summation order than matmul on a transposed copy, so float32 agrees to rounding, not bit-exact
RTOL, ATOL = 1e-5, 1e-6


def _ops(ir: str) -> list[str]:
    ops = [ln.split(" = ")[1].split("(")[0].split("[")[0] for ln in ir.splitlines()]
    return [op for op in ops if op.split()[0] not in ("input", "param", "const")]


def _both(outputs, **feeds):
    on, off = pg.compile(outputs), pg.compile(outputs, optimize=False)
    return on, on(**feeds), off(**feeds)


def _close(a, b, rtol=RTOL, atol=ATOL):
    for u, v in zip(a if isinstance(a, list) else [a], b if isinstance(b, list) else [b]):
        np.testing.assert_allclose(u, v, rtol=rtol, atol=atol)


def test_linear_bias_relu_becomes_one_gemm(rng):
    x = pg.input((5, 4), name="x")
    w, b = pg.param((3, 4), init="he", name="w"), pg.param((3,), init="he", name="b")
    X = rng.standard_normal((5, 4)).astype(np.float32)
    f, on, off = _both(pg.relu(pg.linear(x, w, b)), x=X)
    assert _ops(f.ir) == ["gemm"] and "activation='relu'" in f.ir and "trans_b=1" in f.ir
    assert "fuse: matmul #1 + add #2 + relu #3 -> gemm (trans_a=0, trans_b=1)" in f.report()
    _close(on, off)
    _close(on, np.maximum(X @ w.value.T + b.value, 0))


def test_leaky_relu_goes_into_the_gemm_epilogue(rng):
    x = pg.input((6, 3), name="x")
    w = pg.param((3, 2), init="he", name="w")
    X = rng.standard_normal((6, 3)).astype(np.float32)
    f, on, off = _both(pg.leaky_relu(x @ w, 0.2), x=X)
    assert _ops(f.ir) == ["gemm"] and "activation='leaky_relu', negative_slope=0.2" in f.ir
    y = X @ w.value
    _close(on, np.where(y > 0, y, 0.2 * y))
    _close(on, off)


def test_backward_transposes_fold_into_gemm(rng):
    x = pg.input((5, 4), name="x")
    t = pg.input((5,), dtype="int64", name="t")
    w1, w2 = pg.param((8, 4), init="he", name="w1"), pg.param((3, 8), init="he", name="w2")
    loss = pg.cross_entropy(pg.linear(pg.relu(pg.linear(x, w1)), w2), t)
    feeds = {"x": rng.standard_normal((5, 4)).astype(np.float32), "t": rng.integers(0, 3, 5)}
    f, on, off = _both([loss, *pg.grad(loss, [w1, w2])], **feeds)
    ops = _ops(f.ir)
    assert "matmul" not in ops and "transpose" not in ops and ops.count("gemm") == 5
    assert "fused_elementwise[mul(" in f.ir and "step(" in f.ir  # relu's backward, one kernel
    _close(on, off)


def test_gemm_stops_where_an_intermediate_is_used_elsewhere(rng):
    x = pg.input((4, 3), name="x")
    w, b = pg.param((2, 3), init="he", name="w"), pg.param((2,), init="he", name="b")
    y = pg.linear(x, w)  # an output: the bias and relu cannot fold into its gemm
    h = y + b
    z = pg.relu(h)
    e = pg.exp(h)  # h read twice: relu stays a node
    X = rng.standard_normal((4, 3)).astype(np.float32)
    f, on, off = _both([y, z, e], x=X)
    assert "activation='none'" in f.ir and "relu" in _ops(f.ir)
    _close(on, off)
    _close(on[1], np.maximum(X @ w.value.T + b.value, 0))


def _conv_relu(train: bool, rng):
    x = pg.input((2, 3, 8, 8), name="x")
    w, b = pg.param((4, 3, 3, 3), init="he", name="w"), pg.param((4,), init="he", name="b")
    y = pg.relu(pg.conv2d(x, w, b, padding=1))
    outs = [y, *pg.grad(y.sum(), [w, b])] if train else y
    return outs, {"x": rng.standard_normal((2, 3, 8, 8)).astype(np.float32)}, (w, b)


def test_conv_relu_gets_the_activation_attribute(rng):
    torch = torch_or_skip()
    outs, feeds, (w, b) = _conv_relu(False, rng)
    f, on, off = _both(outs, **feeds)
    assert _ops(f.ir) == ["conv2d"] and "activation='relu'" in f.ir
    assert "fuse: relu #1 into conv2d #0" in f.report()
    _close(on, off)
    ref = torch.relu(torch.nn.functional.conv2d(*map(torch.tensor, (feeds["x"], w.value, b.value)),
                                                padding=1))  # fmt: skip
    _close(on, ref.numpy(), rtol=1e-4, atol=1e-5)


def test_conv_relu_fuses_in_training_as_step_reads_the_relu(rng):
    outs, feeds, _ = _conv_relu(True, rng)
    f, on, off = _both(outs, **feeds)
    assert "activation='relu'" in f.ir and "relu(" not in f.ir.replace("'relu'", "")
    _close(on, off)


def test_conv_output_that_is_a_program_output_keeps_its_relu(rng):
    x = pg.input((1, 2, 5, 5), name="x")
    w = pg.param((3, 2, 3, 3), init="he", name="w")
    c = pg.conv2d(x, w)
    f, on, off = _both([c, pg.relu(c)], x=rng.standard_normal((1, 2, 5, 5)).astype(np.float32))
    assert _ops(f.ir) == ["conv2d", "relu"] and "activation" not in f.ir
    _close(on, off)


def test_batch_norm_folds_into_the_conv_and_follows_its_params(rng):
    torch = torch_or_skip()
    x = pg.input((2, 3, 6, 6), name="x")
    w, b = pg.param((4, 3, 3, 3), init="he", name="w"), pg.param((4,), init="he", name="b")
    stats = [pg.param((4,), init=rng.standard_normal(4).astype(np.float32), name=n)
             for n in ("mean", "gamma", "beta")]  # fmt: skip
    mean, gamma, beta = stats
    var = pg.param((4,), init=rng.uniform(0.5, 2, 4).astype(np.float32), name="var")
    y = pg.relu(pg.batch_norm(pg.conv2d(x, w, b), mean, var, gamma, beta, eps=1e-3))
    X = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
    f, off = pg.compile(y), pg.compile(y, optimize=False)
    assert "batch_norm" not in _ops(f.ir) and "activation='relu'" in f.ir
    assert "fuse: batch_norm #1 folded into conv2d #0" in f.report()
    for _ in range(2):  # the folded weights are graph nodes: new param values are seen
        F = torch.nn.functional
        t = [torch.tensor(p.value) for p in (w, b, mean, var, gamma, beta)]
        ref = F.relu(F.batch_norm(F.conv2d(torch.tensor(X), t[0], t[1]), t[2], t[3], t[4], t[5],
                                  eps=1e-3))  # fmt: skip
        # w * s and (b - mean) * s + beta round differently from normalizing the conv output
        _close(f(x=X), off(x=X), rtol=1e-4, atol=1e-5)
        _close(f(x=X), ref.numpy(), rtol=1e-4, atol=1e-5)
        gamma.value = gamma.value * 2
        mean.value = mean.value + 1


@pytest.mark.parametrize("n", [2, 7, 2047, 2048, 2049, 70001])
def test_fused_elementwise_is_bit_exact_at_every_isa(isa, n, rng):
    a, b = pg.input((n,), name="a"), pg.input((n,), name="b")
    s = pg.param((), init=np.array(0.5, np.float32), name="s")
    y = pg.sigmoid(pg.relu(a + b) * s - pg.exp(pg.neg(b))) / (pg.tanh(a) + 3.0)
    A, B = (rng.standard_normal(n).astype(np.float32) for _ in range(2))
    f, on, off = _both(y, a=A, b=B)
    assert _ops(f.ir) == ["fused_elementwise"]
    np.testing.assert_array_equal(on, off)
    ref = 1 / (1 + np.exp(-(np.maximum(A + B, 0) * 0.5 - np.exp(-B)))) / (np.tanh(A) + 3)
    np.testing.assert_allclose(on, ref, rtol=1e-5, atol=1e-7)


def test_fused_elementwise_float64_and_readable_ir(rng):
    a = pg.input((3, 4), name="a", dtype="float64")
    b = pg.input((3, 4), name="b", dtype="float64")
    f, on, off = _both(pg.relu(a + b), a=np.ones((3, 4)), b=-2 * np.eye(3, 4))
    assert "%2 = fused_elementwise[relu(add(%0:a, %1:b))]" in f.ir
    assert "fuse: add #0 + relu #1 -> fused_elementwise[relu(add(%0, %1))]" in f.report()
    np.testing.assert_array_equal(on, off)
    assert on.dtype == np.float64


def test_chains_stop_at_shared_intermediates_outputs_and_broadcasts(rng):
    a, b = pg.input((4, 5), name="a"), pg.input((4, 5), name="b")
    row = pg.input((5,), name="row")
    t = a * b  # read twice: materialized
    u = pg.exp(t) + t
    v = pg.relu(u)  # an output: materialized
    w = (v - 1.0) + row  # + row broadcasts: not in the chain
    feeds = {k: rng.standard_normal(s).astype(np.float32)
             for k, s in (("a", (4, 5)), ("b", (4, 5)), ("row", (5,)))}  # fmt: skip
    f, on, off = _both([u, v, w], **feeds)
    ops = _ops(f.ir)
    assert ops.count("fused_elementwise") == 1 and "mul" in ops and "add" in ops
    assert "fused_elementwise[add(exp(%" in f.ir
    _close(on, off, rtol=0, atol=0)
    A, B = feeds["a"], feeds["b"]
    _close(on[2], np.maximum(np.exp(A * B) + A * B, 0) - 1 + feeds["row"], rtol=1e-6)


def test_golden_ir_of_a_small_network_after_fuse():
    x = pg.input((2, 4), name="x")
    w1, b1 = pg.param((3, 4), init="he", name="w1"), pg.param((3,), init="zeros", name="b1")
    w2 = pg.param((1, 3), init="he", name="w2")
    y = pg.sigmoid(pg.linear(pg.relu(pg.linear(x, w1, b1)), w2) * 2.0)
    assert pg.compile(y).ir == (
        "%0:x = input  f32(2, 4)\n"
        "%1:w1 = param  f32(3, 4)\n"
        "%3:b1 = param  f32(3,)\n"
        "%5:w2 = param  f32(1, 3)\n"
        "%8 = const 2  f32()\n"
        "%4 = gemm(%0:x, %1:w1, %3:b1) trans_a=0, trans_b=1, activation='relu', "
        "negative_slope=0  f32(2, 3)\n"
        "%7 = gemm(%4, %5:w2) trans_a=0, trans_b=1, activation='none', negative_slope=0  "
        "f32(2, 1)\n"
        "%9 = fused_elementwise[sigmoid(mul(%7, %8))]  f32(2, 1)\n"
    )


def _mlp(x):
    ps = [pg.param(s, init="he") for s in ((16, 12), (16,), (5, 16), (5,))]
    return pg.linear(pg.relu(pg.linear(x, ps[0], ps[1])), ps[2], ps[3]), ps


def _cnn(x):
    ps = [pg.param(s, init="he") for s in ((4, 1, 3, 3), (4,), (4,), (4,), (5, 64), (5,))]
    h = pg.batch_norm(pg.conv2d(x, ps[0], ps[1], padding=1), None, None, ps[2], ps[3],
                      training=True)  # fmt: skip
    h = pg.flatten(pg.max_pool2d(pg.relu(h), 2))
    return pg.linear(h, ps[4], ps[5]), ps


@pytest.mark.parametrize("net, shape", [(_mlp, (8, 12)), (_cnn, (8, 1, 8, 8))])
@pytest.mark.parametrize("optimizer", [lambda: pg.optim.SGD(0.1, momentum=0.9), pg.optim.Adam])
def test_training_steps_equal_with_and_without_fuse(net, shape, optimizer, rng):
    X = rng.standard_normal(shape).astype(np.float32)
    T = rng.integers(0, 5, shape[0])
    runs = []
    for optimize in (True, False):
        pg.new_graph()
        pg.manual_seed(0)
        x, t = pg.input(shape, name="x"), pg.input((shape[0],), dtype="int64", name="t")
        out, ps = net(x)
        for k, p in enumerate(ps):  # the same start for both programs
            p.value = np.random.default_rng(k).standard_normal(p.shape).astype(np.float32) * 0.3
        loss = pg.cross_entropy(out, t)
        step = pg.compile(loss, updates=optimizer().updates(ps, pg.grad(loss, ps)),
                          optimize=optimize)  # fmt: skip
        losses = [float(step(x=X, t=T)) for _ in range(3)]
        runs.append((losses, [p.value for p in ps], step))
    assert "fused_elementwise" in runs[0][2].ir or "gemm" in runs[0][2].ir
    _close(runs[0][0], runs[1][0], rtol=1e-5)
    _close(runs[0][1], runs[1][1], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("nd", [1, 3])
def test_conv1d_and_conv3d_take_relu_too(nd, rng):
    conv = {1: pg.conv1d, 3: pg.conv3d}[nd]
    x = pg.input((2, 3) + (5,) * nd, name="x")
    w = pg.param((4, 3) + (3,) * nd, init="he", name="w")
    f, on, off = _both(pg.relu(conv(x, w, padding=1)),
                       x=rng.standard_normal((2, 3) + (5,) * nd).astype(np.float32))  # fmt: skip
    assert _ops(f.ir) == [f"conv{nd}d"] and "activation='relu'" in f.ir
    _close(on, off)
    assert (on >= 0).all() and (on > 0).any()


def test_pygraph_log_passes_prints_fuse_rewrites():
    code = ("import pygraph as pg\nx = pg.input((2, 3), name='x')\n"
            "pg.compile(pg.relu(pg.exp(x) + 1.0))\n")  # fmt: skip
    env = dict(os.environ, PYGRAPH_LOG="passes")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "fuse: exp #0 + add #1 + relu #2 -> fused_elementwise[relu(add(exp(%0), %" in out.stderr
