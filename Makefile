# The same commands for people and CI: `make demo` runs the main job, `make test` the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

NBVAL  := --nbval-current-env -p no:cacheprovider

.PHONY: install demo test test-fast test-casebook golden bench bench-class fuzz screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,dask]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

install: $(STAMP)  ## create .venv if missing and install the kit with its dev tools

demo: install  ## validate the sample casebook, print its outcomes and render it to reports/
	$(BIN)/ipt-nb validate --strict casebook/cases casebook/cases/group-riverside
	$(BIN)/ipt-nb summary casebook/cases casebook/cases/group-riverside
	$(BIN)/ipt-nb render casebook/cases casebook/cases/group-riverside --out reports

test: install  ## lint, types, the unit tests, the golden notebooks (nbval), then the casebook as-is (nbval-lax)
	$(BIN)/ruff check src tests benchmarks casebook widgets
	$(BIN)/ruff format --check src tests benchmarks casebook widgets
	$(BIN)/mypy
	$(BIN)/python -m pytest $(NBVAL) --nbval-lax casebook widgets
	$(BIN)/python -m pytest $(NBVAL) --nbval --nbval-sanitize-with tests/golden/sanitize.cfg tests --ignore=tests/golden/full

test-fast: install  ## lint, types and every test that needs no kernel, server or browser (a few minutes)
	$(BIN)/ruff check src tests benchmarks casebook widgets
	$(BIN)/mypy
	$(BIN)/python -m pytest -p no:cacheprovider -m "not slow" -q tests --ignore=tests/golden

test-casebook: install  ## the golden notebooks of every casebook case (make test checks a representative six)
	$(BIN)/python -m pytest $(NBVAL) --nbval --nbval-sanitize-with tests/golden/sanitize.cfg tests/golden/full

golden: install  ## re-execute the casebook notebooks into tests/golden (review the diff before committing)
	$(BIN)/python tests/make_golden.py

fuzz: install  ## a long fuzz of the loader and the CLI (30 times the inputs of make test)
	IPT_FUZZ_SCALE=30 $(BIN)/python -m pytest tests/test_fuzz.py tests/test_yaml.py -q --hypothesis-show-statistics
	IPT_FUZZ_SCALE=10 $(BIN)/python -m pytest tests/test_forms.py -q -k any_text

screenshots: install  ## re-take the app, deck and class screenshots in docs/img with the browser tests
	IPT_NB_SCREENSHOTS=docs/img $(BIN)/python -m pytest tests/browser/test_app.py tests/browser/test_deck.py tests/browser/test_class.py -q

bench: install  ## speed figures (ratios against a baseline in the same run); every script runs, then a summary
	$(BIN)/python benchmarks/run_all.py

bench-class: install  ## 30 students join class serve at once: time to the exercise, memory, kernels released
	$(BIN)/python benchmarks/bench_class.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis reports
