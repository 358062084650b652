"""Every layer of pg.nn against torch.nn with the same weights: state_dict layout, forward
outputs and gradients (float32; rtol 1e-4 for sums of a few hundred products)."""

from __future__ import annotations

import numpy as np
import pytest

import pygraph as pg
from tests.conftest import torch_or_skip
from tests.nn_torch import compare, same_layout

nn = pg.nn

# (id, pygraph module, torch module builder, input shape)
LAYERS = [
    ("linear", lambda: nn.Linear(5, 3), lambda t: t.nn.Linear(5, 3), (4, 5)),
    (
        "linear_3d_nobias",
        lambda: nn.Linear(5, 3, bias=False),
        lambda t: t.nn.Linear(5, 3, bias=False),
        (2, 4, 5),
    ),
    (
        "conv1d",
        lambda: nn.Conv1d(3, 4, 3, stride=2, padding=1),
        lambda t: t.nn.Conv1d(3, 4, 3, stride=2, padding=1),
        (2, 3, 9),
    ),
    (
        "conv2d",
        lambda: nn.Conv2d(3, 4, 3, padding=1),
        lambda t: t.nn.Conv2d(3, 4, 3, padding=1),
        (2, 3, 6, 6),
    ),
    (
        "conv2d_groups_dilation",
        lambda: nn.Conv2d(4, 6, 3, stride=2, dilation=2, groups=2),
        lambda t: t.nn.Conv2d(4, 6, 3, stride=2, dilation=2, groups=2),
        (2, 4, 9, 9),
    ),
    (
        "conv2d_same",
        lambda: nn.Conv2d(2, 3, 3, padding="same", bias=False),
        lambda t: t.nn.Conv2d(2, 3, 3, padding="same", bias=False),
        (1, 2, 5, 5),
    ),
    ("conv3d", lambda: nn.Conv3d(2, 3, 2), lambda t: t.nn.Conv3d(2, 3, 2), (1, 2, 4, 4, 4)),
    (
        "conv_transpose2d",
        lambda: nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1),
        lambda t: t.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1),
        (2, 3, 4, 4),
    ),
    ("max_pool1d", lambda: nn.MaxPool1d(2), lambda t: t.nn.MaxPool1d(2), (2, 3, 8)),
    ("max_pool2d", lambda: nn.MaxPool2d(3, 2, 1), lambda t: t.nn.MaxPool2d(3, 2, 1), (2, 3, 7, 7)),
    ("avg_pool1d", lambda: nn.AvgPool1d(3, 2), lambda t: t.nn.AvgPool1d(3, 2), (2, 3, 9)),
    ("avg_pool2d", lambda: nn.AvgPool2d(2), lambda t: t.nn.AvgPool2d(2), (2, 3, 6, 6)),
    (
        "adaptive_avg_pool2d",
        lambda: nn.AdaptiveAvgPool2d((2, 3)),
        lambda t: t.nn.AdaptiveAvgPool2d((2, 3)),
        (2, 3, 7, 8),
    ),
    (
        "global_avg_pool2d",
        lambda: nn.GlobalAvgPool(),
        lambda t: t.nn.AdaptiveAvgPool2d(1),
        (2, 3, 5, 5),
    ),
    ("flatten", lambda: nn.Flatten(), lambda t: t.nn.Flatten(), (2, 3, 4, 5)),
    ("layer_norm", lambda: nn.LayerNorm(6), lambda t: t.nn.LayerNorm(6), (3, 4, 6)),
    ("layer_norm_2d", lambda: nn.LayerNorm((4, 6)), lambda t: t.nn.LayerNorm((4, 6)), (3, 4, 6)),
    ("relu", lambda: nn.ReLU(), lambda t: t.nn.ReLU(), (3, 7)),
    ("leaky_relu", lambda: nn.LeakyReLU(0.2), lambda t: t.nn.LeakyReLU(0.2), (3, 7)),
    ("prelu", lambda: nn.PReLU(4), lambda t: t.nn.PReLU(4), (3, 4, 5)),
    ("elu", lambda: nn.ELU(0.7), lambda t: t.nn.ELU(0.7), (3, 7)),
    ("selu", lambda: nn.SELU(), lambda t: t.nn.SELU(), (3, 7)),
    ("gelu", lambda: nn.GELU(), lambda t: t.nn.GELU(), (3, 7)),
    ("gelu_tanh", lambda: nn.GELU("tanh"), lambda t: t.nn.GELU("tanh"), (3, 7)),
    ("silu", lambda: nn.Swish(), lambda t: t.nn.SiLU(), (3, 7)),
    ("sigmoid", lambda: nn.Sigmoid(), lambda t: t.nn.Sigmoid(), (3, 7)),
    ("tanh", lambda: nn.Tanh(), lambda t: t.nn.Tanh(), (3, 7)),
    ("softplus", lambda: nn.Softplus(2.0), lambda t: t.nn.Softplus(2.0), (3, 7)),
    ("softmax", lambda: nn.Softmax(1), lambda t: t.nn.Softmax(1), (3, 7)),
    ("bn1d_eval", lambda: nn.BatchNorm1d(4).eval(), lambda t: t.nn.BatchNorm1d(4).eval(), (5, 4)),
    ("bn2d_train", lambda: nn.BatchNorm2d(3), lambda t: t.nn.BatchNorm2d(3), (4, 3, 5, 5)),
    ("bn1d_3d_train", lambda: nn.BatchNorm1d(3), lambda t: t.nn.BatchNorm1d(3), (4, 3, 6)),
    (
        "sequential",
        lambda: nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(18, 4)),
        lambda t: t.nn.Sequential(
            t.nn.Conv2d(1, 2, 3), t.nn.ReLU(), t.nn.Flatten(), t.nn.Linear(18, 4)
        ),
        (2, 1, 5, 5),
    ),
]


