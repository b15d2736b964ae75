# soko: the two commands are `make compendium` and `make test` (see README.md).
# Needs only python3.11 and make; uv (pinned) is installed into .tools/ on first use.

PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
SOKO := $(BIN)/soko
JOBS ?= 2

# No interpreter downloads, bytecode compiled at install (every notebook kernel re-imports
# pandas/seaborn: see ../shared/engineering.md), no telemetry, no GUI backend.
export UV_PYTHON_DOWNLOADS := never
export UV_COMPILE_BYTECODE := 1
export GX_ANALYTICS_ENABLED := false
export MPLBACKEND := Agg
# One BLAS thread and a fixed hash seed in every process (soko.pipeline.graph.DETERMINISTIC_ENV:
# results must not depend on the thread count; tables computed in the test process too).
export OMP_NUM_THREADS := 1
export OPENBLAS_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export PYTHONHASHSEED := 0

.PHONY: setup compendium demo ingest build test references lint format lab bench clean distclean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --python $(PYTHON)
	@touch $@

## setup: create .venv from the lock file (done automatically by the other targets)
setup: $(VENV)/.installed

## compendium: demo data if data/raw is empty, ingest, build; prints the index path
compendium: setup
	@$(SOKO) check-config || exit 2
	@test -n "$$(ls -A data/raw 2>/dev/null | grep -v '^.gitkeep$$')" || $(SOKO) demo --out data/raw
	@$(SOKO) ingest; ingest=$$?; \
	 $(SOKO) build --jobs $(JOBS); build=$$?; \
	 if [ $$ingest -ne 0 ] || [ $$build -ne 0 ]; then \
	   echo "Сборник собран, но были ошибки (см. выше): код завершения 1."; exit 1; fi

## demo: (re)generate the demo region into data/raw
demo: setup
	$(SOKO) demo --out data/raw

ingest: setup
	$(SOKO) ingest

build: setup
	$(SOKO) build --jobs $(JOBS)

## test: lint, the import-layer contract (.importlinter), unit, contract and notebook tests,
## the templates' reference notebooks (pytest --nbval, tests/reference/)
test: setup
	$(BIN)/ruff check soko tests benchmarks pipelines
	$(BIN)/ruff format --check soko tests benchmarks pipelines
	$(BIN)/lint-imports
	$(BIN)/pytest

## references: re-execute every template against the small demo into tests/reference/ (nbval's
## reference notebooks); review the change as `git diff tests/reference` and commit it
references: setup
	$(BIN)/python -m tests.make_references --jobs $(JOBS)

lint: setup
	$(BIN)/ruff check soko tests benchmarks pipelines
	$(BIN)/ruff format --check soko tests benchmarks pipelines
	$(BIN)/lint-imports

format: setup
	$(BIN)/ruff format soko tests benchmarks pipelines

## lab: JupyterLab on notebooks/ (no extension manager: nothing is fetched from PyPI at run time)
LAB_ARGS ?=
lab: setup
	$(BIN)/jupyter lab --notebook-dir=notebooks --LabApp.extension_manager=readonly \
	  $$([ "$$(id -u)" = 0 ] && echo --allow-root) $(LAB_ARGS)

bench: setup
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b; done

clean:
	rm -rf data/processed/* reports/* && touch data/processed/.gitkeep reports/.gitkeep

distclean: clean
	rm -rf $(VENV) $(TOOLS) data/raw/* data/truth && touch data/raw/.gitkeep
