"""plan_memory and the arena executor: an independent checker of every plan (no two values
live at the same step share bytes), and results equal to the unplanned graph
(`optimize=False`) on training steps, multi-output nodes and random elementwise DAGs."""

from __future__ import annotations

import numpy as np
import pytest

import pygraph as pg

# Ops whose output may overwrite an input that dies there (kept apart from the C++ list on
# purpose: the checker must not trust the planner's own rule).
ELEMENTWISE = set(
    "add sub mul div neg exp log relu sigmoid tanh leaky_relu elu selu gelu silu softplus sqrt "
    "abs erf step fused_elementwise".split()
)


def nbytes(info: dict) -> int:
    return int(np.prod(info["shape"], dtype=np.int64)) * np.dtype(info["dtype"]).itemsize


def live_intervals(f: pg.Compiled) -> dict[int, tuple[int, int]]:
    """[def step, last read step] of every value a node makes, recomputed from the program."""
    iv: dict[int, list[int]] = {}
    for k, n in enumerate(f._plan.order):
        node = f.program.node(n)
        for v in node["inputs"]:
            if v in iv:
                iv[v][1] = k
        for v in node["outputs"]:
            iv[v] = [k, k]
    return {v: (a, b) for v, (a, b) in iv.items()}


def check_disjoint(rows: list[dict]) -> None:
    """Values live at one step use disjoint bytes, except y written over x in place, where x
    dies exactly where y is made."""
    by_value = {r["value"]: r for r in rows}
    for i, a in enumerate(rows):
        for b in rows[i + 1 :]:
            if a["first"] > b["last"] or b["first"] > a["last"]:
                continue  # never live together
            if a["offset"] >= b["offset"] + b["bytes"] or b["offset"] >= a["offset"] + a["bytes"]:
                continue  # disjoint bytes
            x, y = (a, b) if a["first"] < b["first"] else (b, a)
            assert y["inplace_of"] == x["value"] and x["last"] == y["first"], (a, b)
            assert y["op"] in ELEMENTWISE and x["offset"] == y["offset"], (a, b)
    for r in rows:
        if r["inplace_of"] is not None:
            assert by_value[r["inplace_of"]]["bytes"] == r["bytes"]


def check_plan(f: pg.Compiled) -> dict:
    """Asserts the plan is sound; returns f.memory."""
    rows, mem = f.memory_plan, f.memory
    iv = live_intervals(f)
    kept = set(f._kept_ids)
    planned = {r["value"] for r in rows}
    for v, _ in iv.items():  # every intermediate with bytes is planned; outputs never are
        info = f.program.value(v)
        assert (v in planned) == (v not in kept and nbytes(info) > 0), (v, info)
    for r in rows:
        assert (r["first"], r["last"]) == iv[r["value"]]
        assert r["bytes"] == nbytes(f.program.value(r["value"]))
        assert r["offset"] % 64 == 0
        assert r["offset"] + r["bytes"] <= mem["arena_bytes"]
    check_disjoint(rows)
    assert mem["naive_bytes"] == sum(r["bytes"] for r in rows)
    assert mem["inplace"] == sum(r["inplace_of"] is not None for r in rows)
    return mem


def assert_same(a, b, exact: bool = False):
    for u, v in zip(a, b, strict=True):
        if exact:
            np.testing.assert_array_equal(u, v)
        else:
            np.testing.assert_allclose(u, v, rtol=1e-5, atol=1e-6)  # simplify may refold


def both(outputs, **feeds):
    f, g = pg.compile(outputs), pg.compile(outputs, optimize=False)
    return f, f(**feeds), g(**feeds)


def assert_arena_used(f: pg.Compiled):
    mem = f.memory
    assert mem["landed"] > 0 and mem["landed"] >= 0.8 * (mem["landed"] + mem["fallback"]), mem


def mlp_loss(rng, n=16):
    x, t = pg.input((n, 20), name="x"), pg.input((n,), dtype="int64", name="t")
    ps = [
        pg.param(s, init="he", name=f"w{k}") for k, s in enumerate([(32, 20), (32,), (5, 32), (5,)])
    ]
    h = pg.gelu(pg.linear(x, ps[0], ps[1]))
    loss = pg.cross_entropy(pg.linear(pg.tanh(h) * h, ps[2], ps[3]), t)
    feeds = dict(x=rng.standard_normal((n, 20)).astype(np.float32), t=rng.integers(0, 5, n))
    return loss, ps, feeds


