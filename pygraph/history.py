"""History: what Trainer.fit recorded per epoch, and its plot (matplotlib, an optional extra).

>>> h = History()
>>> h.append(loss=0.9, accuracy=0.6, lr=0.1, seconds=0.2)
>>> h.append(loss=0.5, accuracy=0.8, lr=0.1, seconds=0.2)
>>> h["loss"], len(h)
([0.9, 0.5], 2)
"""

from __future__ import annotations

from typing import Any

KEYS = ("loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds")


class History:
    """Per-epoch lists, one per key of KEYS (loss, accuracy, val_loss, val_accuracy, lr,
    seconds); a key that was not measured (no val set, no accuracy metric) holds None per
    epoch, so every list has one entry per epoch. `h["loss"]` or `h.loss`."""

    def __init__(self) -> None:
        self.history: dict[str, list[Any]] = {k: [] for k in KEYS}

    def append(self, **epoch: Any) -> None:
        """One epoch's numbers; unknown keys are refused (a typo would be a silent gap)."""
        unknown = sorted(set(epoch) - set(KEYS))
        if unknown:
            raise KeyError(f"History: unknown keys {unknown}; known: {list(KEYS)}")
        for k in KEYS:
            v = epoch.get(k)
            self.history[k].append(None if v is None else float(v))

    def __getitem__(self, key: str) -> list[Any]:
        return self.history[key]

    def __getattr__(self, key: str) -> list[Any]:
        if key in KEYS:
            return self.__dict__["history"][key]
        raise AttributeError(f"'History' object has no attribute '{key}'")

    def __len__(self) -> int:
        return len(self.history["loss"])

    def __repr__(self) -> str:
        if not len(self):
            return "History(epochs=0)"
        last = {k: round(v[-1], 4) for k, v in self.history.items() if v[-1] is not None}
        return f"History(epochs={len(self)}, last={last})"

    def plot(self, ax: Any = None) -> Any:
        """Loss (and accuracy, on a second panel) per epoch; returns the matplotlib Figure."""
        return plot_history(self, ax)


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "History.plot / pg.plot_history need matplotlib: pip install 'pygraph[plot]' "
            "(or pip install matplotlib)"
        ) from exc
    return plt


def plot_history(history: History, ax: Any = None) -> Any:
    """Training and validation curves of a History: loss on one axes, accuracy on a second
    when it was measured. ax: an axes for the loss (the accuracy then shares its figure on
    a twin axis); None makes a new figure. Returns the Figure, e.g.
    `pg.plot_history(trainer.history).savefig("curves.png")`.
    """
    plt = _pyplot()
    h = history.history
    has_acc = any(v is not None for v in h["accuracy"] + h["val_accuracy"])
    if ax is None:
        fig, axes = plt.subplots(1, 2 if has_acc else 1, figsize=(10 if has_acc else 5, 3.5))
        axes = list(axes) if has_acc else [axes]
    else:
        fig = ax.figure
        axes = [ax, ax.twinx()] if has_acc else [ax]
    epochs = list(range(1, len(history) + 1))
    for a, what in zip(axes, ("loss", "accuracy")):
        for key, style in ((what, "-o"), (f"val_{what}", "--s")):
            pts = [(e, v) for e, v in zip(epochs, h[key]) if v is not None]
            if pts:
                a.plot(*zip(*pts), style, label=key, markersize=3)
        a.set_xlabel("epoch")
        a.set_ylabel(what)
        a.legend()
    fig.tight_layout()
    return fig
