"""The shape of the eager API: every differentiable op has its backward beside it."""

from __future__ import annotations

import inspect

import numpy as np

import pygraph as pg

# Not differentiable (indices, sizes, matrices for teaching) or an alias of an op that has one.
NO_BACKWARD = {"argmax", "argmin", "cat", "conv_matrix", "conv_output_size", "pool_output_size",
               "gemm"}  # fmt: skip


def _ops() -> dict[str, object]:
    return {
        name: fn
        for name, fn in vars(pg.ops).items()
        if inspect.isfunction(fn) and fn.__module__.startswith("pygraph.ops") and name[0] != "_"
    }


def test_every_differentiable_op_has_a_backward():
    ops = _ops()
    forward = [n for n in ops if not n.endswith("_backward")]
    missing = [n for n in forward if n + "_backward" not in ops and n not in NO_BACKWARD]
    assert not missing, f"ops without a backward: {missing}"
    orphans = [n for n in ops if n.endswith("_backward") and n[: -len("_backward")] not in ops]
    assert not orphans, f"backward functions without a forward op: {orphans}"


def test_every_public_op_is_documented():
    undocumented = [n for n, fn in _ops().items() if not (fn.__doc__ or "").strip()]
    assert not undocumented, undocumented


def test_bmm_backward_matches_numpy(rng):
    a, b = rng.standard_normal((3, 4, 5)), rng.standard_normal((3, 5, 2))
    g = rng.standard_normal((3, 4, 2))
    ga, gb = pg.ops.bmm_backward(g, a, b)
    np.testing.assert_allclose(ga, g @ b.transpose(0, 2, 1), rtol=1e-12)
    np.testing.assert_allclose(gb, a.transpose(0, 2, 1) @ g, rtol=1e-12)
