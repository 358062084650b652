"""pg.summary: totals against independent counts (model.parameters(), MACs and receptive fields
by hand formulas), depth roll-up, merges with their sources, text/HTML, errors."""

from fractions import Fraction

import numpy as np
import pytest

import pygraph as pg
from pygraph import nn


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )  # fmt: skip


class BasicBlock(nn.Module):
    """torchvision's ResNet basic block: two 3x3 convs, a 1x1 projection when the shape changes."""

    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1, self.relu = nn.BatchNorm2d(cout), nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)
            )

    def forward(self, x):
        h = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        return self.relu(h + (x if self.downsample is None else self.downsample(x)))


def resnet(widths=(64, 128, 256, 512), blocks=2, in_ch=3, classes=1000):
    """ResNet-18 by default (torchvision's layout); smaller widths give a small residual CNN."""
    layers, cin = [], widths[0]
    for k, w in enumerate(widths):
        stride = 1 if k == 0 else 2
        layers.append(nn.Sequential(*[BasicBlock(cin if b == 0 else w, w, stride if b == 0 else 1)
                                      for b in range(blocks)]))  # fmt: skip
        cin = w
    stem = [nn.Conv2d(in_ch, widths[0], 7, 2, 3, bias=False), nn.BatchNorm2d(widths[0]),
            nn.ReLU(), nn.MaxPool2d(3, 2, 1)]  # fmt: skip
    tail = [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(widths[-1], classes)]
    return nn.Sequential(*stem, *layers, *tail)


def conv_macs(conv, p, q, n):
    """K * C/g * R * S * P * Q * N."""
    k, c_g, r, s = conv.weight.shape
    return k * c_g * r * s * p * q * n


def column_sums(s):
    keys = ("params", "non_trainable", "macs", "activation_bytes")
    return {k: sum(getattr(r, k) for r in s.rows) for k in keys}


def test_lenet5_totals_against_hand_counts():
    model, n = lenet5(), 2
    s = pg.summary(model, (n, 1, 32, 32))
    assert s.total_params == s.trainable_params == 61706
    assert s.total_params == sum(p.value.size for p in model.parameters())
    assert s.non_trainable_params == 0
    convs = conv_macs(model[0], 28, 28, n) + conv_macs(model[3], 10, 10, n)
    linears = (400 * 120 + 120 * 84 + 84 * 10) * n  # in * out * N
    assert convs == (117600 + 240000) * n
    assert s.total_macs == convs + linears
    # outputs of every layer, float32: conv, relu, pool, conv, relu, pool, flatten, 5 fc/relu
    sizes = [6 * 28 * 28] * 2 + [6 * 14 * 14] + [16 * 10 * 10] * 2 + [400] * 2
    sizes += [120, 120, 84, 84, 10]
    assert s.activation_bytes == 4 * n * sum(sizes)
    by_name = {r.name: r for r in s.rows}
    assert by_name["0"].output_shape == (n, 6, 28, 28)
    assert by_name["0"].params == 156 and by_name["7"].macs == 400 * 120 * n
    assert by_name["5"].activation_bytes == 4 * n * 400
    totals = {"macs": s.total_macs, "activation_bytes": s.activation_bytes}
    assert column_sums(s) == {"params": 61706, "non_trainable": 0, **totals}


def test_lenet5_receptive_fields_by_hand():
    s = pg.summary(lenet5(), (1, 1, 32, 32))
    rf = {r.name: (r.receptive_field, r.jump) for r in s.rows}
    # conv 5: 5, jump 1; pool 2/2: 5 + 1*1 = 6, jump 2; conv 5: 6 + 4*2 = 14; pool: 14 + 2 = 16
    assert rf["0"] == ((5, 5), (1, 1))
    assert rf["2"] == ((6, 6), (2, 2))
    assert rf["3"] == ((14, 14), (2, 2))
    assert rf["5"] == ((16, 16), (4, 4))
    assert rf["1"] == (None, None) and rf["7"] == (None, None)  # not a conv/pool output


