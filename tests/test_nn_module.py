"""Module machinery: traversal, train/eval, numpy calls, state_dict, parameters shared across
graphs, compiled training steps with BatchNorm running statistics (against torch)."""

from __future__ import annotations

import numpy as np
import pytest

import pygraph as pg
from tests.conftest import torch_or_skip

nn = pg.nn


def small_net(bias: bool = True) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 3, 3, padding=1, bias=bias), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(12, 4),
    )  # fmt: skip


def test_traversal_and_names():
    net = small_net()
    assert [k for k, _ in net.named_parameters()] == [
        "0.weight", "0.bias", "1.weight", "1.bias", "5.weight", "5.bias"]  # fmt: skip
    assert [k for k, _ in net.named_buffers()] == [
        "1.running_mean", "1.running_var", "1.num_batches_tracked"]  # fmt: skip
    assert [k for k, _ in net.named_modules()] == ["", "0", "1", "2", "3", "4", "5"]
    assert all(p.requires_grad for p in net.parameters())
    assert not any(b.requires_grad for b in net.buffers())
    assert len(net) == 6 and isinstance(net[1], nn.BatchNorm2d) and len(net[1:3]) == 2
    net.append(nn.Tanh())
    assert len(list(net.children())) == 7
    lst = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 3)])
    assert [k for k, _ in lst.named_parameters()] == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_train_eval_switches_every_module(rng):
    net = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
    x = rng.standard_normal((64, 4)).astype(np.float32) + 3.0
    assert net.training and net[1].training
    net.eval()
    assert not net.training and not net[1].training
    np.testing.assert_array_equal(net(x), net[0](x))  # dropout is the identity in eval
    net.train()
    y, ref = net(x), net[0](x)
    kept = y != 0
    assert 0.3 < kept.mean() < 0.7  # p = 0.5 of 256 elements
    np.testing.assert_allclose(y[kept], 2.0 * ref[kept], rtol=1e-6)


def test_numpy_call_compiles_once_per_shape_and_mode(rng):
    net = small_net().eval()
    x = rng.standard_normal((2, 1, 4, 4)).astype(np.float32)
    y1 = net(x)
    net(x)
    net(rng.standard_normal((3, 1, 4, 4)).astype(np.float32))
    assert len(net._compiled) == 2
    np.testing.assert_array_equal(net(x), y1)  # eval: running stats unchanged
    net.train()
    net(x)  # train mode: batch statistics, and the running stats move
    assert len(net._compiled) == 3
    assert np.abs(net[1].running_mean.value).max() > 0


def test_state_dict_round_trip_and_errors(rng):
    a, b = small_net(), small_net()
    b.load_state_dict(a.state_dict())
    for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
        np.testing.assert_array_equal(va, vb, err_msg=k)
    x = rng.standard_normal((2, 1, 4, 4)).astype(np.float32)
    np.testing.assert_array_equal(a.eval()(x), b.eval()(x))
    sd = a.state_dict()
    del sd["5.bias"]
    sd["extra.weight"] = np.zeros(3)
    with pytest.raises(ValueError, match=r"missing keys \['5.bias'\].*unexpected keys "
                                         r"\['extra.weight'\]"):  # fmt: skip
        b.load_state_dict(sd)
    b.load_state_dict(sd, strict=False)  # the rest loads
    sd = a.state_dict()
    sd["0.weight"] = np.zeros((3, 1, 5, 5), np.float32)
    msg = r"0.weight: checkpoint \(3, 1, 5, 5\), model \(3, 1, 3, 3\)"
    with pytest.raises(ValueError, match=msg):
        b.load_state_dict(sd, strict=False)
    with pytest.raises(ValueError, match=r"new value has shape \(2,\)"):
        a[0].bias.value = np.zeros(2)


def test_parameters_outlive_graphs_and_share_storage(rng):
    lin = nn.Linear(3, 2)
    x0 = rng.standard_normal((4, 3)).astype(np.float32)
    x = pg.input((4, 3), name="x")
    f = pg.compile(lin(x))
    np.testing.assert_allclose(f(x=x0), x0 @ lin.weight.value.T + lin.bias.value, rtol=1e-6)
    lin.weight.value = np.ones((2, 3))  # assigned after compiling: the program sees it
    np.testing.assert_allclose(f(x=x0), x0.sum(1, keepdims=True) + lin.bias.value, rtol=1e-6)
    pg.new_graph()
    x = pg.input((4, 3), name="x")
    np.testing.assert_allclose(pg.compile(lin(x))(x=x0), f(x=x0), rtol=1e-6)


def test_two_instances_in_one_graph_get_unique_names_and_one_param_is_reused():
    a, b = nn.Linear(2, 2), nn.Linear(2, 2)
    x = pg.input((1, 2), name="x")
    y = b(a(x)) + a(x)
    names = [ln.split(" = ")[0].split(":")[1] for ln in pg.ir(y).splitlines() if "= param" in ln]
    assert names == ["weight", "bias", "weight_1", "bias_1"]


def test_compile_module_with_input_shape_is_fed_positionally(rng):
    net = small_net().eval()
    x0 = rng.standard_normal((2, 1, 4, 4)).astype(np.float32)
    f = pg.compile(net, input_shape=(2, 1, 4, 4))
    assert f.input_names == ["x"]
    np.testing.assert_allclose(f(x0), net(x0), rtol=1e-6)
    np.testing.assert_allclose(f(x=x0), net(x0), rtol=1e-6)
    with pytest.raises(ValueError, match="needs input_shape"):
        pg.compile(net)


