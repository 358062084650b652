"""Shared fixtures: every kernel test can run at each ISA level this CPU supports."""

from __future__ import annotations

import numpy as np
import pytest

import pygraph as pg

LEVELS = ["ref", "portable", "avx2", "avx512"]
SUPPORTED = LEVELS[: LEVELS.index(pg.hardware_isa()) + 1]


@pytest.fixture(autouse=True)
def _restore_isa():
    """Tests may cap the ISA level; put it back afterwards."""
    before = pg.active_isa()
    yield
    pg.set_isa(before)


@pytest.fixture(params=SUPPORTED)
def isa(request) -> str:
    """Run the test once per ISA level this machine has (ref, portable, avx2, avx512)."""
    pg.set_isa(request.param)
    return request.param


@pytest.fixture(autouse=True)
def _fresh_graph():
    """Each test builds in a fresh default graph, and leaves a fresh one behind (doctests)."""
    pg.new_graph()
    yield
    pg.new_graph()


def central_difference(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """d f / d x by central differences (f returns a float; x is modified and restored)."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        hi = f(x)
        x[i] = old - eps
        lo = f(x)
        x[i] = old
        g[i] = (hi - lo) / (2 * eps)
    return g


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def torch_or_skip():
    """PyTorch as an oracle: the test is skipped cleanly when it is not installed."""
    return pytest.importorskip("torch")
