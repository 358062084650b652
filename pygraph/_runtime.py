"""Runtime controls: which kernel variants run, and on how many threads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from . import _core


def kernel_variants(family: str) -> list[str]:
    """Kernel variants of `family` that this CPU runs at the active ISA level, best first.

    >>> import pygraph as pg
    >>> pg.kernel_variants("gemm")[-1]
    'gemm_f32_ref'
    """
    return list(_core.kernel_variants(family))


def kernel_families() -> list[str]:
    """Every kernel family, e.g. ["conv", "eltwise", "gemm", ...]."""
    return list(_core.kernel_families())


def hardware_isa() -> str:
    """The best ISA level this CPU and build support: 'avx512', 'avx2' or 'portable'."""
    return _core.hardware_isa()


def active_isa() -> str:
    """The ISA level kernels are chosen at now (hardware, capped by PYGRAPH_ISA / set_isa)."""
    return _core.active_isa()


def set_isa(level: str) -> None:
    """Cap the ISA level for this process: 'ref', 'portable', 'avx2' or 'avx512'.

    Capping at 'ref' runs every op on its scalar reference kernel. A level above the
    hardware's is lowered to the hardware's.
    """
    _core.set_isa(level)


def num_threads() -> int:
    """Threads the kernels use (OpenMP; OMP_NUM_THREADS sets the default)."""
    return _core.num_threads()


def set_num_threads(n: int) -> None:
    """Use `n` threads in the kernels from now on."""
    _core.set_num_threads(int(n))


class KernelTrace:
    """The kernel variants that ran inside a `trace_kernels()` block (filled when it exits)."""

    def __init__(self) -> None:
        self.variants: list[str] = []

    def __repr__(self) -> str:
        return f"KernelTrace({self.variants})"


@contextmanager
def trace_kernels() -> Iterator[KernelTrace]:
    """Record which kernel variants the ops in the block really ran.

    >>> import numpy as np, pygraph as pg
    >>> with pg.trace_kernels() as t:
    ...     _ = pg.ops.matmul(np.ones((4, 4), np.float32), np.ones((4, 4), np.float32))
    >>> any(v.startswith("gemm_f32") for v in t.variants)
    True
    """
    trace = KernelTrace()
    _core.take_kernel_trace()
    _core.set_kernel_tracing(True)
    try:
        yield trace
    finally:
        _core.set_kernel_tracing(False)
        trace.variants = list(_core.take_kernel_trace())