def cnn_loss(rng, n=4):
    x, t = pg.input((n, 3, 12, 12), name="x"), pg.input((n,), dtype="int64", name="t")
    w1 = pg.param((8, 3, 3, 3), init="he", name="w1")
    g1, b1 = pg.param((8,), init="ones", name="g1"), pg.param((8,), init="zeros", name="b1")
    w2 = pg.param((4, 8 * 6 * 6), init="he", name="w2")
    h = pg.batch_norm(pg.conv2d(x, w1, padding=1), None, None, g1, b1, training=True)
    h = pg.max_pool2d(pg.relu(h), 2)
    loss = pg.cross_entropy(pg.linear(pg.flatten(h), w2), t)
    feeds = dict(x=rng.standard_normal((n, 3, 12, 12)).astype(np.float32), t=rng.integers(0, 4, n))
    return loss, [w1, g1, b1, w2], feeds


@pytest.mark.parametrize("model", [mlp_loss, cnn_loss])
def test_gradients_match_unplanned_and_plan_is_sound(model, rng):
    loss, ps, feeds = model(rng)
    f, got, want = both([loss, *pg.grad(loss, ps)], **feeds)
    assert_same(got, want)
    mem = check_plan(f)
    assert mem["arena_bytes"] < mem["naive_bytes"]
    assert f._exe.arena_bytes == mem["arena_bytes"]
    assert_arena_used(f)
    assert "plan_memory: " in f.report() and " vs naive " in f.report()


@pytest.mark.parametrize("model", [mlp_loss, cnn_loss])
def test_training_steps_match_unplanned(model, rng):
    loss, ps, feeds = model(rng)
    pairs = pg.optim.SGD(lr=0.05, momentum=0.9).updates(ps, pg.grad(loss, ps))
    state = [p for p, _ in pairs]  # params and momentum buffers
    start = [p.value.copy() for p in state]
    results = []
    for optimize in (True, False):
        for p, v in zip(state, start):
            p.value = v
        step = pg.compile(loss, optimize=optimize, updates=pairs)
        losses = [float(step(**feeds)) for _ in range(3)]
        results.append((losses, [p.value.copy() for p in state]))
        if optimize:
            check_plan(step)
            assert_arena_used(step)
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-5)
    assert_same(results[0][1], results[1][1])


def test_multi_output_nodes(rng):
    x = pg.input((2, 3, 8, 8), name="x")
    w = pg.param((3, 3, 3, 3), init="he", name="w")
    h, idx = pg.max_pool2d(pg.conv2d(x, w, padding=1), 2, return_indices=True)
    u = pg.max_unpool2d(pg.sigmoid(h), idx, 2)
    d = pg.dropout(u, p=0.3, seed=7)
    y = pg.batch_norm(d, None, None, training=True)
    loss = pg.mean(y * y)
    feeds = dict(x=rng.standard_normal((2, 3, 8, 8)).astype(np.float32))
    f, got, want = both([loss, *pg.grad(loss, [w])], **feeds)
    assert_same(got, want)
    check_plan(f)
    ops = {r["op"] for r in f.memory_plan}
    assert {"max_pool2d", "dropout", "batch_norm"} <= ops
    assert_arena_used(f)
    # forward only: the mask and batch_norm's saved statistics are read by no node, yet they
    # are written while their node runs
    f, got, want = both(loss, **feeds)
    assert_same([got], [want])
    check_plan(f)
    dead = [r for r in f.memory_plan if r["op"] in ("dropout", "batch_norm")]
    assert any(r["first"] == r["last"] for r in dead), dead


def test_outputs_in_the_wrong_slot_are_moved_out_of_the_arena(rng):
    x = pg.input((3, 50), name="x")
    d = pg.dropout(pg.tanh(x), p=0.4, seed=3)  # the value and its mask: one shape, two slots
    loss = pg.sum(pg.sigmoid(d) * d)
    feeds = dict(x=rng.standard_normal((3, 50)).astype(np.float32))
    f = pg.compile([loss, *pg.grad(loss, [x])])
    f._exe.reverse_slots_for_testing(True)
    want = pg.compile([loss, *pg.grad(loss, [x])], optimize=False)(**feeds)
    for _ in range(3):  # later calls overwrite the arena where the moved values were
        assert_same(f(**feeds), want, exact=True)
    assert f.memory["fallback"] >= 6, f.memory


