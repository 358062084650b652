"""`pygraph train MODEL --dataset digits|shapes`: a model from pg.models on a bundled dataset,
trained by pg.Trainer with SGD + momentum; prints each epoch and the test accuracy."""

from __future__ import annotations

import argparse
import inspect
from typing import Any

import pygraph as pg

DATASETS = {  # name -> (loader, classes); both give (N, 1, 32, 32) float32 images
    "digits": (lambda seed: pg.data.digits(seed=seed), 10),
    "shapes": (lambda seed: pg.data.shapes(seed=seed), len(pg.data.SHAPES_CLASSES)),
}


def build_model(name: str, in_channels: int, num_classes: int, input_size: int) -> Any:
    """pg.models.get(name) with the options the factory accepts, for these images."""
    if name not in pg.models.list_models():
        raise SystemExit(f"pygraph: unknown model {name!r}; known: "
                         f"{', '.join(pg.models.list_models())}")  # fmt: skip
    accepted = inspect.signature(pg.models.get.__globals__["_FACTORIES"][name]).parameters
    wanted = {"in_channels": in_channels, "num_classes": num_classes, "input_size": input_size}
    model = pg.models.get(name, **{k: v for k, v in wanted.items() if k in accepted})
    shape = getattr(model, "example_input_shape", None)
    if shape is None or len(shape) != 4 or shape[1] != in_channels:
        raise SystemExit(f"pygraph: {name} does not take (N, {in_channels}, {input_size}, "
                         f"{input_size}) images; try lenet5, resnet18 or googlenet_small")  # fmt: skip
    return model


def train_model(args: argparse.Namespace) -> pg.History:
    load, classes = DATASETS[args.dataset]
    X, y, X_test, y_test = load(args.seed)
    pg.manual_seed(args.seed)
    model = build_model(args.model, X.shape[1], classes, X.shape[-1])
    print(f"{args.model} on {args.dataset}: {len(X)} training and {len(X_test)} test images "
          f"{X.shape[1:]}, {classes} classes")  # fmt: skip
    optimizer = pg.optim.SGD(lr=args.lr, momentum=args.momentum)
    trainer = pg.Trainer(model, "cross_entropy", optimizer)
    history = trainer.fit(X, y, epochs=args.epochs, batch_size=args.batch_size,
                          val=(X_test, y_test), seed=args.seed, progress=not args.no_progress)  # fmt: skip
    for k in range(len(history)):
        row = history[k] if hasattr(history, "__getitem__") else None
        if row is not None:
            print(f"epoch {k + 1}: " + ", ".join(f"{n} {v:.4f}" for n, v in row.items()))
    result = trainer.evaluate(X_test, y_test)
    print(f"test loss {result['loss']:.4f}, test accuracy {result['accuracy']:.2%}")
    if args.save:
        pg.save(model, args.save, metadata={"model": args.model, "dataset": args.dataset})
        print(f"weights written to {args.save}")
    return history
