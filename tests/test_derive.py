"""pg.derive: every example's derivation, evaluated from its printed formulas, equals the
engine's gradient in float64 (and float64 finite differences); the textbook forms come out
as textbooks write them; repeated structure is folded; bad arguments get clear errors."""

from __future__ import annotations

import numpy as np
import pytest

import pygraph as pg

sp = pytest.importorskip("sympy")
from pygraph.symbolic.examples import EXAMPLES  # noqa: E402
from pygraph.symbolic.notation import latex, text  # noqa: E402


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_derivation_verifies_against_the_engine(name):
    loss, wrt, feeds = EXAMPLES[name]()
    d = pg.derive(loss, wrt)
    assert d.verify(**feeds) < 1e-9
    assert np.abs(d.evaluate(**feeds)).max() > 1e-3  # a real gradient, not zeros


def _finite_differences(loss, wrt, feeds, eps=1e-6):
    """d loss / d wrt by central differences in float64, through the engine's forward only."""
    f = pg.compile([loss], optimize=False)
    base = np.asarray(wrt.value, dtype=np.float64)
    grad = np.zeros_like(base)
    for k in range(base.size):
        values = []
        for sign in (1, -1):
            p = base.copy()
            p.flat[k] += sign * eps
            wrt.value = p.astype(np.float32)
            values.append(float(np.asarray(f(**feeds)[0], dtype=np.float64)))
        grad.flat[k] = (values[0] - values[1]) / (2 * eps)
    wrt.value = base.astype(np.float32)
    return grad


def test_evaluate_matches_finite_differences():
    loss, wrt, feeds = EXAMPLES["two_layer_sigmoid"]()
    d = pg.derive(loss, wrt)
    # the forward runs in float32, so differences of 1e-6 carry ~1e-3 relative noise
    np.testing.assert_allclose(
        d.evaluate(**feeds), _finite_differences(loss, wrt, feeds, eps=1e-2), atol=2e-4
    )


def _named(d, name):
    return next(n for n in d._b.names.values() if n.name == name).tensor


def test_sigmoid_with_binary_cross_entropy_cancels_to_a_minus_t():
    loss, wrt, feeds = EXAMPLES["two_layer_sigmoid"]()
    d = pg.derive(loss, wrt)
    step = d.steps[1]
    a2, t = _named(d, "a^(2)"), _named(d, "t")
    N = next(iter(d._b.counts))
    n, j = step.idx
    assert step.result == (a2[n, j] - t[n, j]) / N
    assert "σ′(z) = σ(z)(1 − σ(z))" in step.says
    # the chain form shows the factor a(1 − a) before it cancels
    assert step.chain.has(1 - a2[n, j])


def test_first_layer_gradient_is_the_textbook_product():
    """Σ over the batch and the output units of (a⁽²⁾ − t)/N · W⁽²⁾ · a⁽¹⁾(1 − a⁽¹⁾) · x."""
    loss, wrt, feeds = EXAMPLES["two_layer_sigmoid"]()
    d = pg.derive(loss, wrt)
    a1, a2, t, x, W2 = (_named(d, s) for s in ("a^(1)", "a^(2)", "t", "x", "W^(2)"))
    N = next(iter(d._b.counts))
    j, i = d.steps[-1].idx
    n, k = sp.symbols("n k", integer=True)
    error = sp.Sum((a2[n, k] - t[n, k]) / N * W2[k, j], (k, 0, 1))
    expected = sp.Sum(error * a1[n, j] * (1 - a1[n, j]) * x[n, i], (n, 0, 3))
    got = d.result
    assert not any("δ" in str(b) for b in got.atoms(sp.IndexedBase))  # fully substituted
    assert {str(b) for b in got.atoms(sp.IndexedBase)} == {str(b) for b in (a1, a2, t, x, W2)}
    # the same function: compare both on random values of every tensor
    rng = np.random.default_rng(3)
    shapes = {a1: (4, 5), a2: (4, 2), t: (4, 2), x: (4, 3), W2: (2, 5)}
    data = {b.label: rng.normal(size=s) for b, s in shapes.items()} | {N: np.asarray(8.0)}
    from pygraph.symbolic.evaluate import evaluate

    ranges = {j: (0, 5), i: (0, 3)}
    lhs = evaluate(got, data, ranges).aligned((j, i))
    rhs = evaluate(expected, data, ranges).aligned((j, i))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12)
    assert "(a⁽²⁾[n, k] - t[n, k])" in text(got)


