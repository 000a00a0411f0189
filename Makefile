# The two commands of the README: `make demo` and `make test`. Both build .venv on their own.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
REPS ?= 200
# pytest processes of `make test` (pytest-xdist): one per CPU by default.
TEST_WORKERS ?= auto

.PHONY: demo test lint bench install warm-up clean

install: $(STAMP)

# Rebuilt whenever pyproject.toml changes, so `make test` refreshes a stale environment.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/ccsim run scenarios/retail_bank_day.yaml --reps $(REPS) --seed 1 --out out/

# Style and types are part of the suite: ruff (lint and format) and mypy, then pytest, which
# finds the fast engine's kernels compiled (into the user's cache folder, once per machine).
# The tests run in TEST_WORKERS processes, a test module or class to each at a time.
test: lint warm-up
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope

# Compiles the kernels of the shipped scenarios, one per CPU at a time; seconds when cached.
warm-up: $(STAMP)
	$(BIN)/ccsim warm-up

lint: $(STAMP)
	$(BIN)/ruff check sim tests benchmarks experiments scripts docs/examples
	$(BIN)/ruff format --check sim tests benchmarks experiments scripts docs/examples
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engines.py

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
