"""Compiled graphs from Python threads: the executor releases the GIL, so separate compiled
objects run side by side, and calls of one object wait for each other (they share its arena).
Every result must equal the same call made alone."""

from __future__ import annotations

import threading

import numpy as np

import pygraph as pg

ROUNDS = 40


def cnn(rng, n=4):
    """A compiled CNN forward pass and its gradients (in the current default graph)."""
    x = pg.input((n, 3, 10, 10), name="x")
    w1 = pg.param((6, 3, 3, 3), init="he", name="w1")
    w2 = pg.param((5, 6 * 5 * 5), init="he", name="w2")
    h = pg.max_pool2d(pg.relu(pg.conv2d(x, w1, padding=1)), 2)
    y = pg.tanh(pg.linear(pg.flatten(h), w2))
    loss = pg.mean(y * y)
    return [loss, *pg.grad(loss, [w1, w2])]


def mlp(rng, n=8):
    x = pg.input((n, 3, 10, 10), name="x")
    w = pg.param((16, 300), init="he", name="w")
    h = pg.sigmoid(pg.linear(pg.flatten(x), w))
    loss = pg.sum(h * h)
    return [loss, *pg.grad(loss, [w])]


def run_threads(jobs):
    """Runs each job (a callable returning a list of results) ROUNDS times in its own thread."""
    results = [[] for _ in jobs]
    errors = []
    start = threading.Barrier(len(jobs))

    def work(k):
        try:
            start.wait()
            for _ in range(ROUNDS):
                results[k].append(jobs[k]())
        except Exception as e:  # reported below: a thread's exception is otherwise lost
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


def assert_all_equal(runs, alone):
    for got in runs:
        for u, v in zip(got, alone, strict=True):
            np.testing.assert_array_equal(u, v)


def test_separate_compiled_objects_in_threads(rng):
    f = pg.compile(cnn(rng))
    pg.new_graph()
    g = pg.compile(mlp(rng, n=4))
    X = rng.standard_normal((4, 3, 10, 10)).astype(np.float32)
    alone_f, alone_g = f(x=X), g(x=X)
    runs = run_threads([lambda: f(x=X), lambda: g(x=X)])
    assert_all_equal(runs[0], alone_f)
    assert_all_equal(runs[1], alone_g)
    assert f.memory["landed"] > 0 and g.memory["landed"] > 0


def test_one_graph_compiled_twice_in_threads(rng):
    outs = cnn(rng)
    f, g = pg.compile(outs), pg.compile(outs)
    X1 = rng.standard_normal((4, 3, 10, 10)).astype(np.float32)
    X2 = rng.standard_normal((4, 3, 10, 10)).astype(np.float32)
    alone1, alone2 = f(x=X1), g(x=X2)
    runs = run_threads([lambda: f(x=X1), lambda: g(x=X2)])
    assert_all_equal(runs[0], alone1)
    assert_all_equal(runs[1], alone2)


def test_one_compiled_object_called_from_two_threads(rng):
    f = pg.compile(cnn(rng))
    X1 = rng.standard_normal((4, 3, 10, 10)).astype(np.float32)
    X2 = rng.standard_normal((4, 3, 10, 10)).astype(np.float32)
    alone1, alone2 = f(x=X1), f(x=X2)
    runs = run_threads([lambda: f(x=X1), lambda: f(x=X2), lambda: f(x=X1)])
    assert_all_equal(runs[0], alone1)
    assert_all_equal(runs[1], alone2)
    assert_all_equal(runs[2], alone1)
    assert f.memory["fallback"] * 4 < f.memory["landed"]