@pytest.mark.parametrize(
    "layers, expected",
    [
        ([nn.Conv2d(1, 1, 3), nn.Conv2d(1, 1, 3)], (5, 1)),  # 3 + 2
        ([nn.Conv2d(1, 1, 3), nn.MaxPool2d(2), nn.Conv2d(1, 1, 3)], (8, 2)),  # 3, 4/2, 4 + 2*2
        ([nn.Conv2d(1, 1, 3, stride=2), nn.Conv2d(1, 1, 3, dilation=2)], (11, 2)),  # 3 + 4*2
        ([nn.Conv2d(1, 1, (3, 1)), nn.AvgPool2d((1, 2))], ((3, 2), (1, 2))),
    ],
)
def test_receptive_field_of_stacks(layers, expected):
    s = pg.summary(nn.Sequential(*layers), (1, 1, 20, 20))
    rf, jump = expected
    last = s.rows[-1]
    assert last.receptive_field == (rf if isinstance(rf, tuple) else (rf, rf))
    assert last.jump == (jump if isinstance(jump, tuple) else (jump, jump))


def test_residual_net_macs_params_and_merges():
    model, n = resnet(widths=(8, 16), blocks=1, classes=10), 2
    s = pg.summary(model, (n, 3, 32, 32), depth=9)
    stem, block1, block2 = model[0], model[4][0], model[5][0]
    expected = conv_macs(stem, 16, 16, n)
    expected += conv_macs(block1.conv1, 8, 8, n) + conv_macs(block1.conv2, 8, 8, n)
    expected += conv_macs(block2.conv1, 4, 4, n) + conv_macs(block2.conv2, 4, 4, n)
    expected += conv_macs(block2.downsample[0], 4, 4, n) + 16 * 10 * n
    assert s.total_macs == expected
    assert s.total_params == sum(p.value.size for p in model.parameters())
    assert s.non_trainable_params == sum(b.value.size for b in model.buffers())
    assert s.non_trainable_params == 2 * (8 + 8 + 8 + 16 + 16 + 16) + 6  # mean, var; 6 counts
    adds = [r for r in s.rows if r.type == "add"]
    assert [r.name for r in adds] == ["4.0.add", "5.0.add"]
    assert adds[0].connected_to == ["4.0.bn2", "3"]  # the block's input: the stem's max pool
    assert adds[1].connected_to == ["5.0.bn2", "5.0.downsample"]
    assert adds[1].output_shape == (n, 16, 4, 4)
    assert adds[1].activation_bytes == 4 * n * 16 * 4 * 4
    # the add's field is the max over its paths: through both 3x3 convs, not the 1x1 projection
    rows = {r.name: r for r in s.rows}
    assert rows["5.0.bn2"].receptive_field is None  # shown for conv/pool outputs and merges
    assert rows["5.0.conv2"].receptive_field == adds[1].receptive_field
    assert rows["5.0.downsample.0"].receptive_field < adds[1].receptive_field
    assert column_sums(s)["macs"] == s.total_macs


