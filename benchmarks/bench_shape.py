"""Reductions and data movement against numpy and PyTorch (float32).

nbytes counts the bytes a call must read plus write; the rate column is GB/s of that.
"""

from __future__ import annotations

import numpy as np

import pygraph as pg
from harness import Case

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # the torch column is then missing
    torch = None


def _impls(ours, np_fn, torch_fn=None):
    impls = {"pygraph": ours, "numpy": np_fn}
    if torch is not None and torch_fn is not None:
        impls["torch"] = torch_fn
    return impls


def cases(quick: bool) -> list[Case]:
    rng = np.random.default_rng(0)
    ops = pg.ops
    x = rng.standard_normal((4096, 1024)).astype(np.float32)
    t = torch.from_numpy(x) if torch is not None else None
    out = []
    f = 4
    out.append(
        Case(
            "sum (4096,1024) axis=-1",
            _impls(lambda: ops.sum(x, axis=-1), lambda: x.sum(axis=-1), lambda: t.sum(-1)),
            nbytes=f * (x.size + 4096),
        )
    )
    out.append(
        Case(
            "sum (4096,1024) axis=0",
            _impls(lambda: ops.sum(x, axis=0), lambda: x.sum(axis=0), lambda: t.sum(0)),
            nbytes=f * (x.size + 1024),
        )
    )
    if not quick:
        out.append(
            Case(
                "amax (4096,1024) axis=-1",
                _impls(lambda: ops.amax(x, axis=-1), lambda: x.max(axis=-1), lambda: t.amax(-1)),
                nbytes=f * (x.size + 4096),
            )
        )
        out.append(
            Case(
                "argmax (4096,1024) axis=-1",
                _impls(
                    lambda: ops.argmax(x, axis=-1), lambda: x.argmax(axis=-1), lambda: t.argmax(-1)
                ),
                nbytes=f * x.size + 8 * 4096,
            )
        )
        out.append(
            Case(
                "mean (4096,1024) all",
                _impls(lambda: ops.mean(x), lambda: x.mean(), lambda: t.mean()),
                nbytes=f * x.size,
            )
        )

    # 4096^2 outputs (64 MB) are above glibc's mmap threshold: every call (ours and the peers')
    # maps fresh pages and pays a page fault per 4 KB; 2048^2 (16 MB) reuses its memory.
    for n in [2048] if quick else [2048, 4096]:
        sq = rng.standard_normal((n, n)).astype(np.float32)
        tsq = torch.from_numpy(sq) if torch is not None else None
        out.append(
            Case(
                f"transpose ({n},{n})",
                _impls(
                    lambda sq=sq: ops.transpose(sq, 0, 1),
                    lambda sq=sq: np.ascontiguousarray(sq.T),
                    lambda tsq=tsq: tsq.T.contiguous(),
                ),
                nbytes=2 * f * sq.size,
            )
        )

    a = rng.standard_normal((8, 64, 56, 56)).astype(np.float32)
    ta = torch.from_numpy(a) if torch is not None else None
    out.append(
        Case(
            "permute NCHW->NHWC (8,64,56,56)",
            _impls(
                lambda: ops.permute(a, (0, 2, 3, 1)),
                lambda: np.ascontiguousarray(a.transpose(0, 2, 3, 1)),
                lambda: ta.permute(0, 2, 3, 1).contiguous(),
            ),
            nbytes=2 * f * a.size,
        )
    )

    b = rng.standard_normal((8, 64, 56, 56)).astype(np.float32)
    tb = torch.from_numpy(b) if torch is not None else None
    out.append(
        Case(
            "concat 2x(8,64,56,56) axis=1",
            _impls(
                lambda: ops.concat([a, b], axis=1),
                lambda: np.concatenate([a, b], axis=1),
                lambda: torch.cat([ta, tb], 1),
            ),
            nbytes=4 * f * a.size,
        )
    )

    padded = 8 * 64 * 58 * 58
    out.append(
        Case(
            "pad (8,64,56,56) (1,1,1,1)",
            _impls(
                lambda: ops.pad(a, (1, 1, 1, 1)),
                lambda: np.pad(a, ((0, 0), (0, 0), (1, 1), (1, 1))),
                lambda: F.pad(ta, (1, 1, 1, 1)),
            ),
            nbytes=f * (a.size + padded),
        )
    )
    return out
