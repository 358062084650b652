"""pg.models outputs: LeNet-5 / ResNet-18 / U-Net against torch models written here (torchvision
is not installed) with our state_dict loaded strictly, shapes at small sizes, the example
inputs, and training steps that must lower the loss."""

from __future__ import annotations

import numpy as np
import pytest

import pygraph as pg

# ---- outputs against torch twins written here (torchvision's layouts and names) ----


def torch_lenet5(pad):
    tnn = pytest.importorskip("torch.nn")

    class LeNet5(tnn.Module):
        def __init__(self):
            super().__init__()
            self.features = tnn.Sequential(
                tnn.Conv2d(1, 6, 5, padding=pad), tnn.ReLU(), tnn.MaxPool2d(2),
                tnn.Conv2d(6, 16, 5), tnn.ReLU(), tnn.MaxPool2d(2),
            )  # fmt: skip
            self.classifier = tnn.Sequential(
                tnn.Linear(400, 120), tnn.ReLU(), tnn.Linear(120, 84), tnn.ReLU(),
                tnn.Linear(84, 10),
            )  # fmt: skip

        def forward(self, x):
            return self.classifier(self.features(x).flatten(1))

    return LeNet5()


def load_into_torch(ours, theirs):
    import torch

    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    return theirs


def run_torch(theirs, x):
    import torch

    with torch.no_grad():
        return theirs(torch.from_numpy(x)).numpy()


@pytest.mark.parametrize("size", [32, 28])
def test_lenet5_matches_torch(size):
    pg.manual_seed(1)
    ours = pg.models.lenet5(input_size=size)
    theirs = load_into_torch(ours, torch_lenet5(2 if size == 28 else 0))
    x = np.random.default_rng(0).standard_normal((4, 1, size, size)).astype(np.float32)
    np.testing.assert_allclose(ours(x), run_torch(theirs, x), rtol=1e-4, atol=1e-5)


