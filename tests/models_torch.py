"""Torch twins of pg.models for the tests, written by hand in torchvision's (timm's for ViT)
layouts and module names (torchvision is not installed), and the helpers to load our
state_dict into them strictly and run them."""

from __future__ import annotations

import pytest


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


def torch_inception(cin, c1, r3, c3, r5, c5, pp):
    torch = pytest.importorskip("torch")
    tnn = torch.nn

    class BasicConv2d(tnn.Module):
        def __init__(self, i, o, k, **kw):
            super().__init__()
            self.conv = tnn.Conv2d(i, o, k, bias=False, **kw)
            self.bn = tnn.BatchNorm2d(o, eps=0.001)

        def forward(self, x):
            return torch.relu(self.bn(self.conv(x)))

    class Inception(tnn.Module):
        def __init__(self):
            super().__init__()
            self.branch1 = BasicConv2d(cin, c1, 1)
            self.branch2 = tnn.Sequential(
                BasicConv2d(cin, r3, 1), BasicConv2d(r3, c3, 3, padding=1)
            )
            self.branch3 = tnn.Sequential(
                BasicConv2d(cin, r5, 1), BasicConv2d(r5, c5, 5, padding=2)
            )
            self.branch4 = tnn.Sequential(tnn.MaxPool2d(3, 1, 1), BasicConv2d(cin, pp, 1))

        def forward(self, x):
            branches = (self.branch1, self.branch2, self.branch3, self.branch4)
            return torch.cat([b(x) for b in branches], 1)

    return Inception()
