"""pg.models outputs: LeNet-5, ResNet-18, U-Net, ViT, DenseNet and inception against the torch
twins of tests/models_torch.py (our state_dict loaded strictly), shapes at small sizes, the
example inputs, and training steps that must lower the loss."""

from __future__ import annotations

import numpy as np
import pytest

import pygraph as pg
from tests.models_torch import (
    load_into_torch,
    run_torch,
    torch_densenet,
    torch_inception,
    torch_lenet5,
    torch_resnet18,
    torch_unet,
    torch_vit,
)

# ---- outputs against the torch twins of tests/models_torch.py ----


@pytest.mark.parametrize("size", [32, 28])
def test_lenet5_matches_torch(size):
    pg.manual_seed(1)
    ours = pg.models.lenet5(input_size=size)
    theirs = load_into_torch(ours, torch_lenet5(2 if size == 28 else 0))
    x = np.random.default_rng(0).standard_normal((4, 1, size, size)).astype(np.float32)
    np.testing.assert_allclose(ours(x), run_torch(theirs, x), rtol=1e-4, atol=1e-5)


def test_resnet18_matches_torch():
    import torch

    pg.manual_seed(2)
    rng = np.random.default_rng(3)
    ours = pg.models.resnet18()
    for name, p in ours.named_buffers():  # running stats away from (0, 1): eval is not trivial
        if "running" in name:
            p.value = rng.uniform(0.5, 1.5, p.shape) * (1 if "var" in name else 0.1)
    theirs = load_into_torch(ours, torch_resnet18())
    x = rng.standard_normal((2, 3, 64, 64)).astype(np.float32)
    ours.eval(), theirs.eval()
    np.testing.assert_allclose(ours(x), run_torch(theirs, x), rtol=1e-4, atol=1e-4)
    ours.train(), theirs.train()  # batch statistics, and one running-stat update each
    np.testing.assert_allclose(ours(x), run_torch(theirs, x), rtol=1e-4, atol=1e-4)
    theirs_state = theirs.state_dict()
    for k in ("bn1.running_mean", "layer4.1.bn2.running_var"):
        np.testing.assert_allclose(ours.state_dict()[k], theirs_state[k].numpy(), rtol=1e-4,
                                   atol=1e-5)  # fmt: skip
    assert isinstance(theirs_state["fc.weight"], torch.Tensor)


def test_unet_valid_matches_torch():
    pg.manual_seed(4)
    ours = pg.models.unet(base_channels=4, depth=2)
    theirs = load_into_torch(ours, torch_unet(4, 2))
    x = np.random.default_rng(5).standard_normal((2, 1, 60, 60)).astype(np.float32)
    out = ours(x)
    assert out.shape == (2, 2, 20, 20)
    np.testing.assert_allclose(out, run_torch(theirs, x), rtol=1e-4, atol=1e-5)


def test_vit_matches_torch():
    pg.manual_seed(6)
    kw = {"img_size": 16, "patch_size": 4, "embed_dim": 24, "depth": 2, "num_heads": 3}
    ours = pg.models.vit_tiny(num_classes=5, **kw)
    theirs = load_into_torch(ours, torch_vit(16, 4, 24, 2, 3, 5))
    x = np.random.default_rng(7).standard_normal((3, 3, 16, 16)).astype(np.float32)
    np.testing.assert_allclose(ours(x), run_torch(theirs, x), rtol=1e-4, atol=1e-5)


def test_densenet_matches_torch():
    pg.manual_seed(8)
    ours = pg.models.densenet(growth_rate=4, block_config=(3, 2), num_init_features=8)
    theirs = load_into_torch(ours, torch_densenet(4, (3, 2), 8, 10))
    x = np.random.default_rng(9).standard_normal((2, 3, 8, 8)).astype(np.float32)
    ours.train(), theirs.train()  # batch statistics: the BN layers are not the identity
    np.testing.assert_allclose(ours(x), run_torch(theirs, x), rtol=1e-4, atol=1e-4)


def test_inception_matches_torch():
    pg.manual_seed(10)
    sizes = (6, 3, 2, 4, 2, 3, 2)
    ours = pg.models.inception(*sizes)
    theirs = load_into_torch(ours, torch_inception(*sizes))
    x = np.random.default_rng(11).standard_normal((2, 6, 7, 7)).astype(np.float32)
    ours.train(), theirs.train()
    np.testing.assert_allclose(ours(x), run_torch(theirs, x), rtol=1e-4, atol=1e-4)


# ---- shapes at small sizes, the example inputs, bad sizes ----


def test_unet_shapes_and_sizes():
    from pygraph.models.unet import output_size

    assert output_size(572) == 388  # the paper's figure 1
    valid = pg.models.unet(base_channels=2)
    assert valid(np.zeros((1, 1, 188, 188), np.float32)).shape == (1, 2, 4, 4)
    same = pg.models.unet(in_channels=3, num_classes=5, base_channels=2, padding="same")
    assert same(np.zeros((2, 3, 32, 48), np.float32)).shape == (2, 5, 32, 48)
    with pytest.raises(ValueError, match="unet: input size 190 gives an odd"):
        valid(np.zeros((1, 1, 190, 190), np.float32))
    with pytest.raises(ValueError, match="unet: input size 40 must be divisible by 2\\*\\*depth"):
        same(np.zeros((1, 3, 40, 40), np.float32))


