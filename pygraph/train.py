"""pg.Trainer: fit a pg.nn module on numpy arrays with a compiled training step.

The whole step (forward, loss, backward, optimizer update, BatchNorm running statistics) is one
compiled call (optimizer.minimize), built once per batch shape: a last, shorter batch gets a
step of its own (every sample is used each epoch, as torch's DataLoader does by default), and
the two steps share the optimizer's state. Evaluation and prediction run the module compiled
in eval mode. Not here: the layers (pygraph.nn), the update rules (pygraph.optim).

>>> import numpy as np, pygraph as pg
>>> X, y, Xt, yt = pg.data.shapes(n=60, size=8, seed=0)
>>> model = pg.nn.Sequential(pg.nn.Flatten(), pg.nn.Linear(64, 3))
>>> trainer = pg.Trainer(model, optimizer=pg.optim.SGD(lr=0.1, momentum=0.9))
>>> history = trainer.fit(X, y, epochs=3, batch_size=16, progress=False)
>>> len(history["loss"]), sorted(trainer.evaluate(Xt, yt))
(3, ['accuracy', 'loss'])
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Union

import numpy as np

from . import _core
from .compile import Compiled, compile
from .data import batches
from .functional import argmax, cross_entropy, mse_loss
from .graph import Tensor
from .history import History
from .optim import Adam, LRScheduler, Optimizer

LOSSES: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "cross_entropy": cross_entropy,
    "mse": mse_loss,
}
METRICS = ("accuracy",)
Loss = Union[str, Callable[[Tensor, Tensor], Tensor]]


class Trainer:
    """Trains `model` (a pg.nn.Module with one input and one output) on numpy arrays.

    loss: "cross_entropy" (logits (N, C, ...) against int class labels (N, ...)), "mse"
    (targets of the output's shape) or a callable (output Tensor, target Tensor) -> scalar
    Tensor; losses are taken to be means over the batch (epoch losses weight batches by size).
    optimizer: a pg.optim optimizer (default Adam(lr=1e-3)); scheduler: a schedule of that
    optimizer, stepped after every epoch. metrics: () or ("accuracy",): the argmax over axis 1
    of the output against int labels, or against the argmax of one-hot float targets.
    """

    def __init__(self, model: Any, loss: Loss = "cross_entropy", optimizer: Optimizer | None = None,
                 scheduler: LRScheduler | None = None, metrics: tuple[str, ...] = ("accuracy",)
                 ) -> None:  # fmt: skip
        if not hasattr(model, "named_parameters"):
            raise TypeError(f"Trainer: model must be a pg.nn.Module, got {type(model).__name__}")
        if isinstance(loss, str) and loss not in LOSSES:
            raise ValueError(f"Trainer: loss must be one of {list(LOSSES)} or a callable, "
                             f"got {loss!r}")  # fmt: skip
        if not isinstance(loss, str) and not callable(loss):
            raise TypeError(f"Trainer: loss must be a name or a callable, got {loss!r}")
        optimizer = Adam(lr=1e-3) if optimizer is None else optimizer
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"Trainer: optimizer must be a pg.optim optimizer, got {optimizer!r}")
        if scheduler is not None and getattr(scheduler, "optimizer", None) is not optimizer:
            raise ValueError("Trainer: the scheduler must schedule this trainer's optimizer")
        metrics = (metrics,) if isinstance(metrics, str) else tuple(metrics)
        unknown = [m for m in metrics if m not in METRICS]
        if unknown:
            raise ValueError(f"Trainer: unknown metrics {unknown}; known: {list(METRICS)}")
        self.model, self.optimizer, self.scheduler = model, optimizer, scheduler
        self.loss = loss
        self._loss_fn = LOSSES[loss] if isinstance(loss, str) else loss
        self.metrics = metrics
        self.history = History()
        self._steps: dict[tuple, Compiled] = {}  # training steps by batch shapes
        self._state: dict[tuple, list[tuple[int, int]]] = {}  # (home id, own id) state pairs
        self._evals: dict[tuple, Compiled] = {}  # eval-mode [loss, prediction] by batch shapes
        self._forwards: dict[tuple, Compiled] = {}  # eval-mode forward by input shape

    # ---- building ----
    def _build(self, xs: tuple, ys: tuple, ydtype: str, training: bool) -> tuple:
        """The model in a fresh graph on inputs x, t: (loss, prediction or None)."""
        graph = _core.Graph()
        x = Tensor(graph, graph.input("x", list(xs), "float32"))
        t = Tensor(graph, graph.input("t", list(ys), ydtype))
        out = _with_mode(self.model, training, lambda: self.model(x))
        if not isinstance(out, Tensor):
            raise TypeError(f"Trainer: the model must return one Tensor, got {type(out).__name__}")
        loss = self._loss_fn(out, t)
        if not isinstance(loss, Tensor) or loss.shape != ():
            got = loss.shape if isinstance(loss, Tensor) else type(loss).__name__
            raise ValueError(f"Trainer: the loss must be a scalar Tensor, got {got}")
        return loss, self._prediction(out, t)

    def _prediction(self, out: Tensor, t: Tensor) -> Tensor | None:
        if "accuracy" not in self.metrics:
            return None
        one_hot = t.dtype != "int64" and t.shape == out.shape and len(out.shape) >= 2
        if len(out.shape) < 2 or out.shape[1] < 2 or not (t.dtype == "int64" or one_hot):
            raise ValueError(
                f"Trainer: metric 'accuracy' needs class scores (N, C>=2, ...) and int labels "
                f"or one-hot targets; got output {out.shape}, target {t.shape} {t.dtype} "
                f"(pass metrics=() for regression)"
            )
        return argmax(out, axis=1)

    def _train_step(self, xb: np.ndarray, yb: np.ndarray) -> Compiled:
        key = (xb.shape, yb.shape, str(yb.dtype))
        if key not in self._steps:
            loss, pred = self._build(*key, training=True)
            params = list(self.model.parameters())
            extra = [] if pred is None else [pred]
            self._steps[key] = self.optimizer.minimize(loss, params, extra)
            self._state[key] = self._pair_state(self._steps[key])
        return self._steps[key]

    def _pair_state(self, step: Compiled) -> list[tuple[int, int]]:
        """The optimizer state (momentum, Adam's moments and count) of a step compiled after
        the first lives in params of its own graph: pair them by name with the first step's,
        so that its values can be handed over before and after each of its calls."""
        first = next(iter(self._steps.values()))
        if first is step:
            return []
        home, own = _state_params(first.graph), _state_params(step.graph)
        return [(home[name], vid) for name, vid in own.items() if name in home]

    def _run_step(self, xb: np.ndarray, yb: np.ndarray) -> tuple[float, np.ndarray | None]:
        step = self._train_step(xb, yb)
        pairs = self._state[(xb.shape, yb.shape, str(yb.dtype))]
        home = next(iter(self._steps.values())).graph
        for h, v in pairs:
            step.graph.set_data(v, home.data(h))
        out = step(x=xb, t=yb)
        for h, v in pairs:
            home.set_data(h, step.graph.data(v))
        loss, pred = (out[0], out[1]) if isinstance(out, list) else (out, None)
        return float(loss), pred

    # ---- the public calls ----
    def fit(self, X: np.ndarray, y: np.ndarray, epochs: int = 1, batch_size: int = 32,
            val: tuple[np.ndarray, np.ndarray] | None = None, shuffle: bool = True,
            seed: int | None = 0, progress: bool = True) -> History:  # fmt: skip
        """Train for `epochs` passes over (X, y) in minibatches; returns (and extends)
        `self.history`: per epoch the mean training loss and accuracy, val_loss and
        val_accuracy on `val` (None without), the lr used, and the seconds the epoch took
        (training and validation). shuffle draws a new order each epoch from `seed` and the
        epoch's number (seed=None: unseeded). progress: a tqdm bar per epoch.

        X (N, ...) float, y (N, ...) int labels or float targets.
        """
        X, y = _check_data("fit", X, y)
        if int(epochs) < 1 or int(batch_size) < 1:
            raise ValueError(f"Trainer.fit: need epochs >= 1 and batch_size >= 1, got "
                             f"{epochs}, {batch_size}")  # fmt: skip
        if val is not None:
            val = _check_data("fit (val)", *val)
        from tqdm.auto import tqdm

        for _ in range(int(epochs)):
            start, lr = time.perf_counter(), self.optimizer.lr
            bar = tqdm(total=-(-len(X) // int(batch_size)), desc=f"epoch {len(self.history) + 1}",
                       unit="batch", disable=not progress, leave=True)  # fmt: skip
            order_seed = None if seed is None else [int(seed), len(self.history)]
            scores = self._epoch(X, y, int(batch_size), shuffle, order_seed, bar)
            if val is not None:
                scores.update({f"val_{k}": v for k, v in self.evaluate(*val, batch_size).items()})
            bar.set_postfix({k: f"{v:.4f}" for k, v in scores.items()})
            bar.close()
            if self.scheduler is not None:
                self.scheduler.step()
            self.history.append(**scores, lr=lr, seconds=time.perf_counter() - start)
        return self.history

    def _epoch(self, X: np.ndarray, y: np.ndarray, batch_size: int, shuffle: bool, seed: Any,
               bar: Any) -> dict[str, float]:  # fmt: skip
        """One pass of training steps; the mean loss (and accuracy) over its samples."""
        tally = _Tally()
        for xb, yb in batches(X, y, batch_size, shuffle, seed=seed):
            tally.add(*self._run_step(xb, yb), yb)
            bar.update(1)
            bar.set_postfix(tally.summary(), refresh=False)
        return tally.result(self.metrics)

    def evaluate(self, X: np.ndarray, y: np.ndarray, batch_size: int = 256) -> dict[str, float]:
        """The mean loss over (X, y) with the model in eval mode, and the accuracy when it is a
        metric: {"loss": ..., "accuracy": ...}."""
        X, y = _check_data("evaluate", X, y)
        tally = _Tally()
        for xb, yb in batches(X, y, int(batch_size), shuffle=False):
            key = (xb.shape, yb.shape, str(yb.dtype))
            if key not in self._evals:
                loss, pred = self._build(*key, training=False)
                self._evals[key] = compile([loss] if pred is None else [loss, pred])
            out = self._evals[key](x=xb, t=yb)
            tally.add(float(out[0]), out[1] if len(out) > 1 else None, yb)
        return tally.result(self.metrics)

    def predict(self, X: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """The model's outputs for X (N, ...), in eval mode, batch by batch: (N, ...)."""
        X = _as_inputs("predict", X)
        outs = []
        for start in range(0, len(X), int(batch_size)):
            xb = X[start : start + int(batch_size)]
            outs.append(self._forward(xb.shape)(xb))
        return np.concatenate(outs)

    def _forward(self, shape: tuple[int, ...]) -> Compiled:
        if shape not in self._forwards:
            build = lambda: compile(self.model, input_shape=shape)  # noqa: E731
            self._forwards[shape] = _with_mode(self.model, False, build)
        return self._forwards[shape]


class _Tally:
    """Sums over an epoch's batches: loss weighted by batch size, correct predictions."""

    def __init__(self) -> None:
        self.loss = self.correct = 0.0
        self.samples = self.labels = 0

    def add(self, loss: float, pred: np.ndarray | None, yb: np.ndarray) -> None:
        self.loss += loss * len(yb)
        self.samples += len(yb)
        if pred is not None:
            labels = yb if yb.dtype == np.int64 else yb.argmax(axis=1)
            self.correct += float((pred == labels).sum())
            self.labels += labels.size

    def summary(self) -> dict[str, str]:
        out = {"loss": f"{self.loss / self.samples:.4f}"}
        if self.labels:
            out["acc"] = f"{self.correct / self.labels:.4f}"
        return out

    def result(self, metrics: tuple[str, ...]) -> dict[str, float]:
        out = {"loss": self.loss / max(self.samples, 1)}
        if "accuracy" in metrics:
            out["accuracy"] = self.correct / max(self.labels, 1)
        return out


def _with_mode(model: Any, training: bool, build: Callable[[], Any]) -> Any:
    """build() with the model in train or eval mode; the modules' own modes are put back."""
    modes = [(m, m.training) for m in model.modules()]
    model.train(training)
    try:
        return build()
    finally:
        for m, mode in modes:
            object.__setattr__(m, "training", mode)


def _state_params(graph: _core.Graph) -> dict[str, int]:
    """name -> id of the params of a step's graph that are not module parameters or buffers
    (those share one storage across graphs already): the optimizer's state and lr."""
    shared = set(getattr(graph, "_nn_params", {}).values())
    ids = [v for v in graph.params() if v not in shared]
    return {graph.value(v)["name"]: v for v in ids}


def _as_inputs(fn: str, X: Any) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim < 1 or len(X) == 0 or X.dtype.kind not in "fiub":
        raise ValueError(f"Trainer.{fn}: X must be a non-empty numeric array (N, ...), got "
                         f"shape {X.shape}, dtype {X.dtype}")  # fmt: skip
    return np.ascontiguousarray(X, dtype=np.float32)


def _check_data(fn: str, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """float32 inputs; int64 labels or float32 targets, with as many samples as X."""
    X, y = _as_inputs(fn, X), np.asarray(y)
    if y.ndim < 1 or len(y) != len(X):
        raise ValueError(f"Trainer.{fn}: X has {len(X)} samples but y has shape {y.shape}")
    if y.dtype.kind not in "fiub":
        raise TypeError(f"Trainer.{fn}: y must be numeric, got {y.dtype}")
    return X, y.astype(np.int64 if y.dtype.kind in "iub" else np.float32)