@pytest.mark.parametrize(
    "make,make_torch,shape", [c[1:] for c in LAYERS], ids=[c[0] for c in LAYERS]
)
def test_layer_matches_torch(make, make_torch, shape, rng):
    torch = torch_or_skip()
    torch.manual_seed(0)
    tmod = make_torch(torch)
    with torch.no_grad():  # non-trivial affine/running stats so their use is checked
        for name, b in tmod.named_buffers():
            if "running_var" in name:
                b.uniform_(0.5, 2.0)
            elif "running_mean" in name:
                b.uniform_(-1, 1)
        for name, p in tmod.named_parameters():
            if "norm" in type(tmod).__name__.lower() or name in ("weight", "bias") and p.ndim == 1:
                p.uniform_(0.5, 1.5)
    x = rng.standard_normal(shape).astype(np.float32)
    compare(make(), tmod, x)


def test_maxout_against_numpy(rng):
    x0 = rng.standard_normal((2, 6, 3)).astype(np.float32)
    got = nn.Maxout(3)(x0)
    np.testing.assert_array_equal(got, x0.reshape(2, 2, 3, 3).max(axis=2))


def test_max_pool_indices_and_unpool_match_torch(rng):
    torch = torch_or_skip()
    x0 = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
    pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
    x = pg.input(x0.shape, name="x")
    y, idx = pool(x)
    out, i_out = pg.compile([unpool(y, idx), idx])(x=x0)
    ty, ti = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(x0))
    np.testing.assert_array_equal(i_out, ti.numpy())
    np.testing.assert_array_equal(out, torch.nn.MaxUnpool2d(2)(ty, ti).numpy())


@pytest.mark.parametrize(
    "name,make",
    [
        ("Linear", lambda m: m.Linear(7, 3)),
        ("Conv2d", lambda m: m.Conv2d(2, 4, 3, groups=2)),
        ("ConvTranspose2d", lambda m: m.ConvTranspose2d(4, 6, 3)),
        ("BatchNorm2d", lambda m: m.BatchNorm2d(5)),
        ("LayerNorm", lambda m: m.LayerNorm(5)),
        ("PReLU", lambda m: m.PReLU()),
    ],
)
def test_parameter_names_and_counts_are_torchs(name, make):
    torch = torch_or_skip()
    pmod, tmod = make(nn), make(torch.nn)
    same_layout(pmod, tmod)
    assert [k for k, _ in pmod.named_parameters()] == [k for k, _ in tmod.named_parameters()]
    assert [k for k, _ in pmod.named_buffers()] == [k for k, _ in tmod.named_buffers()]
    assert sum(p.numel() for p in pmod.parameters()) == sum(p.numel() for p in tmod.parameters())
    assert repr(pmod) == repr(tmod)
