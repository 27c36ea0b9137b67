# Two commands set everything up on a fresh machine with Python >= 3.11 and make:
#   make serve   build the article graph and serve it
#   make test    run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: serve test test-fast lint format clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "alliance-kg needs Python >= 3.11, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,spark]'
	@touch $@

serve: $(STAMP)
	$(BIN)/alliance-kg serve

# Two workers: the suite waits on servers and subprocesses as much as it computes.
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist worksteal

# Everything but the tests marked slow (property and fuzz tests, Chromium, the Oxigraph server
# and Virtuoso, Spark, tests that start servers of their own): for the edit-test loop.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" -n auto

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) build *.egg-info
