# voiceguide: `make run` serves the app, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 5000
BIN := $(VENV)/bin

.PHONY: run cluster test check lint typecheck js-check js-test pregenerate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

run: $(VENV)/.installed
	$(BIN)/flask --app voiceguide db upgrade --directory voiceguide/migrations
	$(BIN)/flask --app voiceguide serve --host $(HOST) --port $(PORT)

# The scaled-out stack on one machine: PostgreSQL, Redis, gunicorn, two Celery workers.
cluster: $(VENV)/.installed
	BIN=$(BIN) HOST=$(HOST) PORT=$(or $(CLUSTER_PORT),8000) scripts/cluster.sh

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Every style and type check that CI runs (and .pre-commit-config.yaml runs per commit).
check: lint typecheck js-check js-test

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

js-check: node_modules/.installed
	npm run --silent lint
	npm run --silent typecheck

js-test: node_modules/.installed
	npm test --silent

pregenerate: $(VENV)/.installed
	$(BIN)/flask --app voiceguide pregenerate

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache .mypy_cache