UNARY = [pg.relu, pg.sigmoid, pg.tanh, pg.neg, pg.silu, pg.gelu, pg.elu, pg.abs, pg.erf,
         lambda t: pg.leaky_relu(t, 0.1), lambda t: pg.exp(pg.tanh(t)),
         lambda t: pg.sqrt(pg.abs(t)), lambda t: pg.log(pg.softplus(t) + 1.0)]  # fmt: skip
BINARY = [pg.add, pg.sub, pg.mul, lambda a, b: a / (pg.abs(b) + 1.0)]


def random_dag(rng):
    x = pg.input((4, 33), name="x")
    row, col = pg.input((33,), name="row"), pg.input((4, 1), name="col")
    pool = [x, x * row, x + col]
    for _ in range(int(rng.integers(5, 25))):
        if rng.random() < 0.45:
            v = UNARY[rng.integers(len(UNARY))](pool[rng.integers(len(pool))])
        else:
            other = (
                pool[rng.integers(len(pool))] if rng.random() < 0.8 else [row, col][rng.integers(2)]
            )
            v = BINARY[rng.integers(len(BINARY))](pool[rng.integers(len(pool))], other)
        pool.append(v)
    outs = [pool[-1]] + [pool[k] for k in rng.integers(3, len(pool), rng.integers(0, 3))]
    feeds = {n: rng.standard_normal(s).astype(np.float32) for n, s in
             [("x", (4, 33)), ("row", (33,)), ("col", (4, 1))]}  # fmt: skip
    return outs, feeds, [x, row]


@pytest.mark.filterwarnings("ignore:grad")  # a gradient of zeros for an unused input is fine
@pytest.mark.parametrize("seed", range(50))
def test_random_elementwise_dags(seed):
    rng = np.random.default_rng(seed)
    outs, feeds, leaves = random_dag(rng)
    if seed % 2:  # half of them with gradients, which read forward values late
        loss = pg.sum(outs[0] * outs[0])
        outs = [loss, *pg.grad(loss, leaves)]
    f, got, want = both(outs, **feeds)
    assert_same(got, want, exact=True)
    check_plan(f)
    assert_arena_used(f)


def test_resnet_like_stack_reuses_memory(rng):
    x = pg.input((2, 8, 16, 16), name="x")
    h, params = x, []
    for k in range(4):
        w1 = pg.param((8, 8, 3, 3), init="he", name=f"a{k}")
        w2 = pg.param((8, 8, 3, 3), init="he", name=f"b{k}")
        r = pg.relu(pg.batch_norm(pg.conv2d(h, w1, padding=1), None, None, training=True))
        h = pg.relu(pg.batch_norm(pg.conv2d(r, w2, padding=1), None, None, training=True) + h)
        params += [w1, w2]
    loss = pg.mean(h * h)
    feeds = dict(x=rng.standard_normal((2, 8, 16, 16)).astype(np.float32))
    f, got, want = both([loss, *pg.grad(loss, params)], **feeds)
    assert_same(got, want)
    mem = check_plan(f)
    assert mem["arena_bytes"] < mem["naive_bytes"]
    assert mem["inplace"] > 0


def test_checker_catches_overlap(rng):
    loss, ps, feeds = mlp_loss(rng)
    rows = pg.compile([loss, *pg.grad(loss, ps)]).memory_plan
    check_disjoint(rows)
    a = max(rows, key=lambda r: r["last"] - r["first"])  # long-lived: others overlap it in time
    b = next(r for r in rows if a["first"] < r["first"] <= a["last"] and r["inplace_of"] is None)
    b["offset"] = a["offset"]
    with pytest.raises(AssertionError):
        check_disjoint(rows)


def test_unoptimized_has_no_plan(rng):
    loss, ps, feeds = mlp_loss(rng)
    g = pg.compile(loss, optimize=False)
    assert g.memory is None and g.memory_plan == []
    assert "plan_memory" not in g.report()


def test_plan_for_another_program_is_refused(rng):
    loss, ps, feeds = mlp_loss(rng)
    f = pg.compile(loss)
    inner = f.memory_plan[0]["value"]  # an intermediate: the plan put it in the arena
    with pytest.raises(ValueError, match="memory plan was made for another program"):
        pg._core.Executable(f.program, [inner], [], f._plan)
