# riskscore: `make all` runs the whole pipeline on the shipped data; `make test` runs the tests.
# Both create .venv and install the package into it first, so a fresh clone needs nothing else.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SHARED ?= ../shared
OUT    ?= out

.PHONY: all test lint format datasets validate clean setup bench report docs coverage bytecode

# validate, score, history, backtest, uncertainty, exports and report in one process (the same
# files as running those commands one by one; see riskscore/commands/pipeline_run.py)
all: bytecode
	$(BIN)/riskscore all --out $(OUT)

setup: $(STAMP)

# The static site out/report/ (index, a page per member) and out/report/summary.md, as of today.
report: bytecode
	$(BIN)/riskscore report --out $(OUT)

# The package's bytecode, compiled ahead (only what changed): an editable install gets none from
# pip, and where PYTHONDONTWRITEBYTECODE is set every command would compile its ~40 modules
# again (about 0.15 s of each run).
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q riskscore

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

test: $(STAMP)
	$(BIN)/pytest

# Line coverage of riskscore/ and every public function no test executes (tests/coverage_audit.py).
# Its files go to build/ (ignored by git), not to out/, which holds the analysts' outputs.
coverage: $(STAMP)
	@mkdir -p build
	$(BIN)/coverage run --source=riskscore --data-file=build/.coverage -m pytest -p no:cacheprovider
	$(BIN)/coverage json --data-file=build/.coverage -o build/coverage.json
	$(BIN)/python tests/coverage_audit.py build/coverage.json

lint: $(STAMP)
	$(BIN)/ruff check riskscore tests benchmarks
	$(BIN)/ruff format --check riskscore tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format riskscore tests
	$(BIN)/ruff check --fix riskscore tests

# Rebuild the tidy tables in datasets/ from the raw public extracts in $(SHARED), then validate them.
datasets: $(STAMP)
	$(BIN)/riskscore ingest --shared $(SHARED) --out datasets
	$(BIN)/riskscore validate datasets

# Speed as ratios and scaling curves (out/bench.json), never as timed test assertions.
bench: bytecode
	$(BIN)/python benchmarks/run.py

# docs/outputs.md from the output registry (riskscore/outputs.py) and riskscore/schema_columns.py
# from the pandera models (riskscore/schema_models.py); tests check both are current.
docs: $(STAMP)
	$(BIN)/python -m riskscore.output_docs
	$(BIN)/python -m riskscore.schema_models

validate: $(STAMP)
	$(BIN)/riskscore validate datasets

clean:
	rm -rf $(OUT) build .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +
