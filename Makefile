# Every target creates .venv itself, so they work from a fresh clone.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The demo's own environment: the package alone (seconds to create), not the toolchain.
DEMO_VENV := .venv-demo
DEMO_STAMP := $(DEMO_VENV)/.installed
# `make demo PAGE_PORT=8100 API_PORT=8101` when 8000 or 8001 is taken.
PAGE_PORT ?= 8000
API_PORT ?= 8001
# Extra nox arguments for `make matrix`, e.g. NOX="-p 3.12" or NOX="--parallel 2". The
# cells run one at a time by default: the server tests are steadier on an unloaded core.
NOX ?=

.PHONY: venv demo test test-fast lint typecheck docs matrix bench clean

$(STAMP): setup.cfg pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,fuzz,docs,dev]'
	touch $(STAMP)

venv: $(STAMP)

$(DEMO_STAMP): setup.cfg pyproject.toml
	$(PY) -m venv $(DEMO_VENV)
	$(DEMO_VENV)/bin/pip install --quiet --disable-pip-version-check -e .
	touch $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(DEMO_VENV)/bin/python examples/demo.py --page-port $(PAGE_PORT) --api-port $(API_PORT)

# The whole suite on the default Python: unit, adapters, real servers, real browsers,
# fuzz, lint, types, docs.
test: lint typecheck docs
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not browser and not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

docs: $(STAMP)
	$(BIN)/python -m sphinx -W -q -b html docs docs/_build/html

# Every supported Python x Flask x Django without browsers, then the built wheel
# installed in a clean venv (noxfile.py). Needs python3.10 ... python3.13 (pyenv).
matrix: $(STAMP)
	$(BIN)/nox $(NOX)

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) $(DEMO_VENV) .nox build dist *.egg-info docs/_build .pytest_cache .mypy_cache .ruff_cache
