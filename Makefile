# Two commands on a fresh machine:
#   make run    set up .venv and run the default scenario (results/ + plots)
#   make test   set up .venv and run lint and the test suite
# Also: make validate (regenerate docs/validation.md), make validate-fast (the pattern tests only), make ablation, make shock-responses, make sensitivity, make calibrate, make bench (benchmarks), make fuzz (long input fuzzing).
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SCENARIO ?= scenarios/us_retrenchment.yaml

.PHONY: run test lint format bench validate validate-fast ablation shock-responses sensitivity calibrate fuzz setup clean

$(STAMP): pyproject.toml
	@PYTHON_BIN=$$(tools/find-python) && "$$PYTHON_BIN" -m venv $(VENV)
	@echo "installing dependencies into $(VENV) (a minute or two on a fresh machine)…"
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --progress-bar on -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/eujsim run $(SCENARIO)

test: $(STAMP)
	$(VENV)/bin/ruff check --no-cache .
	$(VENV)/bin/ruff format --check --no-cache .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check --no-cache .
	$(VENV)/bin/ruff format --check --no-cache .
	$(VENV)/bin/lint-imports --no-cache

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Pattern-oriented validation, full: rewrites docs/validation.md and its figures from real runs (the
# patterns at calibrated values with common random numbers and independent seeds, one parameter at a
# time at both range ends, every pattern over a joint Latin hypercube of its mechanism's parameters
# with scenario discovery where it fails, structural variants, the backcast against the coded
# history) and includes the out-of-sample table that `make calibrate` last wrote. About 8 minutes on 2 cores (8 min 0 s measured).
validate: $(STAMP)
	$(PY) -m simulator.reports.validation_report

# Pattern-oriented validation, fast: the ten patterns at calibrated values and their known shortfalls,
# as the test suite asserts them; rewrites nothing (about a minute).
validate-fast: $(STAMP)
	$(PY) -m pytest -q tests/test_patterns.py

# Mechanism ablation: rewrites docs/ablation.md and docs/ablation.csv from real runs (every ODD
# mechanism switched off in turn in every scenario file, 100 replicates; about 2 minutes).
ablation: $(STAMP)
	$(PY) -m simulator.reports.ablation_report

# Shock responses: rewrites docs/shock_responses.md and .csv from real runs (every library shock in
# a standard scenario, and the backcast's response to the 2022 invasion; about 10 seconds).
shock-responses: $(STAMP)
	$(PY) -m simulator.reports.shock_response_report

# Sensitivity: rewrites docs/sensitivity.md and .csv from real sweeps (Morris screening of every
# calibrated parameter in three scenarios, then Sobol' indices of the top parameters at N and 2N;
# sweep folders go to a temporary folder; about 3 minutes on 2 cores).
sensitivity: $(STAMP)
	$(PY) -m simulator.reports.sensitivity_report

# Calibration: rewrites simulator/data/ensembles/calibrated.csv and .yaml (the ABC-calibrated parameter
# ensemble) and docs/calibration.md with its out-of-sample check, from real runs (15,000 prior
# samples of the backcast, 4 replicates each, in one lockstep sweep; 3.5 to 8 minutes on 2 cores, depending on what else runs).
calibrate: $(STAMP)
	$(PY) -m simulator.reports.calibration_report

# Fuzz the file readers for longer than `make test` does: tests/test_fuzz.py draws FUZZ_EXAMPLES
# mutants of the shipped scenario, experiment and shock-library files per test (the suite draws
# 40-120) and also runs the mutated scenarios that validate. FUZZ_EXAMPLES=2000 took 3 min 20 s
# on two shared cores; a failing example is kept in .hypothesis/ and tried first next time.
FUZZ_EXAMPLES ?= 2000
fuzz: $(STAMP)
	EUJSIM_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -q tests/test_fuzz.py

bench: $(STAMP)
	$(PY) benchmarks/bench_startup.py
	$(PY) benchmarks/bench_run.py
	$(PY) benchmarks/bench_sweep.py
	$(PY) benchmarks/bench_sweep.py --engine fused --sizes 1000,10000,100000,1000000
	$(PY) benchmarks/bench_interop.py
	$(PY) benchmarks/bench_explore.py
	$(PY) benchmarks/bench_limit.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
