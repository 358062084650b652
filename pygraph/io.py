"""Save and load weights: a dict name -> numpy array in the safetensors format (a JSON
header plus raw little-endian bytes; no pickle, so loading a file never runs code).

Writes are atomic: the bytes go to a temporary file in the target's directory, are fsynced,
then renamed over the target, so a crash leaves the old file or the new one, never half.

>>> import os, tempfile, numpy as np, pygraph as pg
>>> path = os.path.join(tempfile.mkdtemp(), "w.safetensors")
>>> pg.save({"w": np.ones((2, 3), np.float32)}, path, metadata={"epoch": "3"})
>>> pg.load(path)["w"].shape
(2, 3)
>>> pg.io.metadata(path)["epoch"]
'3'
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from typing import Any

import numpy as np

from .graph import Tensor

__all__ = ["check_state", "load", "metadata", "save"]

# dtypes safetensors stores (numpy side); object arrays, strings and the like are refused
_DTYPES = {"bool", "uint8", "int8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
           "float16", "float32", "float64"}  # fmt: skip


def _safetensors():
    try:
        import safetensors.numpy
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ImportError("pg.save/pg.load need the safetensors package: "
                          "pip install safetensors") from exc  # fmt: skip
    return safetensors


def _state_of(obj: Any) -> dict[str, np.ndarray]:
    """The name -> array dict to save: obj.state_dict() for a module, values of param
    Tensors, arrays as they are."""
    state = obj.state_dict() if hasattr(obj, "state_dict") else obj
    if not isinstance(state, Mapping):
        raise TypeError(f"pg.save: expected a dict of arrays or an object with state_dict(), "
                        f"got {type(obj).__name__}")  # fmt: skip
    out = {}
    for name, value in state.items():
        if not isinstance(name, str):
            raise TypeError(f"pg.save: names must be str, got {name!r}")
        arr = value.value if isinstance(value, Tensor) else np.asarray(value)
        if arr.dtype.name not in _DTYPES:
            raise TypeError(f"pg.save: '{name}' has dtype {arr.dtype}, which safetensors cannot "
                            f"store (numeric and bool arrays only)")  # fmt: skip
        out[name] = arr if arr.flags.c_contiguous else arr.copy(order="C")  # 0-d stays 0-d
    return out


def _write_atomic(path: str, payload: bytes) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    # the rename itself is durable only once the directory entry is on disk
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def save(state: Any, path: str | os.PathLike, metadata: Mapping[str, str] | None = None) -> None:
    """Write weights to `path` (safetensors): a dict name -> array (or param Tensor), or an
    object with state_dict() such as a module. metadata: extra str -> str entries stored in
    the header beside pygraph's version (read back with pg.io.metadata)."""
    from . import __version__

    path = os.fspath(path)
    meta = {"format": "np", "pygraph_version": __version__}
    for key, value in (metadata or {}).items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"pg.save: metadata must map str to str, got {key!r}: {value!r}")
        meta[key] = value
    payload = _safetensors().numpy.save(_state_of(state), metadata=meta)
    _write_atomic(path, payload)


def _open(path: str):
    st = _safetensors()
    if not os.path.isfile(path):
        raise FileNotFoundError(f"pg.load: no file {path!r}")
    try:
        return st.safe_open(path, framework="np")
    except Exception as exc:  # the library's own error type differs across versions
        raise ValueError(f"pg.load: {path!r} is not a safetensors file ({exc}); pygraph reads "
                         "only safetensors (never pickle)") from exc  # fmt: skip


def metadata(path: str | os.PathLike) -> dict[str, str]:
    """The header metadata of a saved file (pygraph_version and the user's entries)."""
    with _open(os.fspath(path)) as f:
        return dict(f.metadata() or {})


def load(path: str | os.PathLike, into: Any = None) -> dict[str, np.ndarray]:
    """Read a safetensors file into a dict name -> numpy array.

    into: an object with state_dict()/load_state_dict() (a module) or a dict name -> param
    Tensor or array; the file must then hold exactly its names, shapes and dtypes (check_state says
    what differs), and the values are loaded into it. Returns the dict either way.
    """
    with _open(os.fspath(path)) as f:
        state = {name: f.get_tensor(name) for name in f.keys()}
    if into is None:
        return state
    current = into.state_dict() if hasattr(into, "state_dict") else into
    expected = {name: _shape_dtype(v) for name, v in current.items()}
    check_state(expected, state)
    if hasattr(into, "load_state_dict"):
        into.load_state_dict(state)
    else:
        for name, target in into.items():  # param Tensors are assigned, arrays overwritten
            if isinstance(target, Tensor):
                target.value = state[name]
            else:
                np.copyto(target, state[name])
    return state


def _shape_dtype(v: Any) -> tuple[tuple[int, ...], str]:
    if isinstance(v, tuple) and len(v) == 2:
        return tuple(v[0]), np.dtype(v[1]).name
    return tuple(v.shape), np.dtype(v.dtype).name


def check_state(expected: Mapping[str, Any], got: Mapping[str, Any]) -> None:
    """Raise ValueError listing every difference between the names, shapes and dtypes
    expected (name -> (shape, dtype), or anything with .shape and .dtype) and those got.

    >>> check_state({"w": ((2,), "float32")}, {"w": np.zeros(3, np.float32), "b": np.zeros(1)})
    Traceback (most recent call last):
    ...
    ValueError: state does not match: unexpected b; w: shape (3,) where (2,) is expected
    """
    want = {k: _shape_dtype(v) for k, v in expected.items()}
    have = {k: _shape_dtype(v) for k, v in got.items()}
    problems = []
    missing = [k for k in want if k not in have]
    unexpected = [k for k in have if k not in want]
    if missing:
        problems.append("missing " + ", ".join(missing))
    if unexpected:
        problems.append("unexpected " + ", ".join(unexpected))
    for name in (k for k in want if k in have):
        (ws, wd), (hs, hd) = want[name], have[name]
        if ws != hs:
            problems.append(f"{name}: shape {hs} where {ws} is expected")
        if wd != hd:
            problems.append(f"{name}: dtype {hd} where {wd} is expected")
    if problems:
        raise ValueError("state does not match: " + "; ".join(problems))