def torch_resnet18():
    torch = pytest.importorskip("torch")
    tnn = torch.nn

    class BasicBlock(tnn.Module):
        def __init__(self, cin, w, stride):
            super().__init__()
            self.conv1 = tnn.Conv2d(cin, w, 3, stride, 1, bias=False)
            self.bn1, self.relu = tnn.BatchNorm2d(w), tnn.ReLU()
            self.conv2, self.bn2 = tnn.Conv2d(w, w, 3, 1, 1, bias=False), tnn.BatchNorm2d(w)
            self.downsample = None
            if stride != 1 or cin != w:
                self.downsample = tnn.Sequential(
                    tnn.Conv2d(cin, w, 1, stride, bias=False), tnn.BatchNorm2d(w)
                )

        def forward(self, x):
            out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
            return self.relu(out + (x if self.downsample is None else self.downsample(x)))

    class ResNet18(tnn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = tnn.Conv2d(3, 64, 7, 2, 3, bias=False)
            self.bn1, self.relu = tnn.BatchNorm2d(64), tnn.ReLU()
            self.maxpool = tnn.MaxPool2d(3, 2, 1)
            cin = 64
            for k, w in enumerate((64, 128, 256, 512)):
                s = 1 if k == 0 else 2
                setattr(self, f"layer{k + 1}", tnn.Sequential(BasicBlock(cin, w, s),
                                                              BasicBlock(w, w, 1)))  # fmt: skip
                cin = w
            self.avgpool, self.fc = tnn.AdaptiveAvgPool2d((1, 1)), tnn.Linear(512, 1000)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(torch.flatten(self.avgpool(x), 1))

    return ResNet18()


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


def torch_unet(base, depth, cin=1, classes=2):
    tnn = pytest.importorskip("torch.nn")
    import torch

    def double(c, w):
        return tnn.Sequential(tnn.Conv2d(c, w, 3), tnn.ReLU(), tnn.Conv2d(w, w, 3), tnn.ReLU())

    class UNet(tnn.Module):
        def __init__(self):
            super().__init__()
            ws = [base * 2**k for k in range(depth + 1)]
            self.down = tnn.ModuleList(double(c, w) for c, w in zip([cin, *ws], ws))
            self.up = tnn.ModuleList(tnn.ConvTranspose2d(c, c // 2, 2, 2) for c in ws[:0:-1])
            self.dec = tnn.ModuleList(double(c, c // 2) for c in ws[:0:-1])
            self.head = tnn.Conv2d(base, classes, 1)

        def forward(self, x):
            skips = []
            for k, d in enumerate(self.down):
                x = d(x if k == 0 else tnn.functional.max_pool2d(x, 2))
                skips.append(x)
            for up, dec, s in zip(self.up, self.dec, skips[-2::-1]):
                x = up(x)
                t, left = (s.shape[2] - x.shape[2]) // 2, (s.shape[3] - x.shape[3]) // 2
                s = s[:, :, t : t + x.shape[2], left : left + x.shape[3]]
                x = dec(torch.cat([s, x], 1))
            return self.head(x)

    return UNet()


def test_unet_valid_matches_torch():
    pg.manual_seed(4)
    ours = pg.models.unet(base_channels=4, depth=2)
    theirs = load_into_torch(ours, torch_unet(4, 2))
    x = np.random.default_rng(5).standard_normal((2, 1, 60, 60)).astype(np.float32)
    out = ours(x)
    assert out.shape == (2, 2, 20, 20)
    np.testing.assert_allclose(out, run_torch(theirs, x), rtol=1e-4, atol=1e-5)


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


def torch_vit(img, patch, dim, depth, heads, classes):
    torch = pytest.importorskip("torch")
    tnn = torch.nn

    class Attention(tnn.Module):
        def __init__(self):
            super().__init__()
            self.qkv, self.proj = tnn.Linear(dim, 3 * dim), tnn.Linear(dim, dim)

        def forward(self, x):
            n, t, _ = x.shape
            q, k, v = self.qkv(x).reshape(n, t, 3, heads, dim // heads).permute(2, 0, 3, 1, 4)
            out = tnn.functional.scaled_dot_product_attention(q, k, v)
            return self.proj(out.transpose(1, 2).reshape(n, t, dim))

    class Mlp(tnn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.act, self.fc2 = (
                tnn.Linear(dim, 4 * dim),
                tnn.GELU(),
                tnn.Linear(4 * dim, dim),
            )

        def forward(self, x):
            return self.fc2(self.act(self.fc1(x)))

    class Block(tnn.Module):
        def __init__(self):
            super().__init__()
            self.norm1, self.attn = tnn.LayerNorm(dim, eps=1e-6), Attention()
            self.norm2, self.mlp = tnn.LayerNorm(dim, eps=1e-6), Mlp()

        def forward(self, x):
            x = x + self.attn(self.norm1(x))
            return x + self.mlp(self.norm2(x))

    class PatchEmbed(tnn.Module):
        def __init__(self):
            super().__init__()
            self.proj = tnn.Conv2d(3, dim, patch, patch)

    class ViT(tnn.Module):
        def __init__(self):
            super().__init__()
            self.patch_embed = PatchEmbed()
            self.cls_token = tnn.Parameter(torch.zeros(1, 1, dim))
            self.pos_embed = tnn.Parameter(torch.zeros(1, (img // patch) ** 2 + 1, dim))
            self.blocks = tnn.Sequential(*[Block() for _ in range(depth)])
            self.norm, self.head = tnn.LayerNorm(dim, eps=1e-6), tnn.Linear(dim, classes)

        def forward(self, x):
            x = self.patch_embed.proj(x).flatten(2).transpose(1, 2)
            x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], 1) + self.pos_embed
            return self.head(self.norm(self.blocks(x))[:, 0])

    return ViT()


def test_vit_matches_torch():
    pg.manual_seed(6)
    kw = {"img_size": 16, "patch_size": 4, "embed_dim": 24, "depth": 2, "num_heads": 3}
    ours = pg.models.vit_tiny(num_classes=5, **kw)
    theirs = load_into_torch(ours, torch_vit(16, 4, 24, 2, 3, 5))
    x = np.random.default_rng(7).standard_normal((3, 3, 16, 16)).astype(np.float32)
    np.testing.assert_allclose(ours(x), run_torch(theirs, x), rtol=1e-4, atol=1e-5)


def torch_densenet(k, blocks, init, classes):
    torch = pytest.importorskip("torch")
    tnn = torch.nn

    class DenseLayer(tnn.Module):
        def __init__(self, c):
            super().__init__()
            self.norm1, self.relu1 = tnn.BatchNorm2d(c), tnn.ReLU()
            self.conv1 = tnn.Conv2d(c, 4 * k, 1, bias=False)
            self.norm2, self.relu2 = tnn.BatchNorm2d(4 * k), tnn.ReLU()
            self.conv2 = tnn.Conv2d(4 * k, k, 3, padding=1, bias=False)

        def forward(self, feats):
            x = self.conv1(self.relu1(self.norm1(torch.cat(feats, 1))))
            return self.conv2(self.relu2(self.norm2(x)))

    class DenseBlock(tnn.ModuleDict):
        def forward(self, x):
            feats = [x]
            for layer in self.values():
                feats.append(layer(feats))
            return torch.cat(feats, 1)

    def transition(c):
        t = tnn.Sequential()
        t.add_module("norm", tnn.BatchNorm2d(c))
        t.add_module("relu", tnn.ReLU())
        t.add_module("conv", tnn.Conv2d(c, c // 2, 1, bias=False))
        t.add_module("pool", tnn.AvgPool2d(2, 2))
        return t

    class DenseNet(tnn.Module):
        def __init__(self):
            super().__init__()
            self.features = tnn.Sequential()
            self.features.add_module("conv0", tnn.Conv2d(3, init, 3, padding=1, bias=False))
            c = init
            for i, n in enumerate(blocks):
                layers = {f"denselayer{j + 1}": DenseLayer(c + j * k) for j in range(n)}
                self.features.add_module(f"denseblock{i + 1}", DenseBlock(layers))
                c += n * k
                if i < len(blocks) - 1:
                    self.features.add_module(f"transition{i + 1}", transition(c))
                    c //= 2
            self.features.add_module("norm5", tnn.BatchNorm2d(c))
            self.classifier = tnn.Linear(c, classes)

        def forward(self, x):
            x = torch.relu(self.features(x)).mean((2, 3))
            return self.classifier(x)

    return DenseNet()


def test_densenet_matches_torch():
    pg.manual_seed(8)
    ours = pg.models.densenet(growth_rate=4, block_config=(3, 2), num_init_features=8)
    theirs = load_into_torch(ours, torch_densenet(4, (3, 2), 8, 10))
    x = np.random.default_rng(9).standard_normal((2, 3, 8, 8)).astype(np.float32)
    ours.train(), theirs.train()  # batch statistics: the BN layers are not the identity
    np.testing.assert_allclose(ours(x), run_torch(theirs, x), rtol=1e-4, atol=1e-4)
