# Set-up and everyday commands. Each target installs what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test lint typecheck bench clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

## Start the gateway with the gotomeeting and coupa instances and the bundled emulators.
serve: $(STAMP)
	$(BIN)/scimbridge serve

## Run the test suite (PostgreSQL and Redis on 127.0.0.1 are used when reachable).
test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/gotomeeting_operations.py
	$(BIN)/python bench/coupa_operations.py

clean:
	rm -rf $(VENV) var
