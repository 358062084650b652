"""Planned arena peak against the naive sum of intermediates, for compiled training steps
(forward, backward, SGD with momentum): `python benchmarks/memory_plan.py [--time]`.

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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import pygraph as pg  # noqa: E402


def bn_relu(h, c, name, relu=True):
    g = pg.param((c,), init="ones", name=f"{name}.g")
    b = pg.param((c,), init="zeros", name=f"{name}.b")
    h = pg.batch_norm(h, None, None, g, b, training=True)
    return pg.relu(h) if relu else h


def conv(h, cin, cout, k, name, stride=1):
    w = pg.param((cout, cin, k, k), init="he", name=name)
    return pg.conv2d(h, w, stride=stride, padding=k // 2)


def resnet18(x, classes=10):
    """ResNet-18 (torchvision's layout) on (N, 3, H, W)."""
    h = pg.max_pool2d(bn_relu(conv(x, 3, 64, 7, "stem", 2), 64, "bn0"), 3, 2, 1)
    cin = 64
    for stage, cout in enumerate([64, 128, 256, 512]):
        for block in range(2):
            stride = 2 if stage > 0 and block == 0 else 1
            name = f"s{stage}b{block}"
            r = bn_relu(conv(h, cin, cout, 3, f"{name}.c1", stride), cout, f"{name}.bn1")
            r = bn_relu(conv(r, cout, cout, 3, f"{name}.c2"), cout, f"{name}.bn2", relu=False)
            if stride != 1 or cin != cout:
                h = conv(h, cin, cout, 1, f"{name}.down", stride)
                h = bn_relu(h, cout, f"{name}.bnd", relu=False)
            h, cin = pg.relu(r + h), cout
    w = pg.param((classes, 512), init="he", name="fc")
    return pg.linear(pg.flatten(pg.global_avg_pool2d(h)), w)


def mlp(x, classes=10):
    w1, w2 = pg.param((256, 784), name="w1"), pg.param((classes, 256), name="w2")
    return pg.linear(pg.relu(pg.linear(x, w1)), w2)


def lenet(x, classes=10):
    h = pg.max_pool2d(pg.relu(conv(x, 1, 6, 5, "c1")), 2)
    h = pg.max_pool2d(pg.relu(conv(h, 6, 16, 5, "c2")), 2)
    w3, w4 = pg.param((120, 16 * 8 * 8), name="f3"), pg.param((classes, 120), name="f4")
    return pg.linear(pg.relu(pg.linear(pg.flatten(h), w3)), w4)


CASES = [("MLP 784-256-10 b64", mlp, (64, 784)), ("LeNet-5 b64", lenet, (64, 1, 32, 32)),
         ("ResNet-18 b8 64x64", resnet18, (8, 3, 64, 64))]  # fmt: skip


def step_of(net, shape):
    pg.new_graph()
    x, t = pg.input(shape, name="x"), pg.input((shape[0],), dtype="int64", name="t")
    loss = pg.cross_entropy(net(x), t)
    params = [pg.Tensor(loss.graph, v) for v in loss.graph.params()]
    return pg.optim.SGD(lr=0.01, momentum=0.9).minimize(loss, params)


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
    print("| training step | values | in place | naive | arena | arena / naive |" +
          (" arena | per value | ratio |" if args.time else ""))  # fmt: skip
    print("|---|---|---|---|---|---|" + ("---|---|---|" if args.time else ""))
    for name, net, shape in CASES:
        step = step_of(net, shape)
        m = step.memory
        naive, arena = m["naive_bytes"], m["arena_bytes"]
        row = (f"| {name} | {m['values']} | {m['inplace']} | {naive / 1e6:.1f} MB | "
               f"{arena / 1e6:.1f} MB | {arena / naive:.0%} |")  # fmt: skip
        if args.time:
            a, b = time_both(step, shape)
            row += f" {a * 1e3:.2f} ms | {b * 1e3:.2f} ms | {b / a:.2f} |"
        print(row, flush=True)


if __name__ == "__main__":
    main()
