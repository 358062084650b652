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


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def torch_or_skip():
    """PyTorch as an oracle: the test is skipped cleanly when it is not installed."""
    return pytest.importorskip("torch")
