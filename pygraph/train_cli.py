"""`pygraph train MODEL --dataset digits|shapes`: a model from pg.models trained by pg.Trainer
on a bundled dataset (Adam or SGD with momentum, a cosine schedule); prints each epoch and the
test accuracy, and can save the weights."""

from __future__ import annotations

import argparse
import inspect
from typing import Any

import pygraph as pg

# name -> (loader, classes, default shift augmentation); images are (N, 1, 32, 32) float32
DATASETS = {
    "digits": (lambda seed: pg.data.digits(seed=seed), 10, 2),
    "shapes": (lambda seed: pg.data.shapes(seed=seed), len(pg.data.SHAPES_CLASSES), 0),
}


def build_model(name: str, in_channels: int, num_classes: int, input_size: int) -> Any:
    """pg.models.get(name) with those of these options that the factory takes."""
    if name not in pg.models.list_models():
        raise SystemExit(f"pygraph: unknown model {name!r}; known: "
                         f"{', '.join(pg.models.list_models())}")  # fmt: skip
    factory = getattr(pg.models, name)
    accepted = inspect.signature(factory).parameters
    wanted = {"in_channels": in_channels, "num_classes": num_classes, "input_size": input_size}
    model = factory(**{k: v for k, v in wanted.items() if k in accepted})
    shape = getattr(model, "example_input_shape", ())
    if len(shape) != 4 or shape[1] != in_channels:
        raise SystemExit(f"pygraph: {name} does not take (N, {in_channels}, {input_size}, "
                         f"{input_size}) images; try lenet5 or googlenet_small")  # fmt: skip
    return model


def train_model(args: argparse.Namespace) -> pg.Trainer:
    load, classes, shift = DATASETS[args.dataset]
    X, y, X_test, y_test = load(args.seed)
    shift = shift if args.shift is None else args.shift
    if shift:
        X, y = pg.data.shifted(X, y, shift)
    pg.manual_seed(args.seed)
    model = build_model(args.model, X.shape[1], classes, X.shape[-1])
    print(f"{args.model} on {args.dataset}: {len(X)} training images (shifted copies: "
          f"{shift} px), {len(X_test)} test images, {classes} classes")  # fmt: skip
    if args.optimizer == "adam":
        optimizer = pg.optim.Adam(lr=args.lr or 2e-3)
    else:
        optimizer = pg.optim.SGD(lr=args.lr or 0.05, momentum=0.9)
    schedule = pg.optim.CosineAnnealingLR(optimizer, T_max=args.epochs)
    trainer = pg.Trainer(model, "cross_entropy", optimizer, scheduler=schedule)
    history = trainer.fit(X, y, epochs=args.epochs, batch_size=args.batch_size,
                          val=(X_test, y_test), seed=args.seed,
                          progress=not args.no_progress)  # fmt: skip
    if args.no_progress:
        for k in range(len(history)):
            print(f"epoch {k + 1}: loss {history['loss'][k]:.4f}, accuracy "
                  f"{history['accuracy'][k]:.2%}, test accuracy {history['val_accuracy'][k]:.2%}, "
                  f"{history['seconds'][k]:.2f} s")  # fmt: skip
    result = trainer.evaluate(X_test, y_test)
    print(f"test loss {result['loss']:.4f}, test accuracy {result['accuracy']:.2%}")
    if args.save:
        pg.save(model, args.save, metadata={"model": args.model, "dataset": args.dataset})
        print(f"weights written to {args.save}")
    return trainer
