"""pg.render of gradients and passes: gradient provenance (Node.grad_of), a compiler pass
before/after (pass_name=), and `pygraph render` for every zoo model."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest

import pygraph as pg
from pygraph import cli
from pygraph.viz import styles

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")


def _mlp_loss():
    x = pg.input((4, 3), name="x")
    w = pg.param((3, 2), init="xavier", name="w")
    b = pg.param((2,), name="b")
    return pg.relu(x @ w + b).mean(), w, b


def test_grad_of_names_the_forward_node_each_rule_differentiates() -> None:
    loss, w, b = _mlp_loss()
    g = loss.graph
    start = g.num_nodes
    pg.grad(loss, [w, b])
    fwd = {g.node(n)["op"]: n for n in range(start)}
    by_rule: dict[int, list[str]] = {}
    for n in range(start, g.num_nodes):
        of = g.node(n)["grad_of"]
        assert of == -1 or of < start  # always a forward node
        by_rule.setdefault(of, []).append(g.node(n)["op"])
    assert all(g.node(n)["grad_of"] == -1 for n in range(start))
    # relu' = step(x) * g; add passes g through (reduced to b's shape); matmul: g @ wᵀ, xᵀ @ g
    assert sorted(by_rule[fwd["relu"]]) == ["mul", "step"]
    assert "sum_to" in by_rule[fwd["add"]] and by_rule[fwd["matmul"]].count("matmul") >= 1
    assert by_rule[-1] == ["fill"]  # the seed belongs to no rule


def test_backward_view_groups_gradient_ops_beside_their_forward_op() -> None:
    loss, w, b = _mlp_loss()
    src = pg.render(loss, backward=True).source
    g = loss.graph
    relu = next(n for n in range(g.num_nodes) if g.node(n)["op"] == "relu")
    rule = [n for n in range(g.num_nodes) if g.node(n)["grad_of"] == relu]
    block = re.search(r'label="∂ relu";\n(.*?)\n\s*}', src, re.S)
    assert block is not None
    assert sorted(map(int, re.findall(r"\bn(\d+) \[", block.group(1)))) == rule
    assert f'n{relu} -> n{rule[-1]} [style="dashed"' in src  # the provenance edge
    assert f"{{rank=same; n{relu}; n{rule[-1]};}}" in src  # on the forward op's level
    clusters = re.findall(r'label="∂ (\w+)"', src)
    assert sorted(clusters) == ["add", "matmul", "mean", "relu"]
    assert 'dir="back"' in src  # gradients drawn flowing upward


def _traced():
    x = pg.input((4, 3), name="x")
    w = pg.param((3, 2), init="xavier", name="w")
    b = pg.param((2,), name="b")
    h = x @ w + b
    y = pg.relu(h) * 1.0 + pg.sigmoid(h) * pg.sigmoid(h)  # x*1, a twin, a fusable chain
    loss = (y * pg.constant(np.full((4, 2), 2.0, np.float32)) * 0.5).mean()
    return pg.compile([loss, *pg.grad(loss, [w, b])], trace=True)


def _log_ids(report: dict) -> set[int]:
    return {int(m) for line in report["log"] for m in re.findall(r"#(\d+)", line)}


@pytest.mark.parametrize("name", ["simplify", "fuse"])
def test_pass_diff_agrees_with_the_report(name: str) -> None:
    c = _traced()
    r = next(r for r in c.passes if r["pass"] == name)
    d = pg.viz.pass_diff(c, name)
    assert d.removed and d.added or name == "simplify"
    assert len(d.removed) - len(d.added) == r["nodes_before"] - r["nodes_after"]
    assert _log_ids(r) <= set(d.removed) | set(d.changed)  # every rewrite the log names
    if name == "simplify":  # each simplify rewrite is logged: the sets are equal
        assert _log_ids(r) == set(d.removed) | set(d.changed)
    after_ir_ops = set(re.findall(r"= (\w+)[(\[]", r["ir"]))
    assert {d.after.graph.node(a)["op"] for a in d.added} <= after_ir_ops
    assert all(d.into[b] in d.added for b in d.into)


def test_pass_view_draws_before_and_after_with_marks() -> None:
    c = _traced()
    d = pg.viz.pass_diff(c, "fuse")
    src = pg.render(c, pass_name="fuse").source
    assert 'label="before fuse (' in src and 'label="after fuse (' in src
    removed = re.findall(r"^\s*bn(\d+) \[.*color=\"#cc0000\"", src, re.M)
    added = re.findall(r"^\s*an(\d+) \[.*color=\"#38761d\"", src, re.M)
    assert sorted(map(int, removed)) == sorted(d.removed)
    assert sorted(map(int, added)) == sorted(d.added)
    gemm = next(a for a in d.added if d.after.graph.node(a)["op"] == "gemm")
    assert f"→ gemm #{gemm}" in src  # a removed matmul says where it went
    assert c.render_pass("fuse").source == src
    assert styles.MARK_STYLE["removed"]["color"] == "#cc0000"


def test_plan_memory_changes_no_node() -> None:
    d = pg.viz.pass_diff(_traced(), "plan_memory")
    assert not d.removed and not d.added and not d.changed


def test_pass_view_errors() -> None:
    x = pg.input((2, 2), name="x")
    plain = pg.compile(pg.relu(x))
    with pytest.raises(ValueError, match="trace=True"):
        pg.render(plain, pass_name="fuse")
    traced = pg.compile(pg.relu(x), optimize=["simplify"], trace=True)
    with pytest.raises(ValueError, match="'fuse' did not run.*simplify"):
        pg.render(traced, pass_name="fuse")
    with pytest.raises(TypeError, match="pg.compile result"):
        pg.render(pg.models.mlp(), pass_name="fuse")


@needs_dot
@pytest.mark.parametrize("name", pg.models.list_models())
def test_cli_renders_every_zoo_model(name: str, tmp_path, capsys) -> None:
    out = tmp_path / f"{name}.svg"
    assert cli.main(["render", name, "-o", str(out)]) == 0
    svg = out.read_text()
    assert svg.startswith("<?xml") and re.search(r"input .* · [\d,]+ params", svg)
    assert f"wrote {out}" in capsys.readouterr().out
