# voiceguide: `make run` serves the app, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 5000
BIN := $(VENV)/bin

.PHONY: run cluster test check lint typecheck js-check js-test audit lock pregenerate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs come from the hashed locks (`make lock` writes them from the .txt files): every
# package, dependencies too, pinned to an exact version and to the hashes of its files.
$(VENV)/.installed: requirements.lock $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	touch $@

$(VENV)/.installed-dev: requirements-dev.lock $(VENV)/.installed
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

# The one way to make the locks: after changing requirements.txt or requirements-dev.txt.
PIP_COMPILE = $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links
lock: $(BIN)/python
	$(BIN)/pip install --quiet "$$(grep -io '^pip-tools==[^ #]*' requirements-dev.txt)"
	$(PIP_COMPILE) -o requirements.lock requirements.txt
	$(PIP_COMPILE) -o requirements-dev.lock requirements-dev.txt

# Known vulnerabilities in the locked packages (pip-audit; needs the vulnerability service:
# without it the script says so loudly; AUDIT_ARGS=--offline-ok lets that pass).
audit: $(VENV)/.installed-dev
	$(BIN)/python scripts/audit_dependencies.py requirements-dev.lock $(AUDIT_ARGS)

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