def test_concat_rows_and_max_over_branches():
    class TwoBranch(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Conv2d(2, 3, 3, padding=1), nn.Conv2d(2, 4, 5, padding=2)

        def forward(self, x):
            return pg.concat([self.a(x), self.b(x)], axis=1)

    s = pg.summary(TwoBranch(), (1, 2, 9, 9))
    (cat,) = [r for r in s.rows if r.type == "concat"]
    assert cat.name == "concat" and cat.connected_to == ["a", "b"]
    assert cat.output_shape == (1, 7, 9, 9) and cat.receptive_field == (5, 5)
    assert s.total_macs == 3 * 2 * 9 * 81 + 4 * 2 * 25 * 81


@pytest.mark.parametrize("depth", [0, 1, 2, 3])
def test_depth_rolls_deeper_rows_into_their_parent(depth):
    model = resnet(widths=(8, 16), blocks=2, classes=10)
    full = pg.summary(model, (1, 3, 32, 32), depth=9)
    s = pg.summary(model, (1, 3, 32, 32), depth=depth)
    assert max(r.depth for r in s.rows) == depth
    assert column_sums(s) == column_sums(full)
    assert column_sums(s)["params"] == s.total_params
    assert column_sums(s)["activation_bytes"] == s.activation_bytes
    if depth == 1:
        layer2 = next(r for r in s.rows if r.name == "5")
        block_params = sum(p.value.size for p in model[5].parameters())
        assert layer2.params == block_params and layer2.type == "Sequential"
        assert layer2.macs == sum(r.macs for r in full.rows if r.name.startswith("5."))
        assert layer2.receptive_field == next(r for r in full.rows if r.name == "5").receptive_field


def test_text_and_html():
    s = pg.summary(lenet5(), (1, 1, 32, 32))
    text = str(s)
    assert "bias excluded" in text and "1.814 G" in text and "Non-trainable" in text
    assert "61,706" in text and "416,520" in text
    lines = text.splitlines()
    assert any(line.startswith("  7 ") and "Linear" in line for line in lines)  # indented path
    page = s._repr_html_()
    assert page.count("<tr>") == len(s.rows) + 1 and "<table>" in page and "Conv2d" in page
    assert repr(s) == text


def test_resnet18_at_224():
    model = resnet()
    s = pg.summary(model, (1, 3, 224, 224), depth=1)
    assert s.total_params == 11689512 == sum(p.value.size for p in model.parameters())
    expected = conv_macs(model[0], 112, 112, 1) + 512 * 1000
    for layer, size in zip(model[4:8], (56, 28, 14, 7)):
        for block in layer:
            convs = [block.conv1, block.conv2] + ([block.downsample[0]] if block.downsample else [])
            expected += sum(conv_macs(c, size, size, 1) for c in convs)
    assert s.total_macs == expected
    assert round(s.total_macs / 1e9, 3) == 1.814  # torchvision's published figure
    rows = {r.name: r for r in s.rows}
    assert rows["7"].receptive_field == (435, 435) and rows["7"].jump == (32, 32)


def test_bad_input_shape_names_the_layer():
    with pytest.raises(ValueError, match=r"layer '7' \(Linear\).*\(1, 256\)"):
        pg.summary(lenet5(), (1, 1, 28, 28))
    with pytest.raises(ValueError, match="input_shape"):
        pg.summary(lenet5(), (1, -1, 32, 32))
    with pytest.raises(ValueError, match="depth"):
        pg.summary(lenet5(), (1, 1, 32, 32), depth=-1)
    with pytest.raises(TypeError, match="pg.nn.Module"):
        pg.summary(lambda x: x, (1, 2))


def test_summary_leaves_modes_and_default_graph_alone():
    model = lenet5().train()
    x = pg.input((1, 1, 32, 32), name="x_before")
    pg.summary(model, (1, 1, 32, 32))
    assert all(m.training for m in model.modules())
    y = model(x)  # the default graph is still x's
    out = pg.compile(y)(x_before=np.ones((1, 1, 32, 32), np.float32))
    assert out.shape == (1, 10)


def test_shared_module_counts_its_parameters_once():
    lin = nn.Linear(4, 4)
    model = nn.Sequential(lin, nn.ReLU(), lin)
    s = pg.summary(model, (3, 4))
    assert [r.params for r in s.rows[1:]] == [20, 0, 0]
    assert s.total_params == 20 and s.total_macs == 2 * 3 * 16


def test_attention_macs_by_hand_and_int_inputs():
    e, t, n, ff = 16, 5, 2, 32
    layer = nn.TransformerEncoderLayer(e, 2, ff, dropout=0.0)
    s = pg.summary(nn.Sequential(nn.Embedding(50, e), layer), (n, t), dtype="int64")
    projections = 4 * e * e * n * t  # q, k, v and the output projection
    attention = 2 * n * t * t * e  # scores and weighted values, all heads together
    assert s.total_macs == projections + attention + 2 * e * ff * n * t
    adds = [r for r in s.rows if r.type == "add"]
    assert [r.connected_to for r in adds] == [["0", "1.self_attn"], ["1.norm1", "1.linear2"]]
    assert s.rows[1].activation_bytes == n * t * e * 4  # the embedding's float32 output


def test_transposed_conv_halves_the_jump():
    model = nn.Sequential(
        nn.Conv2d(1, 2, 3), nn.ConvTranspose2d(2, 2, 2, stride=2), nn.Conv2d(2, 1, 3)
    )
    s = pg.summary(model, (1, 1, 10, 10))
    fields = [(r.receptive_field, r.jump) for r in s.rows[1:]]
    half = Fraction(1, 2)
    # each 2x2/2 output sees one input pixel: rf stays 3; a 3x3 conv then adds 2 * 1/2
    assert fields == [((3, 3), (1, 1)), ((3, 3), (half, half)), ((4, 4), (half, half))]
    assert "1/2" in str(s)


def test_model_zoo_resnet18_and_lenet5_tables():
    s = pg.summary(pg.models.resnet18(), (1, 3, 224, 224), depth=1)
    assert s.total_params == 11689512 and round(s.total_macs / 1e9, 3) == 1.814
    rows = {r.name: r for r in s.rows}
    assert rows["layer4"].receptive_field == (435, 435) and rows["layer4"].jump == (32, 32)
    assert rows["layer4"].output_shape == (1, 512, 7, 7)
    lenet = pg.summary(pg.models.lenet5(), (1, 1, 32, 32))
    assert lenet.total_params == 61706 and lenet.total_macs == 416520  # as the nn.Sequential one
