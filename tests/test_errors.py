"""Bad input across the families: each call raises a clear error naming op, argument and shapes.

The family test files hold the detailed tables; this one is the cross-cutting summary from the
issue (mismatched channels, kernel larger than the padded input, zero/negative stride, wrong
ranks, wrong dtype, empty tensors, sizes whose buffers cannot be allocated).
"""

from __future__ import annotations

import numpy as np
import pytest

import pygraph as pg

F = np.float32


def ones(*shape, dtype=F):
    return np.ones(shape, dtype)


CASES = [
    # (call, exception, pattern the message must contain)
    (lambda: pg.ops.conv2d(ones(1, 3, 8, 8), ones(2, 4, 3, 3)), ValueError,
     r"conv2d: weight has 4 input channels per group but input has 3 channels .*\(1, 3, 8, 8\)"),
    (lambda: pg.ops.conv2d(ones(1, 3, 2, 2), ones(2, 3, 3, 3)), ValueError,
     r"conv2d: kernel size 3 .* padded input has only 2"),
    (lambda: pg.ops.conv3d(ones(1, 2, 4, 4, 4), ones(2, 2, 5, 5, 5)), ValueError,
     r"conv3d: kernel size 5 .*\(1, 2, 4, 4, 4\)"),
    (lambda: pg.ops.conv2d(ones(1, 3, 8, 8), ones(2, 3, 3, 3), stride=0), ValueError,
     r"conv2d: stride must be positive"),
    (lambda: pg.ops.conv2d(ones(3, 8, 8), ones(2, 3, 3, 3)), ValueError,
     r"conv2d: input must be 4-D \(N, C, H, W\), got shape \(3, 8, 8\)"),
    (lambda: pg.ops.conv2d(ones(0, 3, 8, 8), ones(2, 3, 3, 3)), ValueError,
     r"conv2d: input is empty \(shape \(0, 3, 8, 8\)\)"),
    (lambda: pg.ops.conv2d(ones(1, 3, 8, 8, dtype=np.complex64), ones(2, 3, 3, 3)), TypeError,
     r"conv2d: input must be a real numeric array, got dtype complex64"),
    (lambda: pg.ops.conv1d(ones(1, 2, 4), ones(2, 2, 3), padding="same", stride=2), ValueError,
     r"conv1d: padding='same' needs stride 1"),
    (lambda: pg.ops.max_pool2d(ones(1, 3, 2, 2), 3), ValueError,
     r"max_pool2d: kernel_size \(3, 3\) .* larger than the padded input: input \(1, 3, 2, 2\)"),
    (lambda: pg.ops.max_pool2d(ones(1, 3, 8, 8), 2, stride=-1), ValueError,
     r"max_pool2d: stride must be positive"),
    (lambda: pg.ops.avg_pool2d(ones(1, 3, 0, 8), 2), ValueError, r"avg_pool2d: input is empty"),
    (lambda: pg.ops.adaptive_avg_pool2d(ones(1, 2, 4, 4), (0, 6)), ValueError,
     r"adaptive_avg_pool2d: output_size must be positive"),
    (lambda: pg.ops.add(ones(2, 3), ones(4)), ValueError,
     r"add: input \(2, 3\) and other \(4,\) are not broadcastable"),
    (lambda: pg.ops.maxout(ones(2, 5, 3), 2), ValueError,
     r"maxout: input \(2, 5, 3\) has 5 channels .* not divisible by pieces=2"),
    (lambda: pg.ops.matmul(ones(2, 3), ones(4, 5)), ValueError,
     r"matmul: a has shape \(2, 3\) and b has shape \(4, 5\)"),
    (lambda: pg.ops.linear(ones(2, 3), ones(4, 5)), ValueError,
     r"linear: input has 3 features .* weight \(4, 5\)"),
    (lambda: pg.ops.cross_entropy(ones(2, 3), np.array([0, 3])), ValueError,
     r"cross_entropy: target holds label 3 .* C = 3"),
    (lambda: pg.ops.cross_entropy(ones(2, 3), np.array([0.0, 1.0])), TypeError,
     r"cross_entropy: target must hold integer class labels"),
    (lambda: pg.ops.batch_norm(ones(2, 3, 4, 4), np.zeros(4, F), ones(4)), ValueError,
     r"batch_norm: running_mean has shape \(4,\) .* input \(2, 3, 4, 4\)"),
    (lambda: pg.ops.layer_norm(ones(2, 3), (4,)), ValueError,
     r"layer_norm: normalized_shape \(4,\) .* input \(2, 3\)"),
    (lambda: pg.ops.softmax(ones(2, 3), axis=2), ValueError,
     r"softmax: axis 2 is out of range for input of shape \(2, 3\)"),
    (lambda: pg.ops.dropout(ones(2, 3), p=1.5), ValueError, r"dropout: p must be in \[0, 1\]"),
    (lambda: pg.ops.concat([ones(2, 3), ones(2, 4)], axis=0), ValueError,
     r"concat: tensors\[1\] has shape \(2, 4\) but tensors\[0\] has shape \(2, 3\)"),
    (lambda: pg.ops.reshape(ones(2, 3), (4, 2)), ValueError,
     r"reshape: cannot reshape input of shape \(2, 3\)"),
    # buffers that cannot exist: a MemoryError naming the op and the shape, never a crash
    (lambda: pg.ops.conv_transpose2d(ones(1, 1, 2, 2), ones(1, 1, 3, 3), stride=10**6),
     MemoryError, r"conv_transpose2d: cannot allocate a float32 tensor of shape \(1, 1, 1000003"),
    (lambda: pg.ops.pad(ones(1, 1), (10**6, 10**6, 10**6, 10**6)), MemoryError,
     r"pad: cannot allocate a float32 tensor of shape \(2000001, 2000001\)"),
    (lambda: pg.ops.pad(ones(1, 1), (2**40, 0, 2**40, 0)), MemoryError,
     r"pad: cannot allocate .* overflows 64 bits"),
]  # fmt: skip


@pytest.mark.parametrize("call,exc,pattern", CASES, ids=[c[2][:40] for c in CASES])
def test_bad_input_raises_a_clear_error(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


def test_float64_and_float32_mixed_computes_in_float32():
    y = pg.ops.conv2d(np.ones((1, 1, 3, 3)), ones(1, 1, 2, 2))
    assert y.dtype == np.float32 and np.all(y == 4)
