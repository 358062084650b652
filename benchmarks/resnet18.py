"""ResNet-18 (torchvision's layout: 11,689,512 parameters) built with the functional graph API,
batch norm in training mode. Used by compile_stats.py; pygraph.models will have the module."""

from __future__ import annotations

import pygraph as pg


class _Params(list):
    def new(self, shape: tuple[int, ...], init: str) -> pg.Tensor:
        p = pg.param(shape, init=init, name=f"p{len(self)}")
        self.append(p)
        return p


def _conv_bn(ps: _Params, x: pg.Tensor, cin: int, cout: int, k: int, s: int) -> pg.Tensor:
    w = ps.new((cout, cin, k, k), "he")
    gamma, beta = ps.new((cout,), "ones"), ps.new((cout,), "zeros")
    h = pg.conv2d(x, w, stride=s, padding=k // 2)
    return pg.batch_norm(h, None, None, gamma, beta, training=True)


def _block(ps: _Params, x: pg.Tensor, cin: int, cout: int, s: int) -> pg.Tensor:
    h = pg.relu(_conv_bn(ps, x, cin, cout, 3, s))
    h = _conv_bn(ps, h, cout, cout, 3, 1)
    shortcut = _conv_bn(ps, x, cin, cout, 1, s) if s != 1 or cin != cout else x
    return pg.relu(h + shortcut)


def resnet18(x: pg.Tensor, num_classes: int = 1000) -> tuple[pg.Tensor, list[pg.Tensor]]:
    """x (N, 3, H, W) -> (logits (N, num_classes), params)."""
    ps = _Params()
    h = pg.max_pool2d(pg.relu(_conv_bn(ps, x, 3, 64, 7, 2)), 3, 2, 1)
    cin = 64
    for cout, s in [(64, 1), (128, 2), (256, 2), (512, 2)]:
        h = _block(ps, _block(ps, h, cin, cout, s), cout, cout, 1)
        cin = cout
    h = pg.flatten(pg.global_avg_pool2d(h))
    logits = pg.linear(h, ps.new((num_classes, 512), "he"), ps.new((num_classes,), "zeros"))
    return logits, list(ps)
