"""pg.render's architecture view: DOT content (boxes, labels, clusters, skip edges) and files."""

from __future__ import annotations

import re
import shutil

import pytest

import pygraph as pg

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")


def _nodes(src: str) -> dict[str, str]:
    return dict(re.findall(r"^\s*(u\d+) \[label=(.*)\];$", src, re.M))


def _edges(src: str) -> list[tuple[str, str, str]]:
    return re.findall(r"^\s*(u\d+) -> (u\d+)(.*);$", src, re.M)


def _label_of(src: str, text: str) -> str:
    [uid] = [u for u, lab in _nodes(src).items() if text in lab]
    return uid


def test_lenet_boxes_shapes_params_and_clusters() -> None:
    src = pg.render(pg.models.lenet5()).source
    labels = list(_nodes(src).values())
    assert len(labels) == 14  # input, 6 features, flatten, 5 classifier, output
    conv1 = next(lab for lab in labels if "features.0" in lab)
    assert "Conv2d" in conv1 and "1→6, 5×5" in conv1 and "156 params" in conv1
    assert "1×6×28×28" in conv1  # output shape: (32 - 5 + 1) = 28
    assert "subgraph cluster_0" in src and 'label="features: Sequential"' in src
    assert "61,706 params" in src  # the title's total, as pg.summary counts
    assert len(_edges(src)) == 13  # a chain: every box feeds the next


def test_render_is_deterministic() -> None:
    a = pg.render(pg.models.resnet18(num_classes=10), input_shape=(1, 3, 32, 32)).source
    b = pg.render(pg.models.resnet18(num_classes=10), input_shape=(1, 3, 32, 32)).source
    assert a == b


def test_resnet_residual_adds_are_skip_edges() -> None:
    src = pg.render(pg.models.resnet18(num_classes=10), input_shape=(1, 3, 32, 32)).source
    adds = [u for u, lab in _nodes(src).items() if "<B>+</B>" in lab]
    assert len(adds) == 8  # one per BasicBlock
    skips = [(a, b) for a, b, attrs in _edges(src) if "dashed" in attrs]
    # identity shortcuts: blocks without downsample (8 blocks - 3 downsampling ones)
    assert len(skips) == 5 and all(b in adds for _, b in skips)
    assert 'label="layer2.0.downsample: Sequential"' in src


def test_densenet_concats_join_every_earlier_output() -> None:
    src = pg.render(pg.models.densenet(block_config=(3,)), input_shape=(1, 3, 8, 8)).source
    concats = [u for u, lab in _nodes(src).items() if "<B>concat</B>" in lab]
    assert len(concats) == 3
    into = {c: [attrs for _, b, attrs in _edges(src) if b == c] for c in concats}
    # torchvision's dense connectivity: concat k joins the block input and k + 1 layer outputs
    assert sorted(len(v) for v in into.values()) == [2, 3, 4]
    # all of them are skips but the last layer's output, which only the final concat reads
    assert sum("dashed" not in a for v in into.values() for a in v) == 1


def test_unet_copy_and_crop_and_u_shape() -> None:
    model = pg.models.unet(base_channels=4, depth=2)
    src = pg.render(model, input_shape=(1, 1, 140, 140)).source
    crops = [u for u, lab in _nodes(src).items() if "<B>crop</B>" in lab]
    assert len(crops) == 2
    assert src.count('label="copy and crop"') == 2
    assert src.count("{rank=same;") == 2  # each encoder level beside its decoder level
    assert 'dir="back"' in src  # the expanding path drawn upward


def test_depth_collapses_and_repeats_roll_up() -> None:
    model = pg.models.resnet18(num_classes=10)
    src = pg.render(model, input_shape=(1, 3, 32, 32), depth=1).source
    blocks = [lab for lab in _nodes(src).values() if "<B>Sequential</B>" in lab]
    assert len(blocks) == 4 and "cluster" not in src
    src = pg.render(model, input_shape=(1, 3, 32, 32), collapse_repeats=True).source
    labels = list(_nodes(src).values())
    assert sum("BasicBlock ×2" in lab for lab in labels) == 1  # layer1's two identical blocks
    assert 'label="layer1.0: BasicBlock"' not in src
    assert 'label="layer2.0: BasicBlock"' in src  # downsampling: not a repeat of layer2.1


def test_node_budget_collapses_with_a_note() -> None:
    d = pg.render(pg.models.densenet(), max_nodes=40)
    assert d.notes and "depth" in d.notes[0]
    assert len(_nodes(d.source)) <= 40


