"""Training LeNet-5 on the digits (P3): one epoch at batch 64 with pg.Trainer (one compiled
step per batch shape) against a PyTorch eager training loop with the same model, optimizer and
batches; and, run as a script, the time each takes to reach 97% test accuracy.

    python benchmarks/bench_train.py --threads 1     # time to 97%, both libraries
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import pygraph as pg
from harness import Case

BATCH = 64


def _torch():
    try:
        import torch

        return torch
    except ImportError:
        return None


def torch_lenet5(torch):
    """pg.models.lenet5 in torch, with its parameter names (features.k, classifier.k)."""
    nn = torch.nn

    class LeNet5(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                nn.MaxPool2d(2),
            )  # fmt: skip
            self.classifier = nn.Sequential(
                nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10)
            )

        def forward(self, x):
            return self.classifier(self.features(x).flatten(1))

    return LeNet5()


def torch_epoch(torch, model, opt, X, y, batch_size: int, seed) -> None:
    """One epoch in a seeded random order, the short last batch kept (DataLoader's default);
    seed [s, epoch] gives the order pg.Trainer.fit(seed=s) uses in that epoch."""
    model.train()
    order = torch.tensor(np.random.default_rng(seed).permutation(len(X)))
    for start in range(0, len(X), batch_size):
        idx = order[start : start + batch_size]
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(X[idx]), y[idx]).backward()
        opt.step()


def cases(quick: bool) -> list[Case]:
    X, y, _, _ = pg.data.digits()
    model = pg.models.lenet5()
    trainer = pg.Trainer(model, optimizer=pg.optim.SGD(lr=0.01, momentum=0.9))
    impls = {"pygraph": lambda: trainer.fit(X, y, epochs=1, batch_size=BATCH, progress=False)}
    torch = _torch()
    if torch is not None:
        tmodel = torch_lenet5(torch)
        tmodel.load_state_dict({k: torch.tensor(v) for k, v in model.state_dict().items()})
        topt = torch.optim.SGD(tmodel.parameters(), lr=0.01, momentum=0.9)
        TX, TY = torch.tensor(X), torch.tensor(y)
        impls["torch"] = lambda: torch_epoch(torch, tmodel, topt, TX, TY, BATCH, 0)
    name = f"LeNet-5 digits epoch b{BATCH} ({len(X)} images)"
    return [Case(name, impls)]


def time_to_accuracy(target: float = 0.97, epochs: int = 8, seed: int = 0) -> dict:
    """Seconds of training (compiling included, evaluation excluded) until the test accuracy
    after an epoch reaches target: Adam(2e-3), cosine schedule, batch 64, shifted digits;
    both libraries start from the same weights and see the same batches."""
    X, y, Xt, yt = pg.data.digits()
    Xa, ya = pg.data.shifted(X, y, 2)
    out = {}
    pg.manual_seed(seed)
    opt = pg.optim.Adam(lr=2e-3)
    sched = pg.optim.CosineAnnealingLR(opt, epochs)
    trainer = pg.Trainer(pg.models.lenet5(), optimizer=opt, scheduler=sched)
    init = trainer.model.state_dict()
    spent = 0.0
    for e in range(epochs):
        start = time.perf_counter()
        trainer.fit(Xa, ya, epochs=1, batch_size=BATCH, seed=seed, progress=False)
        spent += time.perf_counter() - start
        acc = trainer.evaluate(Xt, yt)["accuracy"]
        if acc >= target:
            out["pygraph"] = (spent, e + 1, acc)
            break
    torch = _torch()
    if torch is None:
        return out
    model = torch_lenet5(torch)
    model.load_state_dict({k: torch.tensor(v) for k, v in init.items()})  # the same start
    topt = torch.optim.Adam(model.parameters(), lr=2e-3)
    tsched = torch.optim.lr_scheduler.CosineAnnealingLR(topt, epochs)
    TX, TY, TXt = torch.tensor(Xa), torch.tensor(ya), torch.tensor(Xt)
    spent = 0.0
    for e in range(epochs):
        start = time.perf_counter()
        torch_epoch(torch, model, topt, TX, TY, BATCH, [seed, e])
        tsched.step()
        spent += time.perf_counter() - start
        model.eval()
        with torch.no_grad():
            acc = float((model(TXt).argmax(1).numpy() == yt).mean())
        if acc >= target:
            out["torch"] = (spent, e + 1, acc)
            break
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    pg.set_num_threads(args.threads)
    if _torch() is not None:
        _torch().set_num_threads(args.threads)
    for impl, (seconds, epochs, acc) in time_to_accuracy().items():
        print(f"{impl}: {acc:.1%} test accuracy after {epochs} epochs, {seconds:.2f} s")
