"""Compile time and planned memory of training steps (forward, backward, SGD with momentum):
`python benchmarks/memory_plan.py [--time]`.

Per network: how long pg.grad + the optimizer's updates + pg.compile take (median of 3, graph
building and parameter init excluded), and the arena plan_memory lays out against the naive sum
of every intermediate in its own buffer.

--time also times each step run from the arena against the same simplified program run with a
buffer per value (no plan), interleaved, medians of 7 blocks.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]
from resnet18 import resnet18  # noqa: E402

import pygraph as pg  # noqa: E402


def mlp(x, classes=10):
    w1, w2 = pg.param((256, 784), name="w1"), pg.param((classes, 256), name="w2")
    return pg.linear(pg.relu(pg.linear(x, w1)), w2)


def conv(h, cin, cout, k, name):
    return pg.conv2d(h, pg.param((cout, cin, k, k), init="he", name=name))


def lenet(x, classes=10):
    h = pg.max_pool2d(pg.relu(conv(x, 1, 6, 5, "c1")), 2)
    h = pg.max_pool2d(pg.relu(conv(h, 6, 16, 5, "c2")), 2)
    w3, w4 = pg.param((120, 16 * 5 * 5), name="f3"), pg.param((classes, 120), name="f4")
    return pg.linear(pg.relu(pg.linear(pg.flatten(h), w3)), w4)


CASES = [("MLP 784-256-10 b64", mlp, (64, 784)), ("LeNet-5 b64", lenet, (64, 1, 32, 32)),
         ("ResNet-18 b8 224x224", lambda x: resnet18(x)[0], (8, 3, 224, 224))]  # fmt: skip


def step_of(net, shape):
    """The compiled step, and the median time of grad + updates + compile over 3 fresh graphs."""
    seconds = []
    for _ in range(3):
        pg.new_graph()
        x, t = pg.input(shape, name="x"), pg.input((shape[0],), dtype="int64", name="t")
        loss = pg.cross_entropy(net(x), t)
        params = [pg.Tensor(loss.graph, v) for v in loss.graph.params()]
        t0 = time.perf_counter()
        step = pg.optim.SGD(lr=0.01, momentum=0.9).minimize(loss, params)
        seconds.append(time.perf_counter() - t0)
    return step, statistics.median(seconds)


def mean_time(fn, feeds, n=3):
    t0 = time.perf_counter()
    for _ in range(n):
        fn(feeds)
    return (time.perf_counter() - t0) / n


def time_both(step, shape):
    rng = np.random.default_rng(0)
    feeds = {"x": rng.standard_normal(shape).astype(np.float32), "t": rng.integers(0, 10, shape[0])}
    plain = pg._core.Executable(step.program, step._out_ids, step._pairs)
    step._exe.run(feeds), plain.run(feeds)  # first touch of the arena and the buffer cache
    planned, unplanned = [], []
    for _ in range(7):
        planned.append(mean_time(step._exe.run, feeds))
        unplanned.append(mean_time(plain.run, feeds))
    return statistics.median(planned), statistics.median(unplanned)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time", action="store_true")
    args = ap.parse_args()
    print("| training step | grad + compile | values | in place | naive | arena | arena / naive |" +
          (" arena | per value | ratio |" if args.time else ""))  # fmt: skip
    print("|---|---|---|---|---|---|---|" + ("---|---|---|" if args.time else ""))
    for name, net, shape in CASES:
        step, seconds = step_of(net, shape)
        m = step.memory
        naive, arena = m["naive_bytes"], m["arena_bytes"]
        row = (f"| {name} | {seconds * 1e3:.1f} ms | {m['values']} | {m['inplace']} | "
               f"{naive / 1e6:.1f} MB | {arena / 1e6:.1f} MB | {arena / naive:.0%} |")  # fmt: skip
        if args.time:
            a, b = time_both(step, shape)
            row += f" {a * 1e3:.2f} ms | {b * 1e3:.2f} ms | {b / a:.2f} |"
        print(row, flush=True)


if __name__ == "__main__":
    main()