@pytest.mark.parametrize(
    "name, kw, shape, out",
    [
        ("mlp", {}, (3, 1, 28, 28), (3, 10)),
        ("lenet5", {"in_channels": 3, "input_size": 40, "pool": "avg", "activation": "tanh"},
         (2, 3, 40, 40), (2, 10)),
        ("alexnet", {"num_classes": 7}, (1, 3, 64, 64), (1, 7)),
        ("resnet34", {"base_width": 4, "num_classes": 3}, (2, 3, 32, 32), (2, 3)),
        ("resnet50", {"base_width": 4, "in_channels": 1}, (1, 1, 32, 32), (1, 1000)),
        ("inception", {}, (1, 192, 7, 7), (1, 256, 7, 7)),
        ("googlenet_small", {}, (2, 3, 32, 32), (2, 10)),
        ("densenet", {"block_config": (3, 3, 3)}, (2, 3, 32, 32), (2, 10)),
        ("densenet", {"growth_rate": 4, "num_init_features": 8, "stem": "imagenet"},
         (1, 3, 64, 64), (1, 10)),
        ("vit_tiny", {"img_size": 32, "depth": 2, "num_classes": 4}, (2, 3, 32, 32), (2, 4)),
    ],
)  # fmt: skip
def test_forward_shapes(name, kw, shape, out):
    model = pg.models.get(name, **kw).eval()
    y = model(np.random.default_rng(0).standard_normal(shape).astype(np.float32))
    assert y.shape == out and np.isfinite(y).all()


def test_vgg_features_shape():
    from pygraph.models.vgg import CONFIGS, _features

    f = _features(CONFIGS["vgg16"], 3, True).eval()
    assert f(np.zeros((1, 3, 32, 32), np.float32)).shape == (1, 512, 1, 1)


@pytest.mark.parametrize("name", ["mlp", "lenet5", "googlenet_small", "transformer_classifier",
                                  "lstm"])  # fmt: skip
def test_example_input_compiles(name):
    model = pg.models.get(name).eval()
    dtype = getattr(model, "example_input_dtype", "float32")
    f = pg.compile(model, input_shape=model.example_input_shape, input_dtype=dtype)
    x = np.ones(model.example_input_shape, dtype=np.int64 if dtype == "int64" else np.float32)
    assert f(x).shape[0] == 1


def test_vit_rejects_wrong_image_size():
    m = pg.models.vit_tiny(img_size=16, patch_size=8, depth=1)
    with pytest.raises(ValueError, match=r"vit\(img_size=16\): input has shape \(1, 3, 32, 32\)"):
        m(np.zeros((1, 3, 32, 32), np.float32))


# ---- training steps run and learn (a fixed batch: the loss must fall) ----


def train_losses(model, x, t, steps=6, lr=0.05):
    xi = pg.input(x.shape, dtype="int64" if x.dtype.kind == "i" else "float32", name="x")
    ti = pg.input(t.shape, dtype="int64", name="t")
    loss = pg.cross_entropy(model.train()(xi), ti)
    step = pg.optim.Adam(lr=lr).minimize(loss, list(model.parameters()))
    return [float(step(x=x, t=t)) for _ in range(steps)]


@pytest.mark.parametrize(
    "name, kw, x",
    [
        ("vit_tiny", {"img_size": 16, "patch_size": 4, "depth": 2, "embed_dim": 24,
                      "num_classes": 3}, np.random.default_rng(1).random((4, 3, 16, 16))),
        ("transformer_classifier", {"vocab_size": 20, "d_model": 16, "nhead": 2,
                                    "num_classes": 3, "dropout": 0.0},
         np.random.default_rng(1).integers(0, 20, (4, 6))),
        ("lstm", {"vocab_size": 20, "input_size": 8, "hidden_size": 16, "num_classes": 3},
         np.random.default_rng(1).integers(0, 20, (4, 5))),
        ("lstm", {"vocab_size": None, "input_size": 3, "hidden_size": 8, "num_classes": 3,
                  "num_layers": 2}, np.random.default_rng(1).random((4, 5, 3))),
    ],
)  # fmt: skip
def test_sequence_models_train(name, kw, x):
    pg.manual_seed(0)
    model = pg.models.get(name, **kw)
    x = x if x.dtype.kind == "i" else x.astype(np.float32)
    before = {k: v.copy() for k, v in model.state_dict().items()}
    losses = train_losses(model, x, np.array([0, 1, 2, 1]), lr=0.01)
    assert np.isfinite(losses).all() and losses[-1] < losses[0]
    after = model.state_dict()
    assert all(not np.array_equal(before[k], after[k]) for k, _ in model.named_parameters())
