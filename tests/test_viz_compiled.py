"""Gradient provenance through the compiler and its pictures: a compiled training step keeps
Node.grad_of (fused gradient ops too), and its op view and pass views draw the mirrored
forward/backward layout; the layer view names the params a bare op reads (ViT's cls_token)."""

from __future__ import annotations

import re
import shutil

import pytest

import pygraph as pg
from pygraph.viz.dot import Diagram

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")


def _lenet_step():
    """A LeNet-5 training step (SGD with momentum), compiled with every pass and traced."""
    model = pg.models.lenet5()
    x = pg.input((2, 1, 32, 32), name="x")
    t = pg.input((2,), dtype="int64", name="t")
    loss = pg.cross_entropy(model(x), t)
    params = [p.in_graph(loss.graph) for p in model.parameters()]
    pairs = pg.optim.SGD(lr=0.05, momentum=0.9).updates(params, pg.grad(loss, params))
    return pg.compile(loss, updates=pairs, trace=True)


@pytest.fixture(scope="module")
def step():
    return _lenet_step()


def _after_gradient(g, nodes: list[int], seeds: set[int]) -> set[int]:
    """The nodes that read (transitively) an output of a seed node: the backward and update
    part, found from the data flow alone."""
    hit = set(seeds)
    made = {v for n in seeds for v in g.node(n)["outputs"]}
    for n in nodes:
        if any(v in made for v in g.node(n)["inputs"]):
            hit.add(n)
            made.update(g.node(n)["outputs"])
    return hit


def _final_value(step, v: int) -> int:
    for r in step.passes:
        if r["after"][0] is not r["before"][0] and v >= 0:
            v = r["value_map"][v]
    return v


def test_compiled_training_step_keeps_grad_of(step) -> None:
    g = step.program
    nodes = list(g.needed(step._kept_ids))
    ops = {n: g.node(n)["op"] for n in nodes}
    (start,) = [n for n in nodes if ops[n] == "cross_entropy_backward"]
    back = _after_gradient(g, nodes, {start})
    for n in nodes:
        of = g.node(n)["grad_of"]
        if n not in back:
            assert of == -1, (n, ops[n])  # forward nodes
        elif of >= 0:
            assert of not in back and of in nodes  # it differentiates a forward node
    # the rule of each unfused gradient op differentiates the forward op it is named after
    pairs = {"cross_entropy_backward": "cross_entropy", "conv_backward": "conv2d",
             "max_pool_backward": "max_pool2d"}  # fmt: skip
    for n in nodes:
        if ops[n] in pairs:
            assert ops[g.node(n)["grad_of"]] == pairs[ops[n]]
    # the backward chain has no unmarked link: a node the gradient ops read is a gradient op
    # or forward; only the optimizer's nodes (read by none of them) stay -1
    for n in back:
        if g.node(n)["grad_of"] >= 0:
            for v in g.node(n)["inputs"]:
                p = g.value(v)["producer"]
                assert p < 0 or p not in back or g.node(p)["grad_of"] >= 0, (ops[n], ops.get(p))
    fused = [n for n in back if ops[n] == "fused_elementwise" and g.node(n)["grad_of"] >= 0]
    assert fused  # relu's gradient step(x) * g, fused, is still a gradient node


def test_every_gradient_op_before_the_passes_ends_in_a_gradient_node(step) -> None:
    first = step.passes[0]
    bg, bouts = first["before"]
    g = step.program
    marked = [n for n in bg.needed(list(bouts)) if bg.node(n)["grad_of"] >= 0]
    assert len(marked) > 20  # the copy of the built graph keeps grad_of
    for n in marked:
        v = _final_value(step, bg.node(n)["outputs"][0])
        p = g.value(v)["producer"] if v >= 0 else -1
        if p >= 0 and g.node(p)["op"] == bg.node(n)["op"]:  # survived unfused
            assert g.node(p)["grad_of"] >= 0, bg.node(n)["op"]


def test_compiled_step_view_draws_the_mirrored_layout(step) -> None:
    src = pg.render(step).source
    clusters = set(re.findall(r'label="∂ (\w+)"', src))
    assert {"conv2d", "max_pool2d", "gemm", "cross_entropy", "reshape"} <= clusters
    assert 'label="optimizer update"' in src
    assert "new features.0.weight" in src and "new features.0.weight.momentum" in src
    g = step.program
    for of, last in re.findall(r'n(\d+) -> n(\d+) \[style="dashed"', src):
        assert g.node(int(last))["grad_of"] == int(of)  # provenance edges join a rule to its op
        assert f"{{rank=same; n{of}; n{last};}}" in src


def test_pass_view_draws_provenance_on_both_sides(step) -> None:
    src = pg.render(step, pass_name="fuse").source
    for prefix in ("b", "a"):
        assert re.search(rf'{prefix}n\d+ -> {prefix}n\d+ \[style="dashed"', src), prefix
    assert src.count('label="optimizer update"') == 2
    assert 'label="∂ relu"' in src  # before fuse, relu is its own op


@needs_dot
def test_compiled_step_renders_to_svg(step) -> None:
    assert pg.render(step).svg().startswith("<?xml")


@needs_dot
def test_a_failed_layout_falls_back() -> None:
    d = Diagram("digraph G { a -> }", fallback=lambda: "digraph G { a -> b }")
    assert "<svg" in d.svg() and d.source == "digraph G { a -> b }"
    with pytest.raises(RuntimeError, match="dot -Tsvg failed"):
        Diagram("digraph G { a -> }").svg()


def test_layer_view_names_the_params_a_bare_op_reads() -> None:
    model = pg.models.vit_tiny(img_size=32, patch_size=8, embed_dim=24, depth=2, num_classes=10)
    src = pg.render(model).source
    cls, pos = model.cls_token.shape, model.pos_embed.shape
    assert f"<B>concat</B> cls_token ({'×'.join(map(str, cls))})" in src
    assert f"<B>add</B> pos_embed ({'×'.join(map(str, pos))})" in src


def test_budget_rolls_repeats_up_before_depth() -> None:
    model = pg.models.vit_tiny(img_size=32, patch_size=8, embed_dim=24, depth=12, num_classes=10)
    d = pg.render(model, max_nodes=40)
    assert d.notes == ["over 40 boxes: repeats rolled up"]
    assert "<B>Block ×12</B>" in d.source and "LayerNorm" in d.source
