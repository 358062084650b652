"""ISA dispatch, PYGRAPH_ISA, kernel_variants, threads, and how inputs are converted."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import pygraph as pg
from conftest import SUPPORTED


def test_every_level_up_to_hardware_is_selectable():
    for level in SUPPORTED:
        pg.set_isa(level)
        assert pg.active_isa() == level
    assert set(SUPPORTED) >= {"ref", "portable"}


def test_set_isa_above_hardware_is_capped_and_unknown_rejected():
    pg.set_isa("avx512")
    assert pg.active_isa() == pg.hardware_isa()
    with pytest.raises(ValueError, match="unknown ISA level 'sse9'"):
        pg.set_isa("sse9")


def test_ref_level_runs_only_ref_variants():
    pg.set_isa("ref")
    for family in pg._runtime.kernel_families():
        names = pg.kernel_variants(family)
        assert names and all(n.endswith("_ref") or "_ref_" in n for n in names), names


def test_pygraph_isa_environment_caps_the_level():
    code = "import pygraph as pg; print(pg.active_isa(), pg.kernel_variants('gemm')[0])"
    env = dict(os.environ, PYGRAPH_ISA="ref")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["ref", "gemm_f32_ref"]


def test_unknown_family_is_a_value_error():
    with pytest.raises(ValueError, match="unknown family 'gemmm'"):
        pg.kernel_variants("gemmm")


def test_set_num_threads_roundtrip_and_validation():
    before = pg.num_threads()
    pg.set_num_threads(1)
    assert pg.num_threads() == 1
    pg.set_num_threads(before)
    with pytest.raises(ValueError, match="set_num_threads"):
        pg.set_num_threads(0)


def test_outputs_are_aligned_and_inputs_converted():
    a = np.arange(12, dtype=np.int32).reshape(3, 4)
    out = pg.ops.matmul(a, np.eye(4, dtype=np.float32))
    assert out.dtype == np.float32 and out.ctypes.data % 64 == 0
    np.testing.assert_array_equal(out, a.astype(np.float32))
    strided = np.arange(24, dtype=np.float64).reshape(4, 6)[:, ::2]  # non-contiguous view
    np.testing.assert_array_equal(pg.ops.matmul(strided, np.eye(3)), strided)


def test_bad_dtypes_are_type_errors():
    with pytest.raises(TypeError, match="matmul: b must be a real numeric array"):
        pg.ops.matmul(np.ones((2, 2)), np.ones((2, 2), dtype=complex))
    with pytest.raises(TypeError, match="matmul: a must be C-contiguous"):
        pg._core.matmul(np.ones((2, 2), np.float32).T[::-1], np.ones((2, 2), np.float32))


def test_trace_kernels_reports_the_variant_that_ran(isa):
    a = np.ones((33, 17), np.float32)
    with pg.trace_kernels() as trace:
        pg.ops.matmul(a, a.T)
    assert trace.variants and trace.variants[0] == pg.kernel_variants("gemm")[0]
    assert trace.variants[0].endswith(isa) or (isa == "ref" and trace.variants[0].endswith("_ref"))


def test_large_buffers_are_reused_not_refaulted():
    x = np.ones((512, 1024), np.float32)  # 2 MiB: above the cache's minimum block
    pg._core.clear_buffer_cache()
    y = pg.ops.relu(x)
    address = y.ctypes.data
    del y  # the buffer goes back to the cache, not to the system
    assert pg._core.cached_bytes() >= x.nbytes
    z = pg.ops.relu(-x)
    assert z.ctypes.data == address and pg._core.cached_bytes() == 0
    np.testing.assert_array_equal(z, 0)  # the reused buffer holds the new result only
    pg._core.clear_buffer_cache()