def test_grad_accepts_parameters(rng):
    lin = nn.Linear(3, 1)
    x0 = rng.standard_normal((5, 3)).astype(np.float32)
    x = pg.input((5, 3), name="x")
    gw, gb = pg.grad(lin(x).sum(), lin.parameters())
    got_w, got_b = pg.compile([gw, gb])(x=x0)
    np.testing.assert_allclose(got_w, x0.sum(0, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(got_b, [5.0])


def _torch_twin(torch, bias: bool):
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 3, 3, padding=1, bias=bias), torch.nn.BatchNorm2d(3), torch.nn.ReLU(),
        torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(12, 4),
    )  # fmt: skip


@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_training_steps_and_running_stats_match_torch(opt, rng):
    torch = torch_or_skip()
    torch.manual_seed(0)
    # Adam rescales even a gradient of rounding noise, such as that of a conv bias that
    # BatchNorm cancels: that bias is left out for Adam
    bias = opt == "sgd"
    tnet, net = _torch_twin(torch, bias), small_net(bias)
    net.load_state_dict({k: v.numpy() for k, v in tnet.state_dict().items()})
    X = rng.standard_normal((3, 8, 1, 4, 4)).astype(np.float32)
    T = rng.integers(0, 4, (3, 8))
    x, t = pg.input((8, 1, 4, 4), name="x"), pg.input((8,), "int64", name="t")
    loss = pg.cross_entropy(net(x), t)
    if opt == "sgd":
        step = pg.optim.SGD(lr=0.1, momentum=0.9).minimize(loss, net.parameters())
        topt = torch.optim.SGD(tnet.parameters(), lr=0.1, momentum=0.9)
    else:
        step = pg.optim.Adam(lr=0.01).minimize(loss, net.parameters())
        topt = torch.optim.Adam(tnet.parameters(), lr=0.01)
    for k in range(3):
        got = step(x=X[k], t=T[k])
        topt.zero_grad()
        tl = torch.nn.functional.cross_entropy(tnet(torch.tensor(X[k])), torch.tensor(T[k]))
        tl.backward()
        topt.step()
        np.testing.assert_allclose(got, tl.item(), rtol=1e-4, atol=1e-5)
    for key, want in tnet.state_dict().items():
        if key.endswith("num_batches_tracked"):
            continue  # not counted by pygraph (see pygraph.nn.norm)
        np.testing.assert_allclose(net.state_dict()[key], want.numpy(), rtol=1e-4, atol=1e-5,
                                   err_msg=key)  # fmt: skip


def test_running_stats_update_only_when_the_outputs_need_the_layer(rng):
    bn = nn.BatchNorm1d(2)
    other = pg.input((3,), name="other")
    x = pg.input((4, 2), name="x")
    bn(x)
    pg.compile(other * 2.0)(other=np.ones(3))  # same graph, does not need bn: no update
    np.testing.assert_array_equal(bn.running_mean.value, [0, 0])
    x0 = np.array([[1, 2], [3, 4], [5, 6], [7, 8]], np.float32)
    bn(x0)  # numpy call in train mode updates
    np.testing.assert_allclose(bn.running_mean.value, 0.1 * x0.mean(0), rtol=1e-6)
    np.testing.assert_allclose(bn.running_var.value, 0.9 + 0.1 * x0.var(0, ddof=1), rtol=1e-6)
    bn.eval()
    before = bn.running_mean.value
    bn(x0)
    np.testing.assert_array_equal(bn.running_mean.value, before)


def test_seeded_init_is_reproducible_and_follows_torchs_bounds():
    pg.manual_seed(3)
    a = nn.Linear(50, 40)
    pg.manual_seed(3)
    b = nn.Linear(50, 40)
    np.testing.assert_array_equal(a.weight.value, b.weight.value)
    assert not np.array_equal(a.weight.value, nn.Linear(50, 40).weight.value)
    bound = 1 / np.sqrt(50)  # kaiming_uniform(a=sqrt(5)) and the bias rule give 1/sqrt(fan_in)
    for p in (a.weight.value, a.bias.value):
        assert np.abs(p).max() <= bound and np.abs(p).max() > 0.9 * bound
    conv = nn.Conv2d(4, 8, 3)
    assert np.abs(conv.weight.value).max() <= 1 / np.sqrt(36)


@pytest.mark.parametrize("fn,std", [
    (lambda p: nn.init.xavier_uniform_(p), np.sqrt(2 / (300 + 200))),
    (lambda p: nn.init.xavier_normal_(p, gain=2.0), 2 * np.sqrt(2 / (300 + 200))),
    (lambda p: nn.init.kaiming_uniform_(p, nonlinearity="relu"), np.sqrt(2 / 300)),
    (lambda p: nn.init.kaiming_normal_(p, mode="fan_out", nonlinearity="relu"), np.sqrt(2 / 200)),
])  # fmt: skip
def test_initializer_statistics(fn, std):
    p = fn(nn.Parameter(np.zeros((200, 300), np.float32)))
    v = p.value
    assert abs(v.mean()) < 0.05 * std
    assert abs(v.std() - std) < 0.02 * std  # 60000 samples: the std's error is ~0.3 %
    assert p.dtype == "float32"


def test_init_helpers():
    p = nn.Parameter(np.zeros((2, 3), np.float32))
    np.testing.assert_array_equal(nn.init.ones_(p).value, np.ones((2, 3)))
    np.testing.assert_array_equal(nn.init.zeros_(p).value, np.zeros((2, 3)))
    assert nn.init.calculate_gain("leaky_relu", 0.2) == pytest.approx(np.sqrt(2 / 1.04))
    with pytest.raises(ValueError, match="mode must be"):
        nn.init.kaiming_normal_(p, mode="fan")
