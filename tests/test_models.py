"""pg.models: exact parameter counts (against the published figures and hand formulas), the
registry, bad options. Outputs, shapes and training steps are in test_models_forward.py."""

from __future__ import annotations

import pytest

import pygraph as pg


def count(model) -> int:
    return sum(p.numel() for p in model.parameters())


def conv(cin, cout, k, bias=True):
    return k * k * cin * cout + (cout if bias else 0)


def lin(i, o):
    return i * o + o


def bnconv(cin, cout, k):  # conv without bias + BatchNorm (weight, bias)
    return conv(cin, cout, k, False) + 2 * cout


# published figures: the papers' tables and torchvision's / timm's model cards
PUBLISHED = {
    "lenet5": 61_706,
    "alexnet": 61_100_840,
    "vgg16": 138_357_544,
    "resnet18": 11_689_512,
    "resnet34": 21_797_672,
    "resnet50": 25_557_032,
    "densenet121": 7_978_856,
    "unet": 31_030_658,
    "vit_tiny": 5_717_416,
}


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_published_parameter_counts(name):
    assert count(pg.models.get(name)) == PUBLISHED[name]


@pytest.mark.parametrize(
    "name, bn, published",
    [("vgg11", False, 132_863_336), ("vgg11_bn", True, 132_868_840),
     ("vgg16", False, 138_357_544), ("vgg16_bn", True, 138_365_992), ("vgg19", False, 143_667_240)],
)  # fmt: skip
def test_vgg_feature_counts(name, bn, published):
    # the convs (built: cheap) plus the classifier by formula; vgg16 is built whole above
    from pygraph.models.vgg import CONFIGS, _features

    config = CONFIGS[name.removesuffix("_bn")]
    widths = [v for v in config if v != "M"]
    convs = sum(conv(c, w, 3) + (2 * w if bn else 0) for c, w in zip([3, *widths], widths))
    assert count(_features(config, 3, bn)) == convs
    assert convs + lin(512 * 7 * 7, 4096) + lin(4096, 4096) + lin(4096, 1000) == published


def test_lenet5_variants_count():
    fc = lin(400, 120) + lin(120, 84) + lin(84, 10)
    assert count(pg.models.lenet5(input_size=28)) == conv(1, 6, 5) + conv(6, 16, 5) + fc
    # 64x64: valid convs, the first FC sees 16 * 13 * 13
    fc64 = lin(16 * 13 * 13, 120) + lin(120, 84) + lin(84, 7)
    m = pg.models.lenet5(in_channels=3, num_classes=7, input_size=64)
    assert count(m) == conv(3, 6, 5) + conv(6, 16, 5) + fc64


def test_mlp_count():
    assert count(pg.models.mlp()) == lin(784, 256) + lin(256, 10)
    m = pg.models.mlp(20, hidden=(8, 6), num_classes=3, activation="tanh", dropout=0.1)
    assert count(m) == lin(20, 8) + lin(8, 6) + lin(6, 3)


def inception_count(i, c1, r3, c3, r5, c5, pp):
    return (bnconv(i, c1, 1) + bnconv(i, r3, 1) + bnconv(r3, c3, 3) + bnconv(i, r5, 1)
            + bnconv(r5, c5, 5) + bnconv(i, pp, 1))  # fmt: skip


def test_inception_counts():
    assert count(pg.models.inception()) == inception_count(192, 64, 96, 128, 16, 32, 32)
    assert inception_count(192, 64, 96, 128, 16, 32, 32) == 164_064
    blocks = [b for b in pg.models.inception.__globals__["SMALL_GOOGLENET"] if b != "M"]
    want = bnconv(3, 64, 3) + sum(inception_count(*b) for b in blocks) + lin(416, 10)
    assert count(pg.models.googlenet_small()) == want == 564_402


def densenet_count(k, blocks, init, nc, stem_k, stem_bn):
    n, c = stem_k * stem_k * 3 * init + (2 * init if stem_bn else 0), init
    for i, layers in enumerate(blocks):
        for j in range(layers):
            cj = c + j * k  # BN, 1x1 to 4k, BN, 3x3 to k
            n += 2 * cj + conv(cj, 4 * k, 1, False) + 2 * 4 * k + conv(4 * k, k, 3, False)
        c += layers * k
        if i < len(blocks) - 1:
            n += 2 * c + conv(c, c // 2, 1, False)
            c //= 2
    return n + 2 * c + lin(c, nc)


def test_densenet_counts():
    want = densenet_count(12, (16, 16, 16), 24, 10, 3, False)
    assert count(pg.models.densenet()) == want == 769_162
    assert densenet_count(32, (6, 12, 24, 16), 64, 1000, 7, True) == PUBLISHED["densenet121"]


def test_sequence_model_counts():
    layer = (3 * 64 * 64 + 3 * 64) + lin(64, 64) + lin(64, 128) + lin(128, 64) + 4 * 64
    want = 1000 * 64 + 2 * layer + lin(64, 2)
    assert count(pg.models.transformer_classifier()) == want == 131_074
    lstm = 4 * 128 * (32 + 128) + 2 * 4 * 128
    assert count(pg.models.lstm()) == 1000 * 32 + lstm + lin(128, 2) == 115_202


def test_registry():
    names = pg.models.list_models()
    for n in ("mlp", "lenet5", "alexnet", "vgg16", "resnet18", "inception", "densenet", "unet",
              "transformer_classifier", "vit_tiny", "lstm"):  # fmt: skip
        assert n in names
    m = pg.models.get("lenet5", num_classes=3, input_size=28)
    assert m.classifier[-1].out_features == 3 and m.example_input_shape == (1, 1, 28, 28)
    with pytest.raises(ValueError, match="unknown model 'lenet6'.*lenet5"):
        pg.models.get("lenet6")
    with pytest.raises(TypeError):
        pg.models.get("lenet5", widht=3)


def test_bad_options_raise():
    with pytest.raises(ValueError, match="lenet5: pool"):
        pg.models.lenet5(pool="median")
    with pytest.raises(ValueError, match="mlp: activation"):
        pg.models.mlp(activation="relu6")
    with pytest.raises(ValueError, match="unet: padding"):
        pg.models.unet(padding="full")
    with pytest.raises(ValueError, match="vit: img_size"):
        pg.models.vit_tiny(img_size=30)
