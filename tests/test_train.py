"""pg.Trainer: training steps against torch.optim, history bookkeeping, evaluate against numpy,
errors, the plot, and LeNet-5 on the digits (the P3 acceptance criterion)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import pygraph as pg
from pygraph import nn


def torch_or_skip():
    return pytest.importorskip("torch")


def small_net(dropout: float = 0.0) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU(),
        nn.Dropout(dropout), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64, 5),
    )  # fmt: skip


def torch_twin(torch):
    n = torch.nn
    return n.Sequential(
        n.Conv2d(1, 4, 3, padding=1, bias=False), n.BatchNorm2d(4), n.ReLU(), n.Dropout(0.0),
        n.MaxPool2d(2), n.Flatten(), n.Linear(64, 5),
    )  # fmt: skip


def data(rng, n: int, classes: int = 5):
    return rng.standard_normal((n, 1, 8, 8)).astype(np.float32), rng.integers(0, classes, n)


def torch_epoch(torch, tnet, topt, X, y, batch_size):
    """One epoch in order, every sample (a short last batch too): per-sample mean loss."""
    total = 0.0
    tnet.train()
    for s in range(0, len(X), batch_size):
        xb, yb = torch.tensor(X[s : s + batch_size]), torch.tensor(y[s : s + batch_size])
        topt.zero_grad()
        loss = torch.nn.functional.cross_entropy(tnet(xb), yb)
        loss.backward()
        topt.step()
        total += loss.item() * len(yb)
    return total / len(X)


@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_training_matches_torch_step_by_step_with_batchnorm(opt, rng):
    torch = torch_or_skip()
    torch.manual_seed(0)
    tnet, net = torch_twin(torch), small_net()
    net.load_state_dict({k: v.numpy() for k, v in tnet.state_dict().items()})
    if opt == "sgd":
        optimizer = pg.optim.SGD(lr=0.1, momentum=0.9)
        topt = torch.optim.SGD(tnet.parameters(), lr=0.1, momentum=0.9)
    else:
        optimizer = pg.optim.Adam(lr=0.01)
        topt = torch.optim.Adam(tnet.parameters(), lr=0.01)
    trainer = pg.Trainer(net, optimizer=optimizer)
    X, y = data(rng, 44)
    # 5 epochs of one full-batch step each: history["loss"] is each step's loss
    trainer.fit(X, y, epochs=5, batch_size=44, shuffle=False, progress=False)
    want = [torch_epoch(torch, tnet, topt, X, y, 44) for _ in range(5)]
    np.testing.assert_allclose(trainer.history["loss"], want, rtol=0, atol=1e-4)
    # then batches of 8 and a last one of 4: its own compiled step, the same optimizer state
    trainer.fit(X, y, epochs=2, batch_size=8, shuffle=False, progress=False)
    want += [torch_epoch(torch, tnet, topt, X, y, 8) for _ in range(2)]
    np.testing.assert_allclose(trainer.history["loss"], want, rtol=0, atol=1e-4)
    for key, value in tnet.state_dict().items():
        if not key.endswith("num_batches_tracked"):
            np.testing.assert_allclose(net.state_dict()[key], value.numpy(), rtol=1e-3,
                                       atol=1e-4, err_msg=key)  # fmt: skip
    tnet.eval()  # evaluate uses the running statistics, as torch's eval mode
    with torch.no_grad():
        logits = tnet(torch.tensor(X))
        tloss = torch.nn.functional.cross_entropy(logits, torch.tensor(y)).item()
        tacc = (logits.argmax(1).numpy() == y).mean()
    got = trainer.evaluate(X, y, batch_size=16)
    assert got["loss"] == pytest.approx(tloss, abs=1e-4)
    assert got["accuracy"] == pytest.approx(tacc)


def test_history_bookkeeping(rng):
    X, y = data(rng, 30)
    Xv, yv = data(rng, 12)
    opt = pg.optim.SGD(lr=0.1)
    trainer = pg.Trainer(small_net(0.5), optimizer=opt, scheduler=pg.optim.StepLR(opt, 2, 0.5))
    history = trainer.fit(X, y, epochs=3, batch_size=8, val=(Xv, yv), progress=False)
    assert history is trainer.history and len(history) == 3
    assert history["lr"] == [0.1, 0.1, 0.05] and opt.lr == 0.05  # the lr each epoch used
    assert all(s > 0 for s in history["seconds"])
    assert all(0 <= a <= 1 for a in history["accuracy"] + history["val_accuracy"])
    # val_loss and val_accuracy are what evaluate says after each epoch: check the last one
    last = trainer.evaluate(Xv, yv, batch_size=8)
    assert history["val_loss"][-1] == pytest.approx(last["loss"], rel=1e-6)
    assert history["val_accuracy"][-1] == last["accuracy"]
    trainer.fit(X, y, epochs=1, batch_size=8, progress=False)  # extends the same history
    assert len(history) == 4 and history.val_loss[-1] is None and history.loss[-1] > 0
    assert "epochs=4" in repr(history)
    quiet = pg.Trainer(small_net(), metrics=())
    assert quiet.fit(X, y, batch_size=10, progress=False)["accuracy"] == [None]
    assert sorted(quiet.evaluate(X, y)) == ["loss"]


def test_training_reduces_the_loss_and_restores_the_model_mode(rng):
    X, y = data(rng, 64, classes=2)
    X[y == 1] += 0.5  # separable enough to learn in a few epochs
    net = small_net(0.2).eval()
    trainer = pg.Trainer(net, optimizer=pg.optim.Adam(lr=0.01))
    h = trainer.fit(X, y, epochs=6, batch_size=16, progress=False)
    assert h["loss"][-1] < 0.5 * h["loss"][0]
    assert not any(m.training for m in net.modules())  # fit put the modes back


def test_evaluate_and_predict_against_numpy(rng):
    X, y = data(rng, 23)
    trainer = pg.Trainer(small_net(0.5), optimizer=pg.optim.SGD(lr=0.05))
    trainer.fit(X, y, epochs=2, batch_size=8, progress=False)
    logits = trainer.predict(X, batch_size=5)  # batches of 5 and a last one of 3
    assert logits.shape == (23, 5)
    # eval mode: no dropout, so batching changes only rounding (another GEMM tiling)
    np.testing.assert_allclose(trainer.predict(X, batch_size=23), logits, rtol=1e-5, atol=1e-6)
    z = logits.astype(np.float64)
    logp = z - z.max(1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(1, keepdims=True))
    got = trainer.evaluate(X, y, batch_size=7)
    assert got["loss"] == pytest.approx(-logp[np.arange(23), y].mean(), rel=1e-5)
    assert got["accuracy"] == pytest.approx((logits.argmax(1) == y).mean())


def test_mse_and_a_callable_loss_with_one_hot_targets(rng):
    X = rng.standard_normal((20, 6)).astype(np.float32)
    Y = rng.standard_normal((20, 3)).astype(np.float32)
    model = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3))
    trainer = pg.Trainer(model, loss="mse", optimizer=pg.optim.SGD(lr=0.1), metrics=())
    trainer.fit(X, Y, epochs=3, batch_size=8, progress=False)
    out = trainer.predict(X)
    assert trainer.evaluate(X, Y, 6)["loss"] == pytest.approx(((out - Y) ** 2).mean(), rel=1e-5)

    onehot = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 20)]
    loss = lambda o, t: pg.mse_loss(pg.softmax(o, axis=1), t)  # noqa: E731
    trainer = pg.Trainer(model, loss=loss, optimizer=pg.optim.SGD(lr=0.1))
    trainer.fit(X, onehot, epochs=1, batch_size=8, progress=False)
    out = trainer.predict(X)
    p = np.exp(out - out.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    got = trainer.evaluate(X, onehot)
    assert got["loss"] == pytest.approx(((p - onehot) ** 2).mean(), rel=1e-5)
    assert got["accuracy"] == pytest.approx((out.argmax(1) == onehot.argmax(1)).mean())


def test_progress_bar_only_when_asked(rng, capsys):
    X, y = data(rng, 16)
    trainer = pg.Trainer(small_net())
    trainer.fit(X, y, epochs=1, batch_size=8, progress=False)
    assert capsys.readouterr().err == ""
    trainer.fit(X, y, epochs=1, batch_size=8, progress=True)
    err = capsys.readouterr().err
    assert "epoch 2" in err and "loss=" in err and "accuracy=" in err


def test_errors(rng):
    X, y = data(rng, 10)
    net = small_net()
    with pytest.raises(ValueError, match=r"Trainer: loss must be one of \['cross_entropy'"):
        pg.Trainer(net, loss="hinge")
    with pytest.raises(ValueError, match=r"unknown metrics \['f1'\]"):
        pg.Trainer(net, metrics=("f1",))
    with pytest.raises(TypeError, match="model must be a pg.nn.Module"):
        pg.Trainer(lambda x: x)
    with pytest.raises(ValueError, match="scheduler must schedule this trainer's optimizer"):
        pg.Trainer(net, scheduler=pg.optim.StepLR(pg.optim.SGD(lr=0.1), 1))
    trainer = pg.Trainer(net)
    with pytest.raises(ValueError, match=r"Trainer.fit: X has 10 samples but y has shape \(9,\)"):
        trainer.fit(X, y[:9], progress=False)
    with pytest.raises(ValueError, match="Trainer.fit: need epochs >= 1"):
        trainer.fit(X, y, epochs=0, progress=False)
    with pytest.raises(ValueError, match=r"Trainer.evaluate: X must be a non-empty"):
        trainer.evaluate(X[:0], y[:0])
    with pytest.raises(TypeError, match="cross_entropy: target must hold integer class labels"):
        trainer.fit(X, y.astype(np.float32), progress=False)
    with pytest.raises(ValueError, match=r"conv2d.*\(10, 2, 8, 8\)"):
        trainer.predict(np.ones((10, 2, 8, 8)))
    regress = pg.Trainer(nn.Linear(3, 1), loss="mse")
    with pytest.raises(ValueError, match=r"metric 'accuracy' needs class scores.*\(4, 1\)"):
        regress.fit(np.ones((4, 3)), np.ones((4, 1)), progress=False)
    with pytest.raises(ValueError, match="the loss must be a scalar Tensor, got \\(4, 1\\)"):
        pg.Trainer(nn.Linear(3, 1), loss=lambda o, t: o - t, metrics=()).evaluate(
            np.ones((4, 3)), np.ones((4, 1)))  # fmt: skip


def test_plot_history(rng, monkeypatch):
    h = pg.History()
    h.append(loss=1.0, accuracy=0.5, val_loss=1.2, val_accuracy=0.4, lr=0.1, seconds=1.0)
    h.append(loss=0.5, accuracy=0.8, val_loss=0.9, val_accuracy=0.7, lr=0.1, seconds=1.0)
    with pytest.raises(KeyError, match="unknown keys"):
        h.append(los=1.0)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)  # as if not installed
    with pytest.raises(ImportError, match=r"pip install 'pygraph\[plot\]'"):
        h.plot()
    monkeypatch.undo()
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    fig = pg.plot_history(h)
    loss_ax, acc_ax = fig.axes
    assert [list(line.get_ydata()) for line in loss_ax.lines] == [[1.0, 0.5], [1.2, 0.9]]
    assert [line.get_label() for line in acc_ax.lines] == ["accuracy", "val_accuracy"]
    import matplotlib.pyplot as plt

    plt.close(fig)


def lenet5() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84),
        nn.ReLU(), nn.Linear(84, 10),
    )  # fmt: skip


def test_lenet5_trains_on_digits_to_97_percent():
    pytest.importorskip("sklearn")
    X, y, X_test, y_test = pg.data.digits()
    pg.manual_seed(0)
    opt = pg.optim.Adam(lr=2e-3)
    trainer = pg.Trainer(lenet5(), optimizer=opt, scheduler=pg.optim.CosineAnnealingLR(opt, 8))
    # 2-pixel shifts of the upsampled 8x8 digits (half a pixel of the originals): without
    # them LeNet-5 overfits the 1437 training images at 96-97% test accuracy
    trainer.fit(*pg.data.shifted(X, y, 2), epochs=8, batch_size=64, progress=False)
    assert trainer.evaluate(X_test, y_test)["accuracy"] >= 0.97
