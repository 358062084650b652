# The front door: `make demo` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip install --quiet
BUILD  := build/dev

.PHONY: demo test build deps test-deps bench lint clean

demo: build
	$(PY) -m pygraph demo

test: build test-deps
	$(PY) -m pytest -q

build: deps
	$(VENV)/bin/cmake -S . -B $(BUILD) -G Ninja -DPython_EXECUTABLE=$(abspath $(PY)) \
	    -Dpybind11_DIR=$$($(PY) -m pybind11 --cmakedir) > $(BUILD).configure.log
	$(VENV)/bin/ninja -C $(BUILD)

# Python packages from PyPI (the package's dependencies, its `data` and `derive` extras); Graphviz's dot
# from Debian's packages when it is missing.
deps: $(VENV)/.deps
$(VENV)/.deps: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) "scikit-build-core>=0.10" "pybind11>=2.12" cmake ninja numpy safetensors tqdm
	$(PIP) scikit-learn  # the `data` extra: pg.data.digits (the demo trains on it)
	$(PIP) sympy  # the `derive` extra: pg.derive (the demo prints a derivation)
	command -v dot >/dev/null || { apt-get update -qq && apt-get install -y -qq graphviz; }
	mkdir -p build && touch $@

# Oracles and tools for the tests (matplotlib: the `plot` extra, so its test runs).
# torch==2.13.0 is a CPU wheel on these machines (no other version: any other spec
# downloads gigabytes of CUDA packages).
test-deps: $(VENV)/.test-deps
$(VENV)/.test-deps: pyproject.toml $(VENV)/.deps
	$(PIP) pytest scipy nbclient nbformat ipykernel sympy matplotlib "torch==2.13.0"
	touch $@

bench: build test-deps
	$(PY) benchmarks/run.py

lint: test-deps
	$(PIP) ruff
	$(VENV)/bin/ruff check pygraph tests benchmarks

clean:
	rm -rf build $(VENV) pygraph/_core*.so
