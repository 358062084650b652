"""pg.save / pg.load: the bytes against the safetensors layout read by hand, round trips of
every dtype, loading into params and modules with exact mismatch messages, atomic writes,
and no pickle anywhere."""

from __future__ import annotations

import json
import os
import pickle
import re
import struct
from pathlib import Path

import numpy as np
import pytest

import pygraph as pg

ST_DTYPES = {"F16": np.float16, "F32": np.float32, "F64": np.float64, "I64": np.int64,
             "U8": np.uint8, "BOOL": np.bool_, "I32": np.int32}  # fmt: skip


def _read_by_hand(path: Path) -> tuple[dict, dict]:
    """The safetensors layout: u64 little-endian header length, JSON header, raw bytes."""
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    data = raw[8 + n :]
    out = {}
    for name, info in header.items():
        lo, hi = info["data_offsets"]
        dtype = np.dtype(ST_DTYPES[info["dtype"]]).newbyteorder("<")
        out[name] = np.frombuffer(data[lo:hi], dtype=dtype).reshape(info["shape"])
    return out, meta


def _state(rng) -> dict[str, np.ndarray]:
    return {
        "conv.weight": rng.standard_normal((4, 1, 3, 3)).astype(np.float32),
        "fc.bias": rng.standard_normal(5),
        "steps": np.array(7, np.int64),  # 0-d stays 0-d
        "mask": rng.random((3, 2)) > 0.5,
        "half": rng.standard_normal(6).astype(np.float16),
        "pixels": rng.integers(0, 255, (2, 2), dtype=np.uint8),
        "empty": np.zeros((0, 3), np.int32),
        "strided": np.arange(12, dtype=np.float32).reshape(3, 4)[:, ::2],  # not contiguous
    }


def test_round_trip_is_exact_and_the_file_is_plain_safetensors(tmp_path, rng):
    state, path = _state(rng), tmp_path / "w.safetensors"
    pg.save(state, path, metadata={"epoch": "12", "note": "digits"})
    loaded = pg.load(path)
    by_hand, meta = _read_by_hand(path)
    assert set(loaded) == set(by_hand) == set(state)
    for name, want in state.items():
        for got in (loaded[name], by_hand[name]):
            assert got.shape == want.shape and got.dtype == want.dtype, name
            np.testing.assert_array_equal(got, want)
    assert meta == {"format": "np", "pygraph_version": pg.__version__, "epoch": "12",
                    "note": "digits"}  # fmt: skip
    assert pg.io.metadata(path) == meta


def test_save_and_load_params(tmp_path):
    w = pg.param((2, 3), init="normal", name="w")
    b = pg.param((3,), init="zeros", name="b")
    x = pg.input((1, 2), name="x")
    f = pg.compile(x @ w + b)
    pg.save({"w": w, "b": b}, tmp_path / "p.safetensors")
    saved_w = w.value
    w.value, b.value = np.zeros((2, 3)), np.ones(3)
    pg.load(tmp_path / "p.safetensors", into={"w": w, "b": b})
    np.testing.assert_array_equal(w.value, saved_w)
    ones = np.ones((1, 2), np.float32)
    np.testing.assert_allclose(f(x=ones), ones @ saved_w, rtol=1e-6)  # the program sees it


class _Module:
    """What pg.nn.Module offers pg.save/pg.load: state_dict() and load_state_dict()."""

    def __init__(self, rng) -> None:
        self.w = rng.standard_normal((3, 2)).astype(np.float32)
        self.steps = np.array(0, np.int64)

    def state_dict(self) -> dict[str, np.ndarray]:
        return {"fc.weight": self.w, "steps": self.steps}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        self.w, self.steps = state["fc.weight"], state["steps"]


def test_objects_with_state_dict(tmp_path, rng):
    a, b = _Module(rng), _Module(rng)
    a.steps = np.array(5, np.int64)
    pg.save(a, tmp_path / "m.safetensors")
    pg.load(tmp_path / "m.safetensors", into=b)
    np.testing.assert_array_equal(b.w, a.w)
    assert b.steps == 5


