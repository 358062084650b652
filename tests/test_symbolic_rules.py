"""Every registered op has a SymPy rule, and each rule matches the engine: its value, and its
derivative (SymPy's diff) against the engine's gradient rule, in float64 at points away from
kinks (random inputs: no ties for max, abs, relu). The nodes checked are the ones the engine
itself emits for small networks (forward, autodiff's backward ops, and the fuse pass's gemm /
fused_elementwise), one per distinct case of each op. Integer outputs (indices) compare
exactly; non-differentiable ops compare values only; the inputs rules.NO_GRADIENT names get
no gradient from the engine, as in torch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import pygraph as pg

sp = pytest.importorskip("sympy")
from pygraph.symbolic import functions as fn  # noqa: E402
from pygraph.symbolic import rules  # noqa: E402
from pygraph.symbolic.rules_grad import gradient  # noqa: E402

F64 = "float64"
TABLE = {op["name"]: op for op in pg._core.op_table()}


def _p(rng, shape, lo=-1.0, hi=1.0):
    return pg.param(shape, init=rng.uniform(lo, hi, shape), dtype=F64)


def _labels(values):
    return pg.constant(np.asarray(values), dtype="int64")


def _network(rng) -> list:
    """Scalars that together use every differentiable op of the registry."""
    P = lambda *s, lo=-1.0, hi=1.0: _p(rng, s, lo, hi)  # noqa: E731
    x4, x3 = P(1, 4, 5, 5), P(2, 4, 7)
    # smaller inputs where SymPy's work grows fast: a whole channel or plane couples
    xg, xb = P(2, 2, 3, 2), P(2, 3, 2, 2)
    out = [
        (P(3) + P(3) - P(3) * P(3) / P(3, lo=0.5, hi=1.5)).sum(),
        pg.log(pg.exp(-P(4)) + 1.0).mean(axis=0),
        pg.relu(P(5)).sum() + pg.sigmoid(P(5)).sum() + pg.tanh(P(5)).sum(),
        (P(3, 4) @ P(4, 2)).sum(),
        pg.leaky_relu(P(6), 0.2).sum() + pg.prelu(P(2, 3, 4), P(3)).sum() + pg.elu(P(6)).sum(),
        pg.selu(P(6)).sum() + pg.gelu(P(6)).sum() + pg.gelu(P(6), "tanh").sum(),
        pg.silu(P(6)).sum() + pg.softplus(P(6), 2.0).sum() + pg.maxout(P(2, 6, 3), 3).sum(),
        pg.sqrt(P(5, lo=0.5, hi=2)).sum() + pg.abs(P(5)).sum() + pg.erf(P(5)).sum(),
        pg.conv2d(x4, P(4, 2, 3, 3), P(4), stride=2, padding=1, groups=2).sum(),
        pg.conv1d(x3, P(3, 4, 2), dilation=2).sum()
        + pg.conv3d(P(1, 2, 3, 3, 3), P(2, 2, 2, 2, 2)).sum(),
        pg.conv_transpose2d(
            P(1, 4, 3, 3), P(4, 1, 3, 3), P(2), stride=2, padding=1, output_padding=1, groups=2
        ).sum(),
        pg.conv_transpose1d(x3, P(4, 2, 3), dilation=2).sum()
        + pg.conv_transpose3d(P(1, 2, 2, 2, 2), P(2, 1, 2, 2, 2)).sum(),
        pg.max_pool2d(x4, 2).sum() + pg.max_pool1d(x3, 3, stride=2, padding=1).sum(),
        pg.avg_pool2d(x4, 3, stride=2, padding=1).sum()
        + pg.avg_pool1d(x3, 2, ceil_mode=True).sum(),
        pg.adaptive_avg_pool2d(x4, (2, 3)).sum() + pg.adaptive_avg_pool1d(x3, 3).sum(),
        pg.global_avg_pool2d(xg).sum() + pg.global_max_pool2d(xg).sum(),
        pg.softmax(P(3, 4)).sum() * P(1).sum() + pg.log_softmax(P(3, 4), axis=0).sum(),
        pg.layer_norm(P(3, 4), (4,), P(4), P(4)).sum() * P(1).sum(),
        (
            pg.batch_norm(xb, P(3), P(3, lo=0.5, hi=2), P(3), P(3), training=True) * P(2, 3, 2, 2)
        ).sum(),
        pg.batch_norm(x3, P(4), P(4, lo=0.5, hi=2), P(4), P(4)).sum(),
        pg.dropout(P(10), 0.5, training=True).sum(),
        pg.cross_entropy(P(3, 4), _labels([0, 3, 1])) + pg.nll_loss(P(3, 4), _labels([2, 0, 1])),
        pg.mse_loss(P(3), P(3)) + pg.binary_cross_entropy(P(3, lo=0.1, hi=0.9), P(3, lo=0, hi=1)),
        pg.binary_cross_entropy_with_logits(P(3), P(3, lo=0, hi=1)),
        pg.permute(P(2, 3, 4), (2, 0, 1)).sum(axis=(0, 1)).sum() + pg.flatten(P(2, 3, 4)).mean(),
        pg.concat([P(2, 3), P(2, 1)], axis=1).sum() + pg.slice(P(5, 2), 0, 1, 4).sum(),
        pg.pad(P(2, 3), (1, 2)).sum() + pg.amax(P(3, 4), axis=1).sum() + pg.amin(P(3, 4)).sum(),
        pg.embedding(_labels([[1, 0], [2, 1]]), P(3, 2)).sum() + P(2, 3).T.reshape((3, 2)).sum(),
    ]
    pg.argmax(P(3, 4), axis=1), pg.argmin(P(3, 4), axis=0)  # not differentiable: nodes only
    x44 = P(2, 4, 4, 4)
    y, idx = pg.max_pool2d(x44, 2, return_indices=True)
    out.append((pg.max_unpool2d(y * P(*y.shape), idx, 2) * P(2, 4, 4, 4)).sum())
    # max_unpool2d's double backward gathers with take_at_indices: emitted here directly
    out.append((pg.graph._emit("take_at_indices", x44 * 1.0, idx) * P(*idx.shape)).sum())
    return out + _cases(P)


def _cases(P) -> list:
    """The attributes _network leaves at their defaults: padding modes, ceil_mode, divisors,
    loss weights and reductions, keepdims, the fused gemm's activations and every unary
    instruction of fused_elementwise."""
    x, w, lab = P(1, 2, 5, 5), P(2, 3), _labels([[1, 0], [2, -1]])
    t = pg.log(pg.exp(-P(6)) * 3.0)  # log 3 − x: positive, so relu passes it on
    t = pg.silu(pg.selu(pg.sqrt(pg.erf(pg.abs(pg.tanh(pg.sigmoid(pg.relu(t))))))))
    pg.argmax(P(2, 3), keepdims=True)  # a node only
    return [
        t.sum() + pg.elu(P(6), 0.5).sum() + pg.softplus(P(6), 2.0, 1.0).sum(),
        pg.relu(P(3, 4) @ P(4, 2) + P(2)).sum() + pg.leaky_relu(P(2, 4) @ P(3, 4).T + P(3)).sum(),
        pg.conv2d(x, P(2, 2, 2, 3), padding="same", dilation=2).sum()
        + pg.conv1d(P(1, 2, 6), P(2, 2, 3), stride=2, padding="valid").sum(),
        pg.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True).sum()
        + pg.max_pool1d(P(1, 2, 9), 2, dilation=2, ceil_mode=True).sum(),
        pg.avg_pool2d(x, 2, padding=1, ceil_mode=True, count_include_pad=False).sum()
        + pg.avg_pool2d(x, 2, divisor_override=3).sum(),
        pg.pad(w, (1, 1, 0, 1), mode="reflect").sum() + pg.pad(w, (2, -1), mode="replicate").sum()
        + pg.pad(w, (0, 1), value=0.5).sum(),
        pg.amax(P(2, 3, 2), axis=(0, 2), keepdims=True).sum()
        + pg.amin(P(2, 3), axis=0, keepdims=True).sum(),
        pg.cross_entropy(P(2, 3, 2), lab, P(3, lo=0.5, hi=2), -1, label_smoothing=0.2)
        + pg.cross_entropy(P(2, 3), _labels([2, 1]), reduction="sum"),
        pg.nll_loss(P(2, 3, 2), lab, P(3, lo=0.5, hi=2), -1, "none").sum()
        + pg.mse_loss(P(3), P(3), reduction="sum"),
        pg.binary_cross_entropy(P(3, lo=0.1, hi=0.9), P(3, lo=0, hi=1), P(3), reduction="sum")
        + pg.binary_cross_entropy_with_logits(P(2, 3), P(2, 3, lo=0, hi=1), P(3), "none",
                                              P(3, lo=0.5, hi=2)).sum(),
        pg.layer_norm(P(2, 2, 3), (2, 3)).sum() * P(1).sum() + pg.softmax(P(2, 3, 2), 0).sum(),
        pg.sum(P(2, 3), axis=1, keepdims=True).sum() + pg.mean(P(2, 3, 2), axis=(0, 2)).sum()
        + pg.transpose(P(2, 3, 2), 0, 2).reshape((6, 2)).sum()
        + pg.flatten(P(2, 3, 2), 0, 1).sum() + pg.concat([w, P(1, 3), w], axis=0).sum(),
        pg.maxout(P(2, 3, 4), 2, axis=-1).sum(),
    ]  # fmt: skip


def _variant(graph, node) -> str:
    """What makes two nodes of one op different cases: attributes and input ranks (shapes
    alone, and dropout's seed, do not)."""
    attrs = {k: v for k, v in node["attrs"].items() if k not in ("shape", "seed")}
    ranks = [len(graph.value(v)["shape"]) for v in node["inputs"]]
    return f"{sorted(attrs.items())} ranks {ranks}"


def _harvest() -> dict:
    """op name -> {variant: (graph, node)}: one node per case of each op, from the networks,
    their gradients and the fused program."""
    pg.manual_seed(0)
    rng = np.random.default_rng(1)
    out = _network(rng)
    total = out[0]
    for y in out[1:]:
        total = total + y
    graph = total.graph
    params = [pg.Tensor(graph, v) for v in graph.params()]
    with warnings.catch_warnings(record=True) as caught:  # the running statistics, argmax's input
        warnings.simplefilter("always")
        pg.grad(total, params)
    unused = {str(w.message).split("Tensor(%")[1].split()[1].rstrip(",") for w in caught}
    grads = pg.grad(total, [p for p in params if p.name not in unused])
    program = pg.compile([total, *grads]).program
    found: dict = {}
    for g in (graph, program):
        for k in range(g.num_nodes):
            node = g.node(k)
            found.setdefault(node["op"], {}).setdefault(_variant(g, node), (g, node))
    return found


HARVEST = _harvest()


def test_every_registered_op_has_a_rule():
    rules._load()
    missing = sorted(set(TABLE) - set(rules.RULES))
    assert not missing, f"ops without a SymPy rule: {missing}"


def test_every_op_is_checked_on_a_node_the_engine_emits():
    assert sorted(set(TABLE) - set(HARVEST)) == []


def _inputs_of(graph, node, rng) -> list[np.ndarray]:
    """The node's input values: computed in its graph, or random for a fused program's node."""
    if TABLE[node["op"]]["category"] == "fused":
        shapes = [graph.value(v)["shape"] for v in node["inputs"]]
        return [rng.uniform(0.2, 1.0, s) for s in shapes]
    tensors = [pg.Tensor(graph, v) for v in node["inputs"]]
    got = pg.compile(tensors, optimize=False)() if tensors else []
    return [np.asarray(v) for v in got]


def _engine(op: str, attrs: dict, values: list, weights: list):
    """The op alone in a fresh graph: its outputs, and the gradient of Σ weights·outputs with
    respect to each float input (None when the op has no gradient)."""
    pg.new_graph()
    xs = [pg.input(v.shape, str(v.dtype), name=f"in{k}") for k, v in enumerate(values)]
    graph = xs[0].graph if xs else pg.graph._state["graph"]
    outs = [pg.Tensor(graph, o) for o in graph.add(op, [x.id for x in xs], attrs, "")]
    feeds = {f"in{k}": v for k, v in enumerate(values)}
    ys = [np.asarray(y) for y in pg.compile(outs, optimize=False)(**feeds)]
    floats = [x for x in xs if x.dtype == F64]
    if not TABLE[op]["differentiable"] or not floats or not weights:
        return ys, None
    loss = None
    for o, w in zip(outs, weights):
        if o.dtype == F64:
            term = (o * pg.constant(w, dtype=F64)).sum()
            loss = term if loss is None else loss + term
    with warnings.catch_warnings():  # buffers and indices-only paths: zeros, as expected
        warnings.filterwarnings("ignore", "grad: y does not depend on")
        grads = pg.grad(loss, floats)
    return ys, [np.asarray(g) for g in pg.compile(grads, optimize=False)(**feeds)]


@pytest.mark.parametrize("op", sorted(TABLE))
def test_rule_matches_the_engine(op):
    """Every case of the op: the rule's outputs equal the engine's, and SymPy's derivative of
    the rule equals the engine's gradient rule."""
    for variant, (graph, node) in HARVEST[op].items():
        _check(op, graph, node, f"{op} {variant}")


def _check(op: str, graph, node, name: str) -> None:
    rng = np.random.default_rng(2)
    values = _inputs_of(graph, node, rng)
    attrs = dict(node["attrs"])
    ys, _ = _engine(op, attrs, values, [])
    if op == "dropout":
        attrs["_mask"] = ys[1]
    weights = [rng.uniform(-1, 1, y.shape) for y in ys]
    ys, grads = _engine(op, attrs_clean(attrs), values, weights)
    if any(y.dtype == np.int64 for y in ys):  # indices: the rule on the numbers, exactly
        got = rules.apply(op, [_numeric(v) for v in values], attrs)
        for k, y in enumerate(ys):
            if y.dtype == np.int64:
                got_k = np.asarray(got[k], dtype=np.int64).reshape(y.shape)
                np.testing.assert_array_equal(got_k, y, err_msg=name)
    if all(y.dtype == np.int64 for y in ys):
        return
    syms = [_symbols(k, v) for k, v in enumerate(values)]
    outs = rules.apply(op, syms, attrs)
    point = {s: float(x) for arr, v in zip(syms, values) if arr.dtype == object
             for s, x in zip(arr.flat, v.flat)}  # fmt: skip
    for y_rule, y in zip(outs, ys):
        if y.dtype == F64:
            got = _evaluate(np.asarray(y_rule, dtype=object), point).reshape(y.shape)
            np.testing.assert_allclose(got, y, rtol=1e-9, atol=1e-10, err_msg=name)
    if grads is None:
        return
    pairs = [(w, e) for y_rule, y, wt in zip(outs, ys, weights) if y.dtype == F64
             for w, e in zip(wt.flat, np.ravel(y_rule))]  # fmt: skip
    floats = [k for k, arr in enumerate(syms) if arr.dtype == object]
    buffers = [k in rules.NO_GRADIENT.get(op, ()) for k in floats]
    for buffer, g in zip(buffers, grads):
        if buffer:  # the formula reads it, but it is a buffer: no gradient by convention
            np.testing.assert_array_equal(g, 0.0, err_msg=f"d {name}")
    wrt = [(syms[k], g) for k, g, buffer in zip(floats, grads, buffers) if not buffer]
    for d, (_, g) in zip(gradient(pairs, [s for s, _ in wrt]), wrt):
        # 1e-9: float64 kernels against exact formulas; sums of a few dozen terms
        np.testing.assert_allclose(_evaluate(d, point).reshape(g.shape), g, rtol=1e-8, atol=1e-9,
                                   err_msg=f"d {name}")  # fmt: skip


def attrs_clean(attrs: dict) -> dict:
    return {k: v for k, v in attrs.items() if not k.startswith("_")}


def _symbols(k: int, v: np.ndarray) -> np.ndarray:
    if v.dtype != np.float64:
        return v
    names = [f"x{k}_{i}" for i in range(v.size)]
    return np.array(sp.symbols(names, real=True) if names else [], dtype=object).reshape(v.shape)


def _numeric(v: np.ndarray) -> np.ndarray:
    return (
        np.array([sp.Float(x) for x in v.flat], dtype=object).reshape(v.shape)
        if v.dtype == np.float64
        else v
    )


def _evaluate(exprs: np.ndarray, point: dict) -> np.ndarray:
    """Evaluate with lambdify (the rules' σ has a numpy implementation)."""
    flat = list(exprs.flat)
    if not flat:
        return np.zeros(exprs.shape)
    keys = list(point)
    f = sp.lambdify(keys, flat, modules=fn.LAMBDIFY_MODULES)
    return np.asarray(f(*[point[k] for k in keys]), dtype=float).reshape(exprs.shape)
