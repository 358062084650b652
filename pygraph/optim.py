"""Optimizers as graph updates: the whole training step (forward, backward, update) compiles
into one call that runs in C++.

An optimizer turns (params, grads) into (param, new value) pairs built from graph ops; its
state (momentum, Adam's moments and step count) lives in params of its own. The formulas are
torch.optim's, so a few steps match PyTorch.

>>> import numpy as np, pygraph as pg
>>> pg.new_graph()
>>> w = pg.param((2,), init=np.array([1.0, -1.0]), name="w")
>>> step = pg.optim.SGD(lr=0.1).minimize((w * w).sum(), [w])
>>> float(step())  # the loss before the update
2.0
>>> w.value.tolist()  # w - 0.1 * 2w
[0.800000011920929, -0.800000011920929]
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .compile import Compiled, compile
from .functional import exp, sqrt
from .graph import Tensor, grad


def _state(like: Tensor, name: str, shape: tuple[int, ...] | None = None) -> Tensor:
    """An optimizer state param of zeros in like's graph (which need not be the default one)."""
    shape = like.shape if shape is None else shape
    return Tensor(like.graph, like.graph.param(name, np.zeros(shape, dtype=like.dtype)))


def _resolve(params: Sequence, grads: Sequence[Tensor]) -> list[Tensor]:
    """pg.nn.Parameters as their params in the gradients' graph."""
    graph = grads[0].graph if grads else None
    return [p.in_graph(graph) if hasattr(p, "in_graph") else p for p in params]


class Optimizer:
    """Base: `updates(params, grads)` gives the update pairs; `minimize` compiles a step."""

    def updates(self, params: Sequence[Tensor], grads: Sequence[Tensor]) -> list[tuple]:
        raise NotImplementedError

    def minimize(self, loss: Tensor, params: Sequence[Tensor], outputs: Sequence[Tensor] = ()
                 ) -> Compiled:  # fmt: skip
        """Compile one training step: returns [loss, *outputs] (loss alone if no outputs)
        computed before the update, and assigns every param its updated value."""
        params = [p.in_graph(loss.graph) if hasattr(p, "in_graph") else p for p in params]
        pairs = self.updates(params, grad(loss, params))
        outs = [loss, *outputs]
        return compile(outs if outputs else loss, updates=pairs)


class SGD(Optimizer):
    """SGD with momentum, Nesterov momentum and weight decay (torch.optim.SGD, dampening 0)."""

    def __init__(self, lr: float, momentum: float = 0.0, weight_decay: float = 0.0,
                 nesterov: bool = False) -> None:  # fmt: skip
        if lr < 0 or momentum < 0 or weight_decay < 0:
            raise ValueError(f"SGD: lr, momentum and weight_decay must be >= 0, got {lr}, "
                             f"{momentum}, {weight_decay}")  # fmt: skip
        if nesterov and momentum <= 0:
            raise ValueError("SGD: nesterov needs momentum > 0")
        self.lr, self.momentum = lr, momentum
        self.weight_decay, self.nesterov = weight_decay, nesterov

    def updates(self, params: Sequence[Tensor], grads: Sequence[Tensor]) -> list[tuple]:
        pairs = []
        for p, g in zip(_resolve(params, grads), grads):
            if self.weight_decay:
                g = g + p * self.weight_decay
            if self.momentum:
                buf = _state(p, f"{p.name}.momentum")
                new_buf = buf * self.momentum + g  # zero start = torch's first step (buf = g)
                pairs.append((buf, new_buf))
                g = g + new_buf * self.momentum if self.nesterov else new_buf
            pairs.append((p, p - g * self.lr))
        return pairs


class Adam(Optimizer):
    """Adam with bias correction and L2 weight decay (torch.optim.Adam)."""

    def __init__(self, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:  # fmt: skip
        b1, b2 = betas
        if not (0 <= b1 < 1 and 0 <= b2 < 1) or lr < 0 or eps < 0:
            raise ValueError(f"Adam: need 0 <= betas < 1, lr >= 0, eps >= 0; got {betas}, {lr}, "
                             f"{eps}")  # fmt: skip
        self.lr, self.b1, self.b2, self.eps, self.weight_decay = lr, b1, b2, eps, weight_decay

    def updates(self, params: Sequence[Tensor], grads: Sequence[Tensor]) -> list[tuple]:
        if not params:
            return []
        params = _resolve(params, grads)
        t = _state(params[0], f"{params[0].name}.adam_step", ())
        t_new = t + 1.0
        # bias corrections 1 - b^t, with b^t = exp(t ln b)
        bc1 = 1.0 - exp(t_new * math.log(self.b1)) if self.b1 > 0 else t * 0.0 + 1.0
        bc2 = 1.0 - exp(t_new * math.log(self.b2)) if self.b2 > 0 else t * 0.0 + 1.0
        pairs = [(t, t_new)]
        for p, g in zip(params, grads):
            if self.weight_decay:
                g = g + p * self.weight_decay
            m = _state(p, f"{p.name}.exp_avg")
            v = _state(p, f"{p.name}.exp_avg_sq")
            m_new = m * self.b1 + g * (1.0 - self.b1)
            v_new = v * self.b2 + g * g * (1.0 - self.b2)
            denom = sqrt(v_new) / sqrt(bc2) + self.eps
            pairs += [(m, m_new), (v, v_new), (p, p - (m_new / denom) * (self.lr / bc1))]
        return pairs
