"""Module, Sequential, ModuleList: the containers of torch.nn, building pygraph graphs.

Calling a module on a pg.Tensor adds its nodes to that tensor's graph (its parameters join the
graph as params named by their module path, see pygraph.nn.parameter). Calling it on numpy
arrays compiles it once per input shapes, dtypes and train/eval mode, runs it and returns numpy.

>>> import numpy as np, pygraph as pg
>>> model = pg.nn.Sequential(pg.nn.Linear(3, 4), pg.nn.ReLU(), pg.nn.Linear(4, 2))
>>> [name for name, _ in model.named_parameters()]
['0.weight', '0.bias', '2.weight', '2.bias']
>>> model(np.ones((5, 3), np.float32)).shape
(5, 2)
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from ..graph import Tensor
from .parameter import Parameter

_depth = [0]  # nesting of Module calls on Tensors: the outermost call names the parameters
# pygraph.summary's recorder while it traces a model (enter/exit around each call), else None
_tracer: list[Any] = [None]


class Module:
    """Base class: set Parameters and Modules as attributes, define forward(*inputs)."""

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_compiled", {})
        object.__setattr__(self, "training", True)

    def __setattr__(self, name: str, value: Any) -> None:
        if "_modules" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() first")
        for table in (self._parameters, self._buffers, self._modules):
            table.pop(name, None)
        if isinstance(value, Parameter):
            (self._parameters if value.requires_grad else self._buffers)[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        else:
            object.__setattr__(self, name, value)
            return
        self.__dict__.pop(name, None)

    def __getattr__(self, name: str) -> Any:
        for table in ("_parameters", "_buffers", "_modules"):
            d = self.__dict__.get(table)
            if d is not None and name in d:
                return d[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for table in (self._parameters, self._buffers, self._modules):
            if name in table:
                del table[name]
                return
        object.__delattr__(self, name)

    def register_buffer(self, name: str, value: Any) -> None:
        """A non-trainable array saved in state_dict (e.g. BatchNorm's running_mean)."""
        buf = value if isinstance(value, Parameter) else Parameter(value, requires_grad=False)
        buf.requires_grad = False
        setattr(self, name, buf)

    def register_parameter(self, name: str, value: Parameter | None) -> None:
        if value is None:
            object.__setattr__(self, name, None)
        else:
            setattr(self, name, value)

    def add_module(self, name: str, module: Module | None) -> None:
        setattr(self, name, module)

    # ---- traversal ----
    def named_children(self) -> Iterator[tuple[str, Module]]:
        yield from self._modules.items()

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """Every module once, depth first, this one first (named prefix)."""
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, mod = stack.pop()
            if id(mod) in seen:
                continue
            seen.add(id(mod))
            yield name, mod
            kids = [(f"{name}.{k}" if name else k, m) for k, m in mod._modules.items()]
            stack.extend(reversed(kids))

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def _named(self, table: str) -> Iterator[tuple[str, Parameter]]:
        seen: set[int] = set()
        for prefix, mod in self.named_modules():
            for k, p in getattr(mod, table).items():
                if id(p) not in seen:
                    seen.add(id(p))
                    yield (f"{prefix}.{k}" if prefix else k), p

    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        """The trainable parameters with their module paths ("features.0.weight")."""
        return self._named("_parameters")

    def parameters(self) -> Iterator[Parameter]:
        for _, p in self.named_parameters():
            yield p

    def named_buffers(self) -> Iterator[tuple[str, Parameter]]:
        return self._named("_buffers")

    def buffers(self) -> Iterator[Parameter]:
        for _, b in self.named_buffers():
            yield b

    # ---- modes ----
    def train(self, mode: bool = True) -> Module:
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> Module:
        return self.train(False)

    # ---- state ----
    def state_dict(self) -> dict[str, np.ndarray]:
        """Parameters then buffers, name -> numpy array (a copy), as torch's state_dict."""
        out = {k: p.value for k, p in self._named_state()}
        return out

    def _named_state(self) -> list[tuple[str, Parameter]]:
        # torch's order: per module, its parameters then its buffers
        rows = []
        for prefix, mod in self.named_modules():
            for table in (mod._parameters, mod._buffers):
                rows += [((f"{prefix}.{k}" if prefix else k), p) for k, p in table.items()]
        return rows

    def load_state_dict(self, state: dict[str, Any], strict: bool = True) -> None:
        """Assign every array of `state` (name -> array, e.g. torch's state_dict as numpy).

        strict: the keys must be exactly this module's; shapes must always match.
        """
        own = dict(self._named_state())
        arrays = {k: _to_numpy(v) for k, v in state.items()}
        missing = [k for k in own if k not in arrays]
        unexpected = [k for k in arrays if k not in own]
        bad = [
            f"{k}: checkpoint {arrays[k].shape}, model {own[k].shape}"
            for k in own
            if k in arrays and arrays[k].shape != own[k].shape
        ]
        problems = []
        if strict and missing:
            problems.append(f"missing keys {missing}")
        if strict and unexpected:
            problems.append(f"unexpected keys {unexpected}")
        if bad:
            problems.append("shape mismatch for " + "; ".join(bad))
        if problems:
            raise ValueError(f"load_state_dict of {type(self).__name__}: " + "; ".join(problems))
        for k, p in own.items():
            if k in arrays:
                p.value = arrays[k]

    # ---- calling ----
    def forward(self, *inputs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define forward")

    def __call__(self, *inputs: Any, **kwargs: Any) -> Any:
        if inputs and not any(isinstance(x, Tensor) for x in inputs):
            if all(isinstance(x, (np.ndarray, np.generic, list)) for x in inputs):
                return self._run_numpy(inputs)
        if _depth[0] == 0:
            for name, p in self._named_state():
                p.name = name
        _depth[0] += 1
        tracer = _tracer[0]
        try:
            call = tracer.enter(self, inputs) if tracer else None
            out = self.forward(*inputs, **kwargs)
        finally:
            _depth[0] -= 1
        if tracer:  # not on error: the open calls tell summary which layer failed
            tracer.exit(call, out)
        return out

    def _run_numpy(self, inputs: tuple) -> Any:
        arrays = [np.asarray(x) for x in inputs]
        dtypes = ["int64" if a.dtype.kind in "iub" else "float32" for a in arrays]
        if len(set(dtypes)) > 1:
            raise TypeError(f"{type(self).__name__}: numpy inputs mix dtypes {dtypes}")
        modes = tuple(m.training for m in self.modules())
        key = (tuple(a.shape for a in arrays), dtypes[0], modes)
        if key not in self._compiled:
            from ..compile import compile

            shapes = [a.shape for a in arrays]
            self._compiled[key] = compile(
                self, input_shape=shapes[0] if len(shapes) == 1 else shapes, input_dtype=dtypes[0]
            )
        return self._compiled[key](*arrays)

    # ---- printing ----
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = []
        for name, mod in self._modules.items():
            sub = repr(mod).replace("\n", "\n  ")
            lines.append(f"({name}): {sub}")
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"


def _to_numpy(v: Any) -> np.ndarray:
    if hasattr(v, "detach"):  # a torch tensor
        v = v.detach().cpu().numpy()
    return np.asarray(v)


class Sequential(Module):
    """Modules applied in order; indexable, iterable, appendable.

    >>> import pygraph as pg
    >>> net = pg.nn.Sequential(pg.nn.Linear(2, 2), pg.nn.Tanh())
    >>> len(net), type(net[1]).__name__
    (2, 'Tanh')
    """

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], (dict, OrderedDict)):
            for k, m in modules[0].items():
                self.add_module(k, m)
        else:
            for k, m in enumerate(modules):
                self.add_module(str(k), m)

    def __getitem__(self, idx: int | slice) -> Any:
        mods = list(self._modules.values())
        if isinstance(idx, slice):
            return Sequential(*mods[idx])
        return mods[idx]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self)), module)
        return self

    def forward(self, x: Any) -> Any:
        for m in self._modules.values():
            x = m(x)
        return x


class ModuleList(Module):
    """A list of modules whose parameters belong to the parent (no forward of its own)."""

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        super().__init__()
        for m in modules:
            self.append(m)

    def __getitem__(self, idx: int | slice) -> Any:
        mods = list(self._modules.values())
        return ModuleList(mods[idx]) if isinstance(idx, slice) else mods[idx]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for m in modules:
            self.append(m)
        return self
