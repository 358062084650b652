"""The model registry: factories by name, so the CLI and tests can list and build every model.

A factory registers itself with @register and states the input it expects (a batch of one),
so `pygraph summary MODEL` can build and trace any model without knowing its family.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_FACTORIES: dict[str, Callable[..., Any]] = {}


def register(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Add a model factory under its function name (e.g. "resnet18")."""
    if fn.__name__ in _FACTORIES:
        raise ValueError(f"models.register: {fn.__name__!r} is registered twice")
    _FACTORIES[fn.__name__] = fn
    return fn


def list_models() -> list[str]:
    """The names pg.models.get accepts, sorted.

    >>> import pygraph as pg
    >>> "lenet5" in pg.models.list_models()
    True
    """
    return sorted(_FACTORIES)


def get(name: str, **kwargs: Any) -> Any:
    """Build a model by name with the factory's keyword options.

    >>> import pygraph as pg
    >>> pg.models.get("lenet5", num_classes=4).classifier[-1].out_features
    4
    """
    if name not in _FACTORIES:
        raise ValueError(f"models.get: unknown model {name!r}; known: {', '.join(list_models())}")
    return _FACTORIES[name](**kwargs)