def test_softmax_with_cross_entropy_is_p_minus_y():
    loss, wrt, feeds = EXAMPLES["softmax_mlp"]()
    d = pg.derive(loss, wrt)
    first = d.steps[0]
    n, j = first.idx
    p, y = _named(d, "p^(1)"), _named(d, "y^(1)")
    assert first.result == (p[n, j] - y[n, j]) / next(iter(d._b.counts))
    assert "p − y" in first.says


def test_repeated_layers_fold_into_one_recurrence():
    loss, wrt, feeds = EXAMPLES["softmax_mlp"]()
    page = str(pg.derive(loss, wrt))
    assert "for l = 3, 2, 1, the same steps each layer:" in page
    assert "δa⁽ˡ⁾[n, j] = Σ_k W⁽ˡ⁺¹⁾[k, j]·δz⁽ˡ⁺¹⁾[n, k]" in page
    assert "δz⁽ˡ⁾[n, j] = (1 - a⁽ˡ⁾[n, j]^2)·δa⁽ˡ⁾[n, j]" in page
    assert "δa⁽²⁾" not in page  # folded, not expanded


def test_backprop_through_time_sums_over_the_steps():
    loss, wrt, feeds = EXAMPLES["rnn"]()
    d = pg.derive(loss, wrt)
    page = str(d)
    assert "δa⁽ˡ⁾[n, j] = δo⁽¹⁾[n, l−1, j] + Σ_k W_hh[k, j]·δz⁽ˡ⁺¹⁾[n, k]" in page
    assert "δW_hh[j, i] = Σ_(l=1…3) Σ_n a⁽ˡ⁾[n, i]·δz⁽ˡ⁺¹⁾[n, j]" in page


def test_strided_convolution_in_index_form():
    loss, _, feeds = EXAMPLES["strided_conv_input"]()
    page = str(pg.derive(loss, "x"))
    # the input gradient reads the output at (h + pad − p)/s
    reads = "δz⁽¹⁾[n, o, (h - p + 1)/2, (-q + w + 1)/2]"
    assert f"δx[n, c, h, w] = Σ_{{o,p,q}} w[o, c, p, q]·{reads}" in page
    loss, _, feeds = EXAMPLES["strided_conv"]()
    page = str(pg.derive(loss, "w"))
    assert "x[n, c, 2·i + p - 1, 2·j + q - 1]" in page


def test_pooling_routes_and_spreads_the_error():
    loss, wrt, feeds = EXAMPLES["pooling"]()
    page = str(pg.derive(loss, wrt))
    assert "𝟙[z⁽¹⁾[n, c, h, w] = m⁽¹⁾[n, c, ⌊h/2⌋, ⌊w/2⌋]]" in page  # to the window's max
    assert "δm⁽²⁾[n, c, ⌊h/2⌋, ⌊w/2⌋]/4" in page  # 1/k² each


def test_batch_norm_backward_is_the_full_formula():
    loss, wrt, feeds = EXAMPLES["batch_norm"]()
    d = pg.derive(loss, wrt)
    result = text(d.steps[-1].chain)
    for piece in ("M·δy⁽¹⁾[n, c, h, w]", "x̂⁽¹⁾[n, c, h, w]·Σ_", "γ⁽¹⁾[c]/(M·sqrt(ε + σ²⁽¹⁾[c]))"):
        assert piece in result, result


def test_steps_unpack_as_explanation_and_equation():
    loss, wrt, feeds = EXAMPLES["two_layer_sigmoid"]()
    d = pg.derive(loss, wrt)
    assert len(d.steps) == 5
    for says, eq in d.steps:
        assert isinstance(says, str) and says
        assert isinstance(eq, sp.Eq)


