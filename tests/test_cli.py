"""The `pygraph` command line: summary, train, demo (run in-process through cli.main)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import pygraph as pg
from pygraph.cli import main


def test_summary_command_prints_the_zoo_models_table(capsys):
    assert main(["summary", "resnet18", "--depth", "1"]) == 0
    out = capsys.readouterr().out
    assert "11,689,512" in out and "1.814 G" in out and "layer4" in out
    main(["summary", "lenet5", "--input-shape", "2,1,32,32", "--num-classes", "4"])
    out = capsys.readouterr().out
    assert "(2, 4)" in out and "Params: 61,196" in out  # 61,706 - (84*10 + 10) + (84*4 + 4)


def test_summary_command_errors_are_one_line_messages():
    with pytest.raises(SystemExit, match="unknown model 'nope'; known: alexnet"):
        main(["summary", "nope"])
    with pytest.raises(SystemExit, match=r"layer 'classifier.0' \(Linear\) failed"):
        main(["summary", "lenet5", "--input-shape", "1,1,28,28"])
    with pytest.raises(SystemExit):  # argparse: not a shape
        main(["summary", "lenet5", "--input-shape", "1,one"])


def test_train_command_trains_and_saves_weights(tmp_path, capsys):
    path = tmp_path / "shapes.safetensors"
    argv = ["train", "lenet5", "--dataset", "shapes", "--epochs", "2", "--no-progress"]
    main([*argv, "--save", str(path)])
    out = capsys.readouterr().out
    assert "lenet5 on shapes" in out and "epoch 2:" in out and "test accuracy" in out
    model = pg.models.lenet5(num_classes=3)
    pg.load(path, into=model)
    X, y, X_test, y_test = pg.data.shapes()
    accuracy = float((model.eval()(X_test).argmax(1) == y_test).mean())
    printed = float(out.split("test accuracy ")[-1].split("%")[0]) / 100
    assert abs(accuracy - printed) < 1e-3  # the saved weights are the trained ones
    assert accuracy > 1 / 3 + 0.1  # better than chance after two epochs


def test_train_command_refuses_models_that_do_not_take_images():
    with pytest.raises(SystemExit, match="lstm does not take"):
        main(["train", "lstm", "--epochs", "1"])


def test_demo_runs(capsys):
    assert main(["demo", "--epochs", "1"]) == 0
    out = capsys.readouterr().out
    assert "max_pool2d" in out and "Params: 61,706" in out and "test accuracy" in out
    if importlib.util.find_spec("sympy"):  # the derivation (the `derive` extra)
        assert "∂L/∂W⁽¹⁾[j, i] = Σ_n" in out
        assert float(out.split("max |difference| = ")[1].split()[0]) < 1e-9
    assert np.isfinite(float(out.split("(loss ")[-1].split(")")[0]))


def test_render_command_writes_the_file(tmp_path, capsys):
    path = tmp_path / "lenet.dot"
    assert main(["render", "lenet5", "-o", str(path), "--level", "op", "--backward"]) == 0
    assert "conv_backward" in path.read_text() and str(path) in capsys.readouterr().out
    main(["render", "resnet18", "-o", str(tmp_path / "r.dot"), "--depth", "1"])
    assert "layer4" in (tmp_path / "r.dot").read_text()
    with pytest.raises(SystemExit, match="unknown file suffix"):
        main(["render", "lenet5", "-o", str(tmp_path / "x.jpg")])


def test_derive_command_prints_and_verifies_the_derivation(capsys):
    pytest.importorskip("sympy")
    assert main(["derive", "lenet5", "--wrt", "features.0.weight"]) == 0
    out = capsys.readouterr().out
    assert "∂L/∂W⁽¹⁾[o, c, p, q] = Σ_{n,i,j}" in out and "for l = 4, 3" in out
    diff = float(out.split("max |difference| = ")[1].split()[0])
    assert diff < 1e-9
    main(["derive", "lenet5", "--wrt", "classifier.4.bias", "--latex", "--no-verify"])
    out = capsys.readouterr().out
    assert out.startswith("\\begin{align*}") and "verified" not in out


def test_derive_command_errors_are_one_line_messages():
    pytest.importorskip("sympy")
    with pytest.raises(SystemExit, match="no parameter or input named 'nope'"):
        main(["derive", "lenet5", "--wrt", "nope"])
    with pytest.raises(SystemExit, match="unknown model 'nope'"):
        main(["derive", "nope", "--wrt", "fc.weight"])
