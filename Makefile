# Two commands on a fresh machine:
#   make run    set up .venv and run the default scenario (results/ + plots)
#   make test   set up .venv and run lint and the test suite
# Also: make validate (regenerate docs/validation.md), make bench (benchmarks).
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SCENARIO ?= scenarios/us_retrenchment.yaml

.PHONY: run test lint format bench validate setup clean

$(STAMP): pyproject.toml
	@PYTHON_BIN=$$(tools/find-python) && "$$PYTHON_BIN" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/eujsim run $(SCENARIO)

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Pattern-oriented validation: rewrites docs/validation.md and docs/img/backcast.png from real runs.
validate: $(STAMP)
	$(PY) -m simulator.validation_report

bench: $(STAMP)
	$(PY) benchmarks/bench_run.py
	$(PY) benchmarks/bench_sweep.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