def test_latex_page():
    loss, wrt, feeds = EXAMPLES["two_layer_sigmoid"]()
    d = pg.derive(loss, wrt)
    tex = d.latex()
    assert tex.startswith("\\begin{align*}") and tex.endswith("\\end{align*}")
    assert tex.count("{") == tex.count("}")
    assert "\\sigma\\left({z^{(1)}}_{n,j}\\right)" in tex
    assert "\\frac{\\partial L}{\\partial {{W}^{(1)}}_{j,i}}" in tex
    assert d._repr_latex_().startswith("$$\\begin{aligned}")
    assert latex(d.steps[0].lhs) == "{\\delta {a}^{(2)}}_{n,j}"


def test_derive_is_fast_enough_for_lenet():
    loss, wrt, feeds = EXAMPLES["lenet5"]()
    d = pg.derive(loss, wrt)  # the timing itself lives in benchmarks/bench_derive.py
    assert len(d.steps) >= 8 and "for l = 4, 3" in str(d)


def test_errors_name_the_problem():
    x = pg.input((3,), name="x")
    w = pg.param((3,), name="w")
    with pytest.raises(ValueError, match=r"scalar.*shape \(3,\)"):
        pg.derive(x * w, w)
    with pytest.raises(ValueError, match="no parameter or input named 'v'"):
        pg.derive((x * w).sum(), "v")
    with pytest.raises(ValueError, match="not an op's output"):
        pg.derive((x * w).sum(), x * w)
    with pytest.raises(ValueError, match="does not depend on wrt"):
        pg.derive(x.sum(), w)
    with pytest.raises(NotImplementedError, match="'dropout'"):
        pg.derive(pg.dropout(x * w, 0.5, training=True).sum(), w)


def _weighted(y, rng):
    """Σ C·y with a random C: every output element gets its own error."""
    return (y * pg.constant(rng.normal(size=y.shape))).sum()


def _p(rng, *shape):
    return pg.param(shape, init=rng.normal(size=shape))


ONE_OP = {
    "max_pool padding": lambda x, r: pg.max_pool2d(x, 3, stride=2, padding=1),
    "max_pool ceil_mode": lambda x, r: pg.max_pool2d(x, 2, ceil_mode=True),
    "avg_pool padding": lambda x, r: pg.avg_pool2d(x, 3, stride=2, padding=1),
    "adaptive divisible": lambda x, r: pg.adaptive_avg_pool2d(x, (2, 5)),
    "adaptive bins": lambda x, r: pg.adaptive_avg_pool2d(x, (3, 2)),
    "global max": lambda x, r: pg.global_max_pool2d(x),
    "global avg": lambda x, r: pg.global_avg_pool2d(x),
    "layer_norm": lambda x, r: pg.layer_norm(x, (5,), _p(r, 5), _p(r, 5)),
    "conv_transpose": lambda x, r: pg.conv_transpose2d(
        x, _p(r, 4, 2, 3, 3), _p(r, 2), stride=2, padding=1, output_padding=1
    ),
    "grouped dilated conv": lambda x, r: pg.conv2d(x, _p(r, 4, 2, 2, 2), dilation=2, groups=2),
    "softmax": lambda x, r: pg.softmax(x, axis=1),
    "log_softmax": lambda x, r: pg.log_softmax(x, axis=-1),
    "permute + mean": lambda x, r: pg.permute(x, (0, 2, 3, 1)).mean(axis=(1, 2)),
    "concat + slice": lambda x, r: pg.concat([x, x * 2.0], axis=1)[:, 1:4],
    "amax": lambda x, r: pg.amax(x, axis=(2, 3)),
    "amin keepdims": lambda x, r: pg.amin(x, axis=1, keepdims=True),
    "pad": lambda x, r: pg.pad(x, (1, 2, 0, 1)),
    "pad value": lambda x, r: pg.pad(x, (1, 1), value=0.5),
    "prelu per channel": lambda x, r: pg.prelu(x, _p(r, 4)),
    "prelu shared": lambda x, r: pg.prelu(x, _p(r, 1)),
    "broadcast_to": lambda x, r: pg.graph._emit("broadcast_to", x.mean(axis=0), shape=[3, 4, 5, 5]),
}


