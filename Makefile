# Two commands for a bare machine: `make run` and `make test`.
# Each creates the virtual environment and installs the pinned dependencies first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Where `make run` listens: `make run PORT=8001` (or HOST=0.0.0.0 to listen on every address).
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-db lint schema bench bench-quick clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

## Serve the API (embedded PostgreSQL unless DATABASE_URL is set; --demo when unset).
run: install
	@if [ -z "$$DATABASE_URL" ]; then demo=--demo; fi; \
	exec $(BIN)/graphql-api serve $$demo --host "$(HOST)" --port "$(PORT)"

## The whole test suite (embedded PostgreSQL unless TEST_DATABASE_URL is set).
test: install
	$(BIN)/pytest

## Only the tests that use the database (the browser tests need Chromium: see .ci/run).
test-db: install
	$(BIN)/pytest -m "db and not browser"

## ruff, the import contracts of pyproject.toml (layers point one way), mypy strict.
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/mypy bench

## Rewrite schema/schema.graphql from the code.
schema: install
	$(BIN)/python -m schema.schema

bench: install
	$(BIN)/python -m bench

bench-quick: install
	$(BIN)/python -m bench --quick

clean:
	rm -rf $(VENV) .data
