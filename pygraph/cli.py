"""The `pygraph` command line: demo, summary, render, train.

pygraph demo                                 kernels, then LeNet-5's table and a short training
pygraph summary resnet18 --depth 2           a model's table (pg.summary)
pygraph render resnet18 -o resnet18.svg       a diagram (pg.render): --level op --backward
pygraph train lenet5 --dataset digits --epochs 5
pygraph derive lenet5 --wrt features.0.weight  the backprop derivation (pg.derive): --latex
"""

from __future__ import annotations

import argparse
import sys


def _shape(text: str) -> tuple[int, ...]:
    try:
        dims = tuple(int(d) for d in text.replace("x", ",").split(","))
    except ValueError:
        msg = f"not a shape: {text!r} (write it as 1,3,224,224)"
        raise argparse.ArgumentTypeError(msg) from None
    if not dims or min(dims) <= 0:
        raise argparse.ArgumentTypeError(f"not a shape: {text!r} (positive sizes)")
    return dims


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pygraph", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="kernels checked against numpy; LeNet-5's table; training")
    demo.add_argument("--epochs", type=int, default=5, help="LeNet-5 epochs on digits (5)")
    summary = sub.add_parser("summary", help="a model's layer table (see pg.models.list_models())")
    summary.add_argument("model", help="a name from pg.models.list_models()")
    summary.add_argument("--input-shape", type=_shape, help="e.g. 1,3,224,224 (the model's own "
                         "example input by default)")  # fmt: skip
    summary.add_argument("--depth", type=int, default=3, help="rows to this nesting depth (3)")
    summary.add_argument("--num-classes", type=int, help="the model's num_classes option")
    render = sub.add_parser("render", help="a model's diagram (.svg .png .pdf .dot)")
    render.add_argument("model", help="a name from pg.models.list_models()")
    render.add_argument("-o", "--output", required=True, metavar="FILE", help="by suffix")
    render.add_argument("--level", choices=["layer", "op"], default="layer")
    render.add_argument("--backward", action="store_true", help="op level: gradient ops too")
    render.add_argument("--depth", type=int, help="module levels drawn (all that fit)")
    render.add_argument("--rankdir", choices=["TB", "LR"], default="TB")
    render.add_argument("--input-shape", type=_shape, help="the model's example by default")
    derive = sub.add_parser("derive", help="the derivation of the loss's gradient (pg.derive)")
    derive.add_argument("model", help="a name from pg.models.list_models()")
    derive.add_argument("--wrt", required=True, metavar="PARAM", help="e.g. features.0.weight")
    derive.add_argument("--latex", action="store_true", help="LaTeX instead of text")
    derive.add_argument("--batch", type=int, default=2, help="batch size of the example (2)")
    derive.add_argument("--no-verify", action="store_true", help="no check against the engine")
    train = sub.add_parser("train", help="train a model on a bundled dataset")
    train.add_argument("model", help="an image model from pg.models.list_models(), e.g. lenet5")
    train.add_argument("--dataset", choices=["digits", "shapes"], default="digits")
    train.add_argument("--epochs", type=int, default=8)
    train.add_argument("--batch-size", type=int, default=64)
    train.add_argument(
        "--optimizer",
        choices=["adam", "sgd"],
        default="adam",
        help="Adam (lr 2e-3) or SGD with momentum 0.9 (lr 0.05), cosine schedule",
    )
    train.add_argument("--lr", type=float, help="the learning rate at the start")
    train.add_argument(
        "--shift",
        type=int,
        help="augment with copies shifted this many pixels (digits: 2, shapes: 0)",
    )
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--save", metavar="PATH", help="write the weights (safetensors) there")
    train.add_argument("--no-progress", action="store_true", help="no progress bars")
    return parser


def _model(name: str, **options):
    import pygraph as pg

    options = {k: v for k, v in options.items() if v is not None}
    try:
        return pg.models.get(name, **options)
    except (ValueError, TypeError) as exc:
        raise SystemExit(f"pygraph: {exc}") from None


def summary(args: argparse.Namespace) -> None:
    import pygraph as pg

    model = _model(args.model, num_classes=args.num_classes)
    shape = args.input_shape or model.example_input_shape
    dtype = getattr(model, "example_input_dtype", "float32")
    try:
        print(pg.summary(model, shape, depth=args.depth, dtype=dtype))
    except ValueError as exc:
        raise SystemExit(f"pygraph: {exc}") from None


def render(args: argparse.Namespace) -> None:
    import pygraph as pg

    model = _model(args.model)
    try:
        pg.render(model, args.output, level=args.level, input_shape=args.input_shape,
                  depth=args.depth, rankdir=args.rankdir, backward=args.backward)  # fmt: skip
    except (ValueError, TypeError, RuntimeError) as exc:
        raise SystemExit(f"pygraph: {exc}") from None
    print(f"wrote {args.output}")


def derive(args: argparse.Namespace) -> None:
    """Cross-entropy on the model's scores (mean squared error for other outputs), derived for
    one parameter, and checked against the engine on random inputs."""
    import numpy as np

    import pygraph as pg

    pg.new_graph()
    model = _model(args.model)
    if any(isinstance(m, pg.nn.Dropout) for m in model.modules()):
        model.eval()  # dropout's masks are random: derive the deterministic network
        print("(the model has dropout, whose masks are random: derived in eval mode, where "
              "dropout is the identity and batch norm uses its running statistics)\n")  # fmt: skip
    shape = (args.batch, *model.example_input_shape[1:])
    dtype = getattr(model, "example_input_dtype", "float32")
    x = pg.input(shape, dtype=dtype, name="x")
    y = model(x)
    y = y[0] if isinstance(y, tuple) else y
    rng = np.random.default_rng(0)
    feeds = {"x": rng.normal(size=shape) if dtype.startswith("float") else np.zeros(shape, dtype)}
    if y.ndim == 2:
        loss = pg.cross_entropy(y, pg.input((args.batch,), dtype="int64", name="t"))
        feeds["t"] = rng.integers(0, y.shape[1], args.batch)
    else:
        loss = pg.mse_loss(y, pg.input(y.shape, name="t"))
        feeds["t"] = rng.normal(size=y.shape)
    try:
        d = pg.derive(loss, args.wrt)
        print(d.latex() if args.latex else d)
        if not args.no_verify:
            print(f"\nchecking against the engine on a random batch of {args.batch} "
                  f"(--no-verify skips this)...", flush=True)  # fmt: skip
            print(f"verified against the engine (float64): max |difference| = "
                  f"{d.verify(**feeds):.1e}")  # fmt: skip
    except (ValueError, NotImplementedError) as exc:
        raise SystemExit(f"pygraph: {exc}") from None


def train(args: argparse.Namespace) -> None:
    from .train_cli import train_model

    train_model(args)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "demo":
        from .demo import run

        run(epochs=args.epochs)
    elif args.command == "summary":
        summary(args)
    elif args.command == "render":
        render(args)
    elif args.command == "derive":
        derive(args)
    else:
        train(args)
    sys.stdout.flush()
    return 0
