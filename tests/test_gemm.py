"""GEMM family: blocked SIMD GEMM vs the reference kernel vs numpy, eager ops, backward."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import pygraph as pg
from conftest import torch_or_skip

ops = pg.ops

# Around every variant's tiles (14x32 AVX-512, 6x16 AVX2, 6x8 portable), the small-M/N
# path (<= 4), the K block (256) and the AVX-512 M block (168).
SHAPES = [
    (1, 1, 1),
    (1, 7, 3),
    (5, 1, 9),
    (4, 33, 17),
    (5, 40, 3),
    (6, 16, 8),
    (7, 17, 9),
    (13, 31, 15),
    (14, 32, 16),
    (15, 33, 17),
    (28, 64, 257),
    (29, 65, 300),
    (169, 70, 40),
    (3, 300, 700),
    (300, 2, 513),
    (97, 100, 513),
]


def np_gemm(
    a, b, c=None, alpha=1.0, beta=0.0, ta=False, tb=False, bias=None, axis=1, act=None, slope=0.01
):
    a = a.astype(np.float64).T if ta else a.astype(np.float64)
    b = b.astype(np.float64).T if tb else b.astype(np.float64)
    out = alpha * (a @ b)
    if c is not None and beta != 0:
        out = out + beta * c
    if bias is not None:
        out = out + (bias[:, None] if axis == 0 else bias[None, :])
    if act == "relu":
        out = np.maximum(out, 0)
    elif act == "leaky_relu":
        out = np.where(out > 0, out, out * slope)
    return out


def operands(rng, M, N, K, ta, tb, dtype=np.float32):
    a = rng.standard_normal((K, M) if ta else (M, K)).astype(dtype)
    b = rng.standard_normal((N, K) if tb else (K, N)).astype(dtype)
    return a, b


def close(got, exp, K):
    np.testing.assert_allclose(got, exp, rtol=1e-5, atol=1e-6 * K + 1e-6)


def test_variants_are_listed_best_first():
    names = pg.kernel_variants("gemm")
    assert names[-1] == "gemm_f32_ref"
    expected = {
        "avx512": "gemm_f32_14x32_avx512",
        "avx2": "gemm_f32_6x16_avx2",
        "portable": "gemm_f32_6x8_portable",
        "ref": "gemm_f32_ref",
    }
    assert names[0] == expected[pg.active_isa()]


def test_textbook_example():
    a = np.array([[1, 2], [3, 4]], np.float32)
    b = np.array([[5, 6], [7, 8]], np.float32)
    np.testing.assert_array_equal(ops.matmul(a, b), [[19, 22], [43, 50]])
    np.testing.assert_array_equal(ops.gemm(a, b, trans_a=True), [[26, 30], [38, 44]])
    np.testing.assert_array_equal(
        ops.gemm(a, b, bias=np.array([-20, 0]), bias_axis=0, activation="relu"), [[0, 2], [43, 50]]
    )
    np.testing.assert_array_equal(ops.linear(a, b, np.array([1, -100])), [[18, -77], [40, -47]])


@pytest.mark.parametrize("M,N,K", SHAPES)
def test_all_transposes_match_numpy_and_ref(isa, rng, M, N, K):
    for ta, tb in itertools.product([False, True], repeat=2):
        a, b = operands(rng, M, N, K, ta, tb)
        got = ops.gemm(a, b, trans_a=ta, trans_b=tb)
        close(got, np_gemm(a, b, ta=ta, tb=tb), K)
        pg.set_isa("ref")
        ref = ops.gemm(a, b, trans_a=ta, trans_b=tb)
        pg.set_isa(isa)
        close(got, ref, K)


@pytest.mark.parametrize("M,N,K", [(1, 50, 30), (15, 33, 17), (40, 3, 300), (29, 65, 600)])
def test_alpha_beta_bias_activation(isa, rng, M, N, K):
    for ta, tb in [(False, False), (True, True)]:
        a, b = operands(rng, M, N, K, ta, tb)
        c = rng.standard_normal((M, N)).astype(np.float32)
        for axis, act in itertools.product([0, 1], [None, "relu", "leaky_relu"]):
            bias = rng.standard_normal(M if axis == 0 else N).astype(np.float32)
            kw = {
                "alpha": -0.5,
                "beta": 1.5,
                "trans_a": ta,
                "trans_b": tb,
                "bias": bias,
                "bias_axis": axis,
                "activation": act,
                "negative_slope": 0.2,
            }
            got = ops.gemm(a, b, c, **kw)
            exp = np_gemm(a, b, c, -0.5, 1.5, ta, tb, bias, axis, act, 0.2)
            close(got, exp, K)


@pytest.mark.parametrize("M,N,K", [(1, 40, 9), (3, 70, 300), (40, 2, 8), (30, 70, 300)])
def test_beta_zero_never_reads_c(isa, rng, M, N, K):
    a, b = operands(rng, M, N, K, False, False)
    c = np.full((M, N), np.nan, np.float32)
    got = ops.gemm(a, b, c, alpha=2.0, beta=0.0, bias=np.ones(N), activation="relu")
    assert np.isfinite(got).all()
    close(got, np_gemm(a, b, alpha=2.0, bias=np.ones(N), act="relu"), K)
    # beta = 1 accumulates into c
    c = rng.standard_normal((M, N)).astype(np.float32)
    close(ops.gemm(a, b, c, beta=1.0), np_gemm(a, b, c, beta=1.0), K)


def test_float64_is_exact_on_integers_and_matches_numpy(rng):
    a = rng.integers(-8, 8, (37, 53)).astype(np.float64)
    b = rng.integers(-8, 8, (53, 29)).astype(np.float64)
    out = ops.matmul(a, b)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, a @ b)
    x = rng.standard_normal((4, 20, 30))
    y = rng.standard_normal((30, 7))
    np.testing.assert_allclose(ops.matmul(x, y), x @ y, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize(
    "sa,sb",
    [
        ((3,), (3,)),
        ((3,), (3, 4)),
        ((2, 3), (3,)),
        ((5, 2, 3), (3, 4)),
        ((2, 3), (5, 3, 4)),
        ((2, 1, 3, 4), (5, 4, 2)),
        ((1, 3, 4), (6, 4, 2)),
        ((6, 7, 9), (6, 9, 5)),
        ((4, 1, 2, 3), (1, 5, 3, 2)),
        ((2, 3, 20), (20,)),
        ((20,), (3, 20, 17)),
    ],
)
def test_matmul_numpy_semantics(isa, rng, sa, sb):
    a = rng.standard_normal(sa).astype(np.float32)
    b = rng.standard_normal(sb).astype(np.float32)
    exp = a.astype(np.float64) @ b.astype(np.float64)
    got = ops.matmul(a, b)
    assert got.shape == exp.shape
    close(got, exp, sa[-1])


def test_bmm_and_small_batches(isa, rng):
    a = rng.standard_normal((9, 5, 7)).astype(np.float32)
    b = rng.standard_normal((9, 7, 33)).astype(np.float32)
    close(ops.bmm(a, b), np.matmul(a.astype(np.float64), b), 7)
    a = rng.standard_normal((3, 60, 70)).astype(np.float32)
    b = rng.standard_normal((3, 70, 50)).astype(np.float32)
    close(ops.bmm(a, b), np.matmul(a.astype(np.float64), b), 70)


def test_linear_matches_numpy(isa, rng):
    x = rng.standard_normal((2, 3, 20)).astype(np.float32)
    w = rng.standard_normal((17, 20)).astype(np.float32)
    bias = rng.standard_normal(17).astype(np.float32)
    close(ops.linear(x, w, bias), x.astype(np.float64) @ w.T + bias, 20)
    close(ops.linear(x[0, 0], w), x[0, 0].astype(np.float64) @ w.T, 20)


def test_gemv_shapes(isa, rng):
    """The streaming small-M path (and small N, solved transposed) with odd sizes."""
    for M, N, K in [(1, 1000, 333), (2, 515, 64), (1, 3, 1000), (700, 1, 99), (333, 4, 17)]:
        for ta, tb in itertools.product([False, True], repeat=2):
            a, b = operands(rng, M, N, K, ta, tb)
            c = rng.standard_normal((M, N)).astype(np.float32)
            bias = rng.standard_normal(M).astype(np.float32)
            got = ops.gemm(
                a,
                b,
                c,
                alpha=2,
                beta=-1,
                trans_a=ta,
                trans_b=tb,
                bias=bias,
                bias_axis=0,
                activation="leaky_relu",
            )
            close(got, np_gemm(a, b, c, 2, -1, ta, tb, bias, 0, "leaky_relu"), K)


def test_threads_give_the_same_result(rng):
    before = pg.num_threads()
    a = rng.standard_normal((200, 300)).astype(np.float32)
    b = rng.standard_normal((300, 150)).astype(np.float32)
    x = rng.standard_normal((2, 2000)).astype(np.float32)  # small-M path, split over N
    y = rng.standard_normal((2000, 300)).astype(np.float32)
    w = rng.standard_normal((30, 400)).astype(np.float32)  # blocked, split over N
    v = rng.standard_normal((400, 500)).astype(np.float32)
    s = rng.standard_normal((16, 20, 30)).astype(np.float32)  # batched, split over the batch

    def run():
        return (
            ops.matmul(a, b),
            ops.gemm(b, a, trans_a=True, trans_b=True),
            ops.matmul(x, y),
            ops.matmul(w, v),
            ops.matmul(s, s.transpose(0, 2, 1)),
        )

    try:
        pg.set_num_threads(1)
        one = run()
        pg.set_num_threads(2)
        two = run()
    finally:
        pg.set_num_threads(before)
    for p, q in zip(one, two):
        np.testing.assert_allclose(p, q, rtol=1e-6, atol=1e-5)


def fd_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        fp = f()
        x[i] = old - eps
        fm = f()
        x[i] = old
        g[i] = (fp - fm) / (2 * eps)
    return g


@pytest.mark.parametrize(
    "sa,sb",
    [
        ((3, 4), (4, 2)),
        ((2, 3, 4), (4, 5)),
        ((4,), (2, 4, 3)),
        ((2, 1, 3, 4), (3, 4, 2)),
        ((3,), (3,)),
        ((2, 3, 4), (2, 4, 5)),
    ],
)
def test_matmul_backward_finite_differences(rng, sa, sb):
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    w = rng.standard_normal(np.matmul(a, b).shape)
    ga, gb = ops.matmul_backward(w, a, b)

    def loss():
        return float(np.sum(ops.matmul(a, b) * w))

    np.testing.assert_allclose(ga, fd_grad(loss, a), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gb, fd_grad(loss, b), rtol=1e-6, atol=1e-7)


def test_linear_backward_finite_differences(rng):
    x, wt, bias = (
        rng.standard_normal((2, 3, 4)),
        rng.standard_normal((5, 4)),
        rng.standard_normal(5),
    )
    g = rng.standard_normal((2, 3, 5))
    gx, gw, gbias = ops.linear_backward(g, x, wt, bias)

    def loss():
        return float(np.sum(ops.linear(x, wt, bias) * g))

    np.testing.assert_allclose(gx, fd_grad(loss, x), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gw, fd_grad(loss, wt), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gbias, fd_grad(loss, bias), rtol=1e-6, atol=1e-7)
    assert ops.linear_backward(g, x, wt)[2] is None


def test_backward_against_torch(rng):
    torch = torch_or_skip()
    shapes = [
        ((5, 7), (7, 3)),
        ((4, 6, 9), (9, 8)),
        ((2, 1, 5, 6), (3, 6, 4)),
        ((9,), (9, 2)),
        ((3, 40, 33), (3, 33, 70)),
        ((1, 300), (300, 200)),
    ]
    for sa, sb in shapes:
        a = rng.standard_normal(sa).astype(np.float32)
        b = rng.standard_normal(sb).astype(np.float32)
        ta = torch.tensor(a, requires_grad=True)
        tb = torch.tensor(b, requires_grad=True)
        out = torch.matmul(ta, tb)
        g = rng.standard_normal(tuple(out.shape)).astype(np.float32)
        out.backward(torch.tensor(g))
        np.testing.assert_allclose(ops.matmul(a, b), out.detach().numpy(), rtol=1e-4, atol=1e-4)
        ga, gb = ops.matmul_backward(g, a, b)
        np.testing.assert_allclose(ga, ta.grad.numpy(), rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(gb, tb.grad.numpy(), rtol=1e-4, atol=1e-4)
    for rows, fin, fout in [(1, 784, 256), (64, 256, 10), (7, 33, 65)]:
        x = rng.standard_normal((rows, fin)).astype(np.float32)
        w = rng.standard_normal((fout, fin)).astype(np.float32)
        bias = rng.standard_normal(fout).astype(np.float32)
        tx, tw, tbias = (torch.tensor(v, requires_grad=True) for v in (x, w, bias))
        out = torch.nn.functional.linear(tx, tw, tbias)
        g = rng.standard_normal(tuple(out.shape)).astype(np.float32)
        out.backward(torch.tensor(g))
        np.testing.assert_allclose(
            ops.linear(x, w, bias), out.detach().numpy(), rtol=1e-4, atol=1e-4
        )
        for mine, theirs in zip(ops.linear_backward(g, x, w, bias), (tx, tw, tbias)):
            np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-4, atol=2e-4)


F = np.ones((2, 3), np.float32)
BAD = [
    (
        ValueError,
        (
            r"matmul: a has shape \(2, 3\) and b has shape \(2, 3\): a's columns \(3\) "
            r"must equal b's rows \(2\)"
        ),
        lambda: ops.matmul(F, F),
    ),
    (ValueError, r"matmul: a must have at least 1 dimension", lambda: ops.matmul(1.0, F)),
    (
        ValueError,
        (
            r"matmul: the batch dimensions of a \(2, 2, 3\) and b \(3, 3, 2\) do not "
            r"broadcast: 2 vs 3"
        ),
        lambda: ops.matmul(np.ones((2, 2, 3)), np.ones((3, 3, 2))),
    ),
    (ValueError, r"matmul: a is empty", lambda: ops.matmul(np.ones((0, 3)), np.ones((3, 2)))),
    (TypeError, r"matmul: b must be a real numeric array", lambda: ops.matmul(F, "x")),
    (ValueError, r"bmm: a must be 3-D \(B, M, K\), got shape \(2, 3\)", lambda: ops.bmm(F, F)),
    (
        ValueError,
        r"bmm: a has batch 2 but b has batch 3",
        lambda: ops.bmm(np.ones((2, 2, 3)), np.ones((3, 3, 2))),
    ),
    (
        ValueError,
        (
            r"gemm: op\(a\) has 3 columns but op\(b\) has 2 rows \(a \(2, 3\), b \(2, 3\), "
            r"trans_a=False, trans_b=False\)"
        ),
        lambda: ops.gemm(F, F),
    ),
    (
        ValueError,
        r"gemm: c must have shape \(M, N\) = \(2, 2\), got \(2, 3\)",
        lambda: ops.gemm(F, F, F, trans_b=True),
    ),
    (
        ValueError,
        r"gemm: bias must have shape \(2,\) for bias_axis=1",
        lambda: ops.gemm(F, F, trans_b=True, bias=np.ones(3)),
    ),
    (
        ValueError,
        r"gemm: bias_axis must be 0 .* got 2",
        lambda: ops.gemm(F, F, trans_b=True, bias=np.ones(2), bias_axis=2),
    ),
    (
        ValueError,
        r"gemm: activation must be None, 'relu' or 'leaky_relu', got 'tanh'",
        lambda: ops.gemm(F, F, trans_b=True, activation="tanh"),
    ),
    (ValueError, r"gemm: a must be 2-D \(M, K\)", lambda: ops.gemm(np.ones(3), F)),
    (
        ValueError,
        r"linear: input has 3 features \(last dim\) but weight \(4, 2\) expects 2",
        lambda: ops.linear(F, np.ones((4, 2))),
    ),
    (
        ValueError,
        r"linear: bias must have shape \(4,\) to match weight \(4, 3\), got \(3,\)",
        lambda: ops.linear(F, np.ones((4, 3)), np.ones(3)),
    ),
    (
        ValueError,
        r"linear: weight must be 2-D \(out_features, in_features\)",
        lambda: ops.linear(F, np.ones(3)),
    ),
    (ValueError, r"matmul_backward: grad_output", lambda: ops.matmul_backward(F, F, F.T)),
    (
        ValueError,
        r"linear_backward: grad_output",
        lambda: ops.linear_backward(np.ones((2, 5)), F, np.ones((4, 3))),
    ),
]


@pytest.mark.parametrize("exc,match,call", BAD, ids=[m[:40] for _, m, _ in BAD])
def test_bad_inputs(exc, match, call):
    with pytest.raises(exc, match=match):
        call()
