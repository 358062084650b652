"""RNN (tanh or relu) and LSTM, unrolled over the fixed sequence length: backpropagation through
time is then part of the static graph (one set of nodes per step, the weights shared).

Batch-first, x (N, T, input_size), as torch with batch_first=True (the default here). Parameters
as torch: weight_ih_l{k} (G*H, in), weight_hh_l{k} (G*H, H), bias_ih_l{k}, bias_hh_l{k} (G*H,)
with G = 1 (RNN) or 4 (LSTM, gates in the order i, f, g, o); all U(-1/sqrt(H), 1/sqrt(H)).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import functional as F
from ..graph import Tensor, _as_tensor
from . import init
from .module import Module
from .parameter import Parameter


class _Recurrent(Module):
    gates = 1

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = True,
        dropout: float = 0.0,
        bidirectional: bool = False,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if not batch_first or bidirectional:
            raise ValueError(f"{name}: only batch_first=True, unidirectional, is supported")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.dropout, self.batch_first = bias, dropout, True
        g, bound = self.gates * hidden_size, 1.0 / math.sqrt(hidden_size)
        for k in range(num_layers):
            fan_in = input_size if k == 0 else hidden_size
            shapes = {f"weight_ih_l{k}": (g, fan_in), f"weight_hh_l{k}": (g, hidden_size)}
            if bias:
                shapes.update({f"bias_ih_l{k}": (g,), f"bias_hh_l{k}": (g,)})
            for pname, shape in shapes.items():
                p = Parameter(np.zeros(shape, np.float32))
                init.uniform_(p, -bound, bound)
                setattr(self, pname, p)

    def _layer(self, k: int, graph: Any) -> tuple[Tensor, ...]:
        names = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if self.bias else [])
        ps = [getattr(self, f"{n}_l{k}").in_graph(graph) for n in names]
        return tuple(ps) if self.bias else (*ps, None, None)

    def _check(self, x: Tensor) -> None:
        if x.ndim != 3 or x.shape[2] != self.input_size:
            raise ValueError(
                f"{type(self).__name__}({self.input_size}, {self.hidden_size}): "
                f"input has shape {x.shape}; expected (N, T, {self.input_size})"
            )

    def _state(self, s: Any, x: Tensor, k: int) -> Tensor | None:
        """Layer k's initial state from (num_layers, N, H), or None (zeros)."""
        if s is None:
            return None
        return s[k] if isinstance(s, Tensor) else _as_tensor(np.asarray(s)[k], x.graph, x.dtype)

    def _run(self, x: Tensor, states: list[Any]) -> tuple[Tensor, list[list[Tensor]]]:
        finals = []
        for k in range(self.num_layers):
            if k and self.training and self.dropout > 0:
                x = F.dropout(x, self.dropout)
            w_ih, w_hh, b_ih, b_hh = self._layer(k, x.graph)
            xw = F.linear(x, w_ih, b_ih)  # every step's input projection in one matmul
            state = [self._state(s, x, k) for s in states]
            outs = []
            for t in range(x.shape[1]):
                z = xw[:, t]
                if b_hh is not None:
                    z = z + b_hh
                if state[0] is not None:
                    z = z + F.linear(state[0], w_hh)
                state = self._cell(z, state)
                outs.append(state[0].reshape(x.shape[0], 1, self.hidden_size))
            x = F.concat(outs, axis=1)
            finals.append(state)
        return x, finals

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        return s + (f", num_layers={self.num_layers}" if self.num_layers > 1 else "")


def _stack(ts: list[Tensor]) -> Tensor:
    return F.concat([t.reshape(1, *t.shape) for t in ts], axis=0)


class RNN(_Recurrent):
    """h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (nonlinearity "tanh" or "relu").

    forward(x (N, T, in), h0 (num_layers, N, H) or None) -> (output (N, T, H), h_n).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        **kwargs: Any,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, num_layers, **kwargs)
        self.nonlinearity = nonlinearity

    def _cell(self, z: Tensor, state: list) -> list[Tensor]:
        return [F.tanh(z) if self.nonlinearity == "tanh" else F.relu(z)]

    def forward(self, x: Tensor, hx: Any = None) -> tuple[Tensor, Tensor]:
        self._check(x)
        out, finals = self._run(x, [hx])
        return out, _stack([s[0] for s in finals])


class LSTM(_Recurrent):
    """i, f, g, o = sigmoid, sigmoid, tanh, sigmoid of x_t W_ih^T + b_ih + h W_hh^T + b_hh;
    c_t = f c_{t-1} + i g; h_t = o tanh(c_t).

    forward(x (N, T, in), (h0, c0) or None) -> (output (N, T, H), (h_n, c_n)).
    """

    gates = 4

    def _cell(self, z: Tensor, state: list) -> list[Tensor]:
        i, f, g, o = F.chunk(z, 4, axis=1)
        i, f, g, o = F.sigmoid(i), F.sigmoid(f), F.tanh(g), F.sigmoid(o)
        c = i * g if state[1] is None else f * state[1] + i * g
        return [o * F.tanh(c), c]

    def forward(self, x: Tensor, hx: Any = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        self._check(x)
        h0, c0 = (None, None) if hx is None else hx
        out, finals = self._run(x, [h0, c0])
        return out, (_stack([s[0] for s in finals]), _stack([s[1] for s in finals]))
