"""The README's example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import pygraph as pg

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_example_runs():
    block = re.search(r"## A short example\n\n```python\n(.*?)```", README.read_text(), re.S)
    assert block, "README lost its example"
    scope: dict = {}
    threads = pg.num_threads()
    try:  # the example sets the thread count (the ISA cap is restored by conftest)
        exec(compile(block.group(1), "README.md", "exec"), scope)
    finally:
        pg.set_num_threads(threads)
    assert scope["h"].shape == (8, 16, 16, 16)
    assert scope["gw"].shape == scope["w"].shape and scope["gb"] is None


def test_readme_graph_example_runs():
    block = re.search(r"## Graphs and gradients\n\n```python\n(.*?)```", README.read_text(), re.S)
    assert block, "README lost its graph example"
    pg.new_graph()
    scope: dict = {}
    exec(compile(block.group(1), "README.md", "exec"), scope)
    assert scope["gw_v"].shape == (3, 2) and np.isfinite(scope["loss_v"])


def test_readme_data_example_runs(tmp_path, monkeypatch):
    block = re.search(
        r"## Data, schedules, saving\n\n```python\n(.*?)```", README.read_text(), re.S
    )
    assert block, "README lost its data example"
    monkeypatch.chdir(tmp_path)  # the example writes shapes.safetensors
    scope: dict = {}
    exec(compile(block.group(1), "README.md", "exec"), scope)
    assert np.isfinite(scope["loss"]) and (tmp_path / "shapes.safetensors").exists()
    assert scope["opt"].lr < 1e-3  # the cosine schedule reached its end


def test_readme_module_example_runs():
    block = re.search(r"## Modules\n\n```python\n(.*?)```", README.read_text(), re.S)
    assert block, "README lost its module example"
    scope: dict = {}
    exec(compile(block.group(1), "README.md", "exec"), scope)
    assert scope["logits"].shape == (8, 10) and "1.running_var" in scope["state"]
    assert np.abs(scope["model"][1].running_mean.value).max() > 0  # the step updated it
    table = scope["table"]  # conv 6*1*5*5*28*28*8 + linear 1176*10*8 MACs
    assert table.total_macs == 6 * 25 * 28 * 28 * 8 + 6 * 14 * 14 * 10 * 8
    assert "Conv2d" in str(table)


def test_readme_models_example_runs():
    block = re.search(r"## Models\n\n```python\n(.*?)```", README.read_text(), re.S)
    assert block, "README lost its models example"
    scope: dict = {}
    exec(compile(block.group(1), "README.md", "exec"), scope)
    assert scope["n"] == 61706 and scope["y"].shape == (1, 2, 64, 64)
    assert scope["model"].fc.out_features == 10
    assert "vit_tiny" in scope["pg"].models.list_models()


def test_readme_training_example_runs():
    block = re.search(r"## Training\n\n```python\n(.*?)```", README.read_text(), re.S)
    assert block, "README lost its training example"
    scope: dict = {}
    exec(compile(block.group(1), "README.md", "exec"), scope)
    history = scope["history"]
    assert len(history) == 4 and history["lr"] == [0.05, 0.05, 0.025, 0.025]
    assert history["val_accuracy"][-1] > 0.6  # three classes: chance is 1/3
    assert scope["scores"].shape == (len(scope["X_test"]), 3)


def test_readme_derivation_example_runs():
    pytest.importorskip("sympy")
    block = re.search(r"## Derivations\n\n```python\n(.*?)```", README.read_text(), re.S)
    assert block, "README lost its derivation example"
    pg.new_graph()
    scope: dict = {}
    exec(compile(block.group(1), "README.md", "exec"), scope)
    assert scope["err"] < 1e-9 and scope["grad"].shape == (5, 3)
