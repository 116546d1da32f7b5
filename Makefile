# Fupin — the two commands that matter: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FUPIN := $(BIN)/fupin
HOST ?= 127.0.0.1
PORT ?= 8000
SEED ?= 2026
SCALE ?= small
export FUPIN_DATA_DIR ?= $(CURDIR)/var

.PHONY: install demo serve test lint bench clean messages

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

install: $(BIN)/.installed messages

messages: $(BIN)/.installed
	@FUPIN_ALLOW_DEV_KEY=1 $(FUPIN) compile_translations

var/secret_key:
	@mkdir -p var
	@$(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(48))' > $@
	@chmod 600 $@

# Set up everything on a fresh machine and serve the demo world on http://$(HOST):$(PORT)/
demo: install var/secret_key
	@set -e; export FUPIN_SECRET_KEY="$$(cat var/secret_key)"; \
	$(FUPIN) migrate --noinput -v 0; \
	$(FUPIN) collectstatic --noinput -v 0; \
	$(FUPIN) load_reference; \
	$(FUPIN) seed_demo --seed $(SEED) --scale $(SCALE); \
	echo "Serving Fupin on http://$(HOST):$(PORT)/ (Ctrl-C to stop)"; \
	exec $(BIN)/gunicorn fupin.wsgi:application --bind $(HOST):$(PORT) --workers 2 --threads 4 --timeout 120 --access-logfile -

# Serve an existing database (production-like): see README "Production"
serve: install
	$(BIN)/gunicorn fupin.wsgi:application --bind $(HOST):$(PORT) --workers 3 --timeout 120

# Static checks (README "Checks"): ruff, the import contracts, mypy with django-stubs
lint: install
	$(BIN)/ruff check src tests $(wildcard benchmarks)
	$(BIN)/lint-imports
	FUPIN_ALLOW_DEV_KEY=1 $(BIN)/mypy src/fupin

# axe-core (the accessibility checker the browser journeys run on every page), from the npm registry
AXE := var/node/node_modules/axe-core/axe.min.js
$(AXE):
	npm install --silent --no-save --prefix var/node 'axe-core@^4.10'

# Install and run every test (SQLite unless DATABASE_URL says otherwise), on both cores
PYTEST_ARGS ?= -n 2
test: install lint $(AXE)
	FUPIN_ALLOW_DEV_KEY=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	FUPIN_ALLOW_DEV_KEY=1 $(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) var build src/*.egg-info
