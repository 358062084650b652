"""DESIGN.md's module, compile, grad and training snippet, as written (with a 32x32 input for
LeNet-5's default input size; DESIGN.md's graph snippet is in test_graph_networks.py)."""

from __future__ import annotations

import numpy as np

import pygraph as pg


def test_design_module_snippet_runs(rng):
    pg.manual_seed(0)
    model = pg.models.lenet5()
    table = pg.summary(model, (1, 1, 32, 32))
    assert table.total_params == 61706 and "Conv2d" in str(table)

    f = pg.compile(model, input_shape=(64, 1, 32, 32))
    X = rng.random((64, 1, 32, 32), dtype=np.float32)
    logits = f(X)
    np.testing.assert_allclose(logits, model.eval()(X), rtol=1e-5, atol=1e-6)

    x = pg.input((64, 1, 32, 32), name="x")
    t = pg.input((64,), dtype="int64", name="t")
    loss = pg.cross_entropy(model(x), t)
    grads = pg.grad(loss, model.parameters())
    assert [g.shape for g in grads] == [p.shape for p in model.parameters()]
    step = pg.compile([loss, *grads])
    T = rng.integers(0, 10, 64)
    loss_v, *grad_vs = step(x=X, t=T)
    assert np.isfinite(loss_v) and len(grad_vs) == 10

    X_train, y_train, X_val, y_val = pg.data.digits()
    trainer = pg.Trainer(model, loss="cross_entropy", optimizer=pg.optim.SGD(lr=0.05, momentum=0.9))
    history = trainer.fit(X_train, y_train, epochs=5, batch_size=64, val=(X_val, y_val),
                          progress=False)  # fmt: skip
    # it learns (SGD at this rate climbs slowly on 23 batches an epoch: 0.36 -> 0.89 here)
    assert len(history["val_accuracy"]) == 5 and history["val_accuracy"][-1] > 0.8
