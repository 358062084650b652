"""Optimizers as graph updates: the whole training step (forward, backward, update) compiles
into one call that runs in C++.

An optimizer turns (params, grads) into (param, new value) pairs built from graph ops; its
state (momentum, Adam's moments and step count) lives in params of its own, and so does the
learning rate (`optimizer.lr_param`, 0-d): a schedule (StepLR, CosineAnnealingLR) assigns it
between calls, so the compiled step is never rebuilt. The formulas are torch.optim's, so a few
steps match PyTorch.

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
from .graph import Tensor, free_name, grad


def _resolve(params: Sequence, grads: Sequence[Tensor]) -> list[Tensor]:
    """pg.nn.Parameters as their params in the gradients' graph."""
    graph = grads[0].graph if grads else None
    return [p.in_graph(graph) if hasattr(p, "in_graph") else p for p in params]


def _state(of: Tensor, what: str, shape: tuple[int, ...], init: float | np.ndarray = 0.0) -> Tensor:
    """A param of optimizer state in of's graph (which need not be the default one), named
    "<param>.<what>" (a second optimizer of the same params gets "<param>.<what>_1", ...)."""
    value = np.broadcast_to(np.asarray(init, dtype=of.dtype), shape).copy()
    return Tensor(of.graph, of.graph.param(free_name(of.graph, f"{of.name}.{what}"), value))


class Optimizer:
    """Base: `updates(params, grads)` gives the update pairs; `minimize` compiles a step.

    The learning rate lives in a 0-d param the updates read (`lr_param`); assigning `lr`
    writes it, and every step compiled from this optimizer uses the new rate at its next call.
    """

    def __init__(self, lr: float) -> None:
        self._lr_params: list[Tensor] = []  # one per graph and dtype the updates were built in
        self.lr = lr

    @property
    def lr(self) -> float:
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        if not value >= 0:
            raise ValueError(f"{type(self).__name__}: lr must be >= 0, got {value}")
        self._lr = float(value)
        for p in self._lr_params:
            p.value = np.array(self._lr, dtype=p.dtype)

    @property
    def lr_param(self) -> Tensor | None:
        """The 0-d param holding the learning rate (None until updates are built)."""
        return self._lr_params[-1] if self._lr_params else None

    def _lr_for(self, like: Tensor) -> Tensor:
        """The lr param of like's graph and dtype, made on first use."""
        for p in self._lr_params:
            if p.graph is like.graph and p.dtype == like.dtype:
                return p
        p = _state(like, "lr", (), np.array(self._lr))
        self._lr_params.append(p)
        return p

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
        super().__init__(lr)
        self.momentum, self.weight_decay, self.nesterov = momentum, weight_decay, nesterov

    def updates(self, params: Sequence[Tensor], grads: Sequence[Tensor]) -> list[tuple]:
        pairs = []
        for p, g in zip(_resolve(params, grads), grads):
            if self.weight_decay:
                g = g + p * self.weight_decay
            if self.momentum:
                buf = _state(p, "momentum", p.shape)
                new_buf = buf * self.momentum + g  # zero start = torch's first step (buf = g)
                pairs.append((buf, new_buf))
                g = g + new_buf * self.momentum if self.nesterov else new_buf
            pairs.append((p, p - g * self._lr_for(p)))
        return pairs


