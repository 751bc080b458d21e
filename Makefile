# Turnus developer commands. Everything is installed into .venv by these targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test lint migrate bench

run: $(STAMP) ## install, migrate, seed the demo merchant, serve API and docs on :8000
	$(BIN)/turnus db upgrade
	$(BIN)/turnus demo seed
	$(BIN)/turnus serve

test: $(DEV_STAMP) ## the whole suite on SQLite, then on PostgreSQL when one answers
	@scripts/test-all

lint: $(DEV_STAMP) ## ruff and mypy
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

migrate: $(STAMP) ## upgrade the database named by TURNUS_DATABASE_URL
	$(BIN)/turnus db upgrade

bench: $(DEV_STAMP) ## benchmarks: billing run (100,000 contracts, SQLite, PostgreSQL) and PDFs
	$(BIN)/python bench/billing_run.py --contracts 100000 --db sqlite
	$(BIN)/python bench/billing_run.py --contracts 100000 --db sqlite --workers 1 --no-copy
	$(BIN)/python bench/billing_run.py --contracts 100000 --db postgresql
	$(BIN)/python bench/billing_run.py --contracts 100000 --db postgresql --workers 1 --no-copy
	$(BIN)/python bench/render_documents.py --count 200

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(VENV)/bin/python
	@scripts/system-libraries
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(VENV)/bin/python
	@scripts/system-libraries
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $@