@pytest.mark.parametrize("case", sorted(ONE_OP))
def test_each_op_form_verifies(case):
    """The op after a 1×1 convolution: ∂/∂ x, its kernel w and the op's own parameters."""
    rng = np.random.default_rng(5)
    x = pg.input((2, 3, 5, 5), name="x")
    w = pg.param((4, 3, 1, 1), init=rng.normal(size=(4, 3, 1, 1)), name="w")
    loss = _weighted(ONE_OP[case](pg.conv2d(x, w), rng), rng)
    X = rng.normal(size=(2, 3, 5, 5))
    for wrt in ["x", *[loss.graph.value(v)["name"] for v in loss.graph.params()]]:
        assert pg.derive(loss, wrt).verify(x=X) < 1e-9, wrt


def test_embedding_rows_collect_their_positions():
    rng = np.random.default_rng(6)
    idx = pg.input((2, 3), dtype="int64", name="i")
    table = pg.param((4, 2), init=rng.normal(size=(4, 2)), name="E")
    loss = _weighted(pg.tanh(pg.embedding(idx, table)), rng)
    d = pg.derive(loss, table)
    assert d.verify(i=np.array([[0, 3, 3], [1, 0, 2]])) < 1e-9
    assert "𝟙[i[n, t] = j]" in str(d) or "𝟙[j = i[n, t]]" in str(d)


def test_repeated_residual_blocks_are_written_once():
    loss, wrt, feeds = EXAMPLES["residual"]()
    d = pg.derive(loss, wrt)
    page, tex = str(d), d.latex()
    assert "(10) the same 7 steps as (3)–(9), layer numbers renamed (z⁽¹⁰⁾→z⁽⁷⁾" in page
    assert "(11) the same 6 steps as (3)–(8)" in page
    assert page.count("batch norm's backward") == 2  # the other four are referenced
    assert "the same 7 steps as (3)--(9)" in tex and tex.count("{") == tex.count("}")


def test_two_encoder_layers_attention_and_layer_norm():
    """Two TransformerEncoderLayers (their parameters have the same attribute names: each
    gets its own symbol), multi-head attention's reshapes and batched matmuls, layer norm."""
    rng = np.random.default_rng(7)
    x = pg.input((2, 3, 8), name="x")
    layers = pg.nn.Sequential(*[pg.nn.TransformerEncoderLayer(8, 2, 16) for _ in range(2)])
    layers.eval()  # dropout's masks are random; in eval mode it is the identity
    loss = _weighted(layers(x), rng)
    X = rng.normal(size=(2, 3, 8))
    for wrt in ("0.self_attn.in_proj_weight", "1.self_attn.in_proj_weight", "1.norm2.weight", "x"):
        assert pg.derive(loss, wrt).verify(x=X) < 1e-9, wrt


# Forward ops pg.derive has no index form for, named so that adding one is a decision:
# dropout (a random mask), maxout, max_unpool2d and take_at_indices (index routing), fill,
# argmax/argmin (no gradient); the *_backward ops, gemm and fused_elementwise only appear in
# gradient graphs and compiled programs.
NO_FORMULA = {"dropout", "maxout", "max_unpool2d", "take_at_indices", "fill", "argmax", "argmin"}


def test_every_forward_op_has_an_index_form_or_is_named():
    import importlib

    importlib.import_module("pygraph.symbolic.derive")
    from pygraph.symbolic.formulas import FORMULAS

    table = pg._core.op_table()
    forward = {o["name"] for o in table if o["category"] != "fused"}
    forward = {o for o in forward if not o.endswith("_backward")}
    assert sorted(forward - set(FORMULAS) - NO_FORMULA) == []
    assert NO_FORMULA <= forward and not NO_FORMULA & set(FORMULAS)