def test_load_into_says_exactly_what_does_not_match(tmp_path, rng):
    pg.save({"fc.weight": np.zeros((2, 2), np.float64), "extra": np.zeros(1)}, tmp_path / "m")
    target = _Module(rng)
    before = target.w.copy()
    msg = ("state does not match: missing steps; unexpected extra; "
           "fc.weight: shape (2, 2) where (3, 2) is expected; "
           "fc.weight: dtype float64 where float32 is expected")  # fmt: skip
    with pytest.raises(ValueError, match=f"^{re.escape(msg)}$"):
        pg.load(tmp_path / "m", into=target)
    np.testing.assert_array_equal(target.w, before)  # nothing loaded


def test_check_state_accepts_shape_dtype_pairs_and_arrays():
    pg.io.check_state({"w": ((2,), "float32"), "t": ((), np.int64)},
                      {"w": np.zeros(2, np.float32), "t": np.array(1)})  # fmt: skip
    pg.io.check_state({"w": np.zeros(2, np.float32)}, {"w": np.ones(2, np.float32)})
    with pytest.raises(ValueError, match=r"^state does not match: missing w$"):
        pg.io.check_state({"w": ((2,), "float32")}, {})


def test_pickle_files_are_refused(tmp_path):
    path = tmp_path / "weights.pkl"
    path.write_bytes(pickle.dumps({"w": np.ones(3)}))
    with pytest.raises(ValueError, match=r"is not a safetensors file .*never pickle"):
        pg.load(path)
    torch = pytest.importorskip("torch")
    torch.save({"w": torch.ones(3)}, tmp_path / "w.pt")  # a zip holding a pickle
    with pytest.raises(ValueError, match=r"is not a safetensors file"):
        pg.load(tmp_path / "w.pt")
    with pytest.raises(TypeError, match=r"pg.save: 'obj' has dtype object"):
        pg.save({"obj": np.array([{"a": 1}], dtype=object)}, tmp_path / "o")


def test_no_pickle_in_the_package():
    root = Path(pg.__file__).parent
    for src in root.rglob("*.py"):
        text = src.read_text()
        assert "import pickle" not in text and "allow_pickle=True" not in text, src


def test_bad_input(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"pg.load: no file"):
        pg.load(tmp_path / "missing.safetensors")
    with pytest.raises(TypeError, match=r"pg.save: metadata must map str to str"):
        pg.save({"w": np.ones(1)}, tmp_path / "w", metadata={"epoch": 3})
    with pytest.raises(TypeError, match=r"pg.save: names must be str, got 3"):
        pg.save({3: np.ones(1)}, tmp_path / "w")
    with pytest.raises(TypeError, match=r"expected a dict of arrays .* got list"):
        pg.save([np.ones(1)], tmp_path / "w")
    pg.save({"w": np.ones(100)}, tmp_path / "w")
    (tmp_path / "cut").write_bytes((tmp_path / "w").read_bytes()[:200])  # a half-written file
    with pytest.raises(ValueError, match=r"is not a safetensors file"):
        pg.load(tmp_path / "cut")
    assert sorted(os.listdir(tmp_path)) == ["cut", "w"]  # a failed save leaves nothing behind


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failed_write_keeps_the_old_file_and_no_temp(tmp_path, monkeypatch, failing):
    path = tmp_path / "w.safetensors"
    pg.save({"w": np.zeros(3)}, path)
    old = path.read_bytes()

    def boom(*args):
        raise OSError(f"{failing} failed (test)")

    monkeypatch.setattr(os, failing, boom)
    with pytest.raises(OSError, match="failed"):
        pg.save({"w": np.ones(3)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["w.safetensors"]
    pg.save({"w": np.ones(3)}, path)  # and a write that succeeds replaces it
    np.testing.assert_array_equal(pg.load(path)["w"], np.ones(3))
