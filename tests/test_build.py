"""The build without SIMD: a CPU without AVX gets a module that imports and computes.

Builds the extension with -DPYGRAPH_SIMD=OFF into a temporary copy of the package (a few
minutes on 2 cores), checks that its machine code has no AVX register in it, and runs ops.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SMOKE = """
import numpy as np, pygraph as pg
assert pg.hardware_isa() == "portable", pg.hardware_isa()
for family in pg._runtime.kernel_families():
    assert not any("avx" in v for v in pg.kernel_variants(family)), family
a = np.random.default_rng(0).standard_normal((37, 29)).astype(np.float32)
b = np.random.default_rng(1).standard_normal((29, 41)).astype(np.float32)
np.testing.assert_allclose(pg.ops.matmul(a, b), a @ b, rtol=1e-4, atol=1e-4)
if hasattr(pg.ops, "conv2d"):
    x = np.ones((1, 2, 5, 5), np.float32); w = np.ones((3, 2, 3, 3), np.float32)
    assert np.all(pg.ops.conv2d(x, w) == 18.0)
print("portable ok")
"""


@pytest.mark.skipif(shutil.which("objdump") is None, reason="needs binutils' objdump")
def test_portable_only_build_imports_and_has_no_avx(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    shutil.copytree(ROOT / "pygraph", pkg / "pygraph", ignore=shutil.ignore_patterns("*.so"))
    cmake = shutil.which("cmake", path=str(Path(sys.executable).parent)) or "cmake"
    import pybind11

    configure = [
        cmake, "-S", str(ROOT), "-B", str(tmp_path / "build"), "-G", "Ninja",
        "-DPYGRAPH_SIMD=OFF", f"-DPYGRAPH_OUTPUT_DIR={pkg / 'pygraph'}",
        f"-DPython_EXECUTABLE={sys.executable}", f"-Dpybind11_DIR={pybind11.get_cmake_dir()}",
    ]  # fmt: skip
    subprocess.run(configure, check=True, capture_output=True)
    subprocess.run([cmake, "--build", str(tmp_path / "build")], check=True, capture_output=True)
    (so,) = (pkg / "pygraph").glob("_core*.so")
    asm = subprocess.run(["objdump", "-d", str(so)], check=True, capture_output=True, text=True)
    assert "%ymm" not in asm.stdout and "%zmm" not in asm.stdout
    env = dict(os.environ, PYTHONPATH=str(pkg))
    out = subprocess.run(
        [sys.executable, "-c", SMOKE], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert "portable ok" in out.stdout