class Adam(Optimizer):
    """Adam with bias correction and L2 weight decay added to the gradient (torch.optim.Adam)."""

    decoupled = False  # AdamW decays the weights themselves instead

    def __init__(self, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:  # fmt: skip
        b1, b2 = betas
        name = type(self).__name__
        if not (0 <= b1 < 1 and 0 <= b2 < 1) or lr < 0 or eps < 0 or weight_decay < 0:
            raise ValueError(f"{name}: need 0 <= betas < 1, lr >= 0, eps >= 0, weight_decay "
                             f">= 0; got {betas}, {lr}, {eps}, {weight_decay}")  # fmt: skip
        super().__init__(lr)
        self.b1, self.b2, self.eps, self.weight_decay = b1, b2, eps, weight_decay

    def updates(self, params: Sequence[Tensor], grads: Sequence[Tensor]) -> list[tuple]:
        if not params:
            return []
        params = _resolve(params, grads)
        lr = self._lr_for(params[0])
        t = _state(params[0], "adam_step", ())
        t_new = t + 1.0
        # bias corrections 1 - b^t, with b^t = exp(t ln b)
        bc1 = 1.0 - exp(t_new * math.log(self.b1)) if self.b1 > 0 else t * 0.0 + 1.0
        bc2 = 1.0 - exp(t_new * math.log(self.b2)) if self.b2 > 0 else t * 0.0 + 1.0
        pairs = [(t, t_new)]
        for p, g in zip(params, grads):
            base = p
            if self.weight_decay and self.decoupled:
                base = p * (1.0 - lr * self.weight_decay)
            elif self.weight_decay:
                g = g + p * self.weight_decay
            m = _state(p, "exp_avg", p.shape)
            v = _state(p, "exp_avg_sq", p.shape)
            m_new = m * self.b1 + g * (1.0 - self.b1)
            v_new = v * self.b2 + g * g * (1.0 - self.b2)
            denom = sqrt(v_new) / sqrt(bc2) + self.eps
            pairs += [(m, m_new), (v, v_new), (p, base - (m_new / denom) * (lr / bc1))]
        return pairs


class AdamW(Adam):
    """Adam with decoupled weight decay (torch.optim.AdamW): each step first scales the
    weights by 1 - lr * weight_decay, and the gradient carries no decay term."""

    decoupled = True

    def __init__(self, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2) -> None:  # fmt: skip
        super().__init__(lr, betas, eps, weight_decay)


class LRScheduler:
    """Base of the learning-rate schedules: `step()` (once per epoch, after training it)
    advances `last_epoch` and assigns the optimizer's lr; compiled steps read it at once."""

    def __init__(self, optimizer: Optimizer) -> None:
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0

    def lr_at(self, epoch: int) -> float:
        raise NotImplementedError

    def step(self) -> None:
        self.last_epoch += 1
        self.optimizer.lr = self.lr_at(self.last_epoch)

    def get_last_lr(self) -> list[float]:
        return [self.optimizer.lr]


class StepLR(LRScheduler):
    """lr = base_lr * gamma ** (epoch // step_size) (torch.optim.lr_scheduler.StepLR).

    >>> opt = SGD(lr=1.0)
    >>> sched = StepLR(opt, step_size=2, gamma=0.5)
    >>> [(sched.step(), opt.lr)[1] for _ in range(5)]
    [1.0, 0.5, 0.5, 0.25, 0.25]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        if int(step_size) < 1 or not gamma > 0:
            raise ValueError(f"StepLR: need step_size >= 1 and gamma > 0, got {step_size}, "
                             f"{gamma}")  # fmt: skip
        super().__init__(optimizer)
        self.step_size, self.gamma = int(step_size), gamma

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) (1 + cos(pi epoch / T_max)) / 2: from base_lr down to
    eta_min over T_max epochs, then back up (torch.optim.lr_scheduler.CosineAnnealingLR).

    >>> opt = SGD(lr=1.0)
    >>> sched = CosineAnnealingLR(opt, T_max=2)
    >>> [(sched.step(), round(opt.lr, 6))[1] for _ in range(4)]
    [0.5, 0.0, 0.5, 1.0]
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:  # noqa: N803
        if int(T_max) < 1 or eta_min < 0:
            raise ValueError(f"CosineAnnealingLR: need T_max >= 1 and eta_min >= 0, got {T_max}, "
                             f"{eta_min}")  # fmt: skip
        super().__init__(optimizer)
        self.T_max, self.eta_min = int(T_max), eta_min

    def lr_at(self, epoch: int) -> float:
        cos = math.cos(math.pi * epoch / self.T_max)
        return self.eta_min + (self.base_lr - self.eta_min) * (1.0 + cos) / 2.0