def test_bad_arguments() -> None:
    m = pg.models.mlp()
    with pytest.raises(ValueError, match="rankdir"):
        pg.render(m, rankdir="XY")
    with pytest.raises(ValueError, match="depth"):
        pg.render(m, depth=-1)
    with pytest.raises(ValueError, match="level"):
        pg.render(m, level="pixels")
    with pytest.raises(ValueError, match="suffix"):
        pg.render(m, "out.jpeg2")


@needs_dot
@pytest.mark.parametrize("suffix", [".dot", ".svg", ".png", ".pdf"])
def test_files_by_suffix(tmp_path, suffix: str) -> None:
    path = tmp_path / f"lenet{suffix}"
    d = pg.render(pg.models.lenet5(), path, rankdir="LR")
    data = path.read_bytes()
    magic = {".dot": b"digraph", ".svg": b"<?xml", ".png": b"\x89PNG", ".pdf": b"%PDF"}
    assert data.startswith(magic[suffix])
    assert 'rankdir="LR"' in d.source


@needs_dot
def test_jupyter_reprs() -> None:
    d = pg.render(pg.models.mlp())
    assert "<svg" in d._repr_svg_()
    bundle = d._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"] and "Diagram" in bundle["text/plain"]


def _op_nodes(src: str) -> dict[str, str]:
    return dict(re.findall(r"^\s*(n\d+) \[label=(.*)\];$", src, re.M))


def test_op_view_of_tensors_labels_shapes_and_value_kinds() -> None:
    x = pg.input((4, 3), name="x")
    w = pg.param((3, 2), init="xavier", name="w")
    y = pg.relu(x @ w)
    src = pg.render(y).source
    ops = [lab for lab in _op_nodes(src).values()]
    assert len(ops) == 2 and any("matmul" in o for o in ops) and any("relu" in o for o in ops)
    assert re.search(r'v\d+ \[label=<<B>x</B><BR/>4×3>, fillcolor="#b6d7a8"', src)  # input
    assert re.search(r'v\d+ \[label=<<B>w</B><BR/>3×2>, fillcolor="#ffe599"', src)  # param
    assert 'label="4×2"' in src  # the matmul's output on the edge into relu


def test_op_view_backward_marks_gradient_ops() -> None:
    x = pg.input((4, 3), name="x")
    w = pg.param((3, 2), init="xavier", name="w")
    loss = pg.relu(x @ w).mean()
    plain = pg.render(loss).source
    assert styles_grad() not in plain
    src = pg.render(loss, backward=True).source
    assert "∂L/∂w" in src and styles_grad() in src
    assert 'style="dotted"' in src  # forward values the backward pass reads
    (gw,) = pg.grad(loss, [w])
    assert styles_grad() in pg.render(gw).source  # found from pg.grad's seed


def styles_grad() -> str:
    from pygraph.viz import styles

    return f'fillcolor="{styles.GRAD_FILL}"'


def test_op_view_of_compiled_fused_kernels_and_shared_buffers() -> None:
    x = pg.input((4, 3), name="x")
    w = pg.param((3, 2), init="xavier", name="w")
    loss = pg.relu(x @ w).mean()
    (gw,) = pg.grad(loss, [w])
    f = pg.compile([loss, gw])
    src = pg.render(f).source
    cats = {d["name"]: d["category"] for d in pg._core.op_table()}
    ops = [f.program.node(n)["op"] for n in f.program.needed(f._out_ids)]
    fused = [op for op in ops if cats[op] == "fused"]
    assert set(fused) == {"gemm", "fused_elementwise"}  # gemm+relu, dW by a gemm, relu' * g
    assert src.count('label="fused kernel"') == len(fused) == 3
    assert "buf 0" in src  # relu's output and its gradient reuse one arena range
    shared = {r["offset"] for r in f.memory_plan}
    assert len(shared) < len(f.memory_plan)


def test_op_view_of_a_module_with_backward() -> None:
    d = pg.render(pg.models.lenet5(), level="op", backward=True)
    assert "conv_backward" in d.source and "∂L/∂features.0.weight" in d.source
    assert "running" not in d.source


def test_op_view_rejects_other_objects() -> None:
    with pytest.raises(TypeError, match="level='op'"):
        pg.render([1, 2], level="op")
    with pytest.raises(TypeError, match="Module"):
        pg.render(pg.input((2,), name="a"), level="layer")
