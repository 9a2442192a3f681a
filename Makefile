# The two commands of the README: `make run` and `make test`.
SHELL := /bin/bash
PYTHON_VERSION := 3.12
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
IDP_PORT ?= 8010

.PHONY: run test setup venv node messages migrate demo bench lint format clean idp worker

$(VENV)/.installed: pyproject.toml
	@command -v python$(PYTHON_VERSION) >/dev/null || { echo "Python $(PYTHON_VERSION) is required (see .python-version)"; exit 1; }
	test -x $(PY) || python$(PYTHON_VERSION) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv
	# Compiled once here: where PYTHONDONTWRITEBYTECODE is set, every process
	# (each served Daphne, each command) would otherwise compile the libraries
	# it imports anew, about three seconds each.
	$(VENV)/bin/uv pip install --quiet --compile-bytecode -p $(PY) -r pyproject.toml --extra dev
	touch $@

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

venv: $(VENV)/.installed
node: node_modules/.installed

messages: venv
	$(MANAGE) compilemessages --ignore=.venv --ignore=node_modules -v 0

migrate: venv
	$(MANAGE) migrate --noinput -v 0

setup: venv node messages migrate

demo: setup
	$(MANAGE) seed_demo

# Serve the platform on http://127.0.0.1:8000 with the demo OpenID provider beside it.
run: demo
	@echo "Demo OpenID provider on http://$(HOST):$(IDP_PORT); platform on http://$(HOST):$(PORT)"
	@PORT=$(IDP_PORT) SITE_URL=http://$(HOST):$(PORT) node accounts/demo_idp/server.mjs & idp=$$!; \
	trap "kill $$idp 2>/dev/null" EXIT INT TERM; \
	OIDC_ISSUER=http://$(HOST):$(IDP_PORT) SITE_URL=http://$(HOST):$(PORT) $(MANAGE) runserver $(HOST):$(PORT)

idp: node
	PORT=$(IDP_PORT) node accounts/demo_idp/server.mjs

worker: setup
	$(MANAGE) db_worker

# Unit, integration and realtime tests with branch coverage of the apps
# ([tool.coverage] in pyproject.toml) and the floor for services, selectors and
# permissions (tests/coverage_check.py). The browser tests, which mostly wait on
# Chromium, run beside them in their own process, database and Redis prefix;
# their report follows the rest (also kept in var/browser-tests.log).
test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	@mkdir -p var; start=$$SECONDS; \
	TEST_DATABASE_NAME=test_browser REDIS_PREFIX=opencities-browser \
	  $(VENV)/bin/pytest -m browser > var/browser-tests.log 2>&1 & browser=$$!; \
	trap "kill $$browser 2>/dev/null" INT TERM; \
	$(VENV)/bin/pytest -m "not browser" -p no:randomly --cov --cov-branch --cov-report=term; status=$$?; \
	if [ $$status -eq 0 ]; then $(PY) -m tests.coverage_check || status=1; fi; \
	echo "Tests without a browser: $$((SECONDS - start)) s; waiting for the browser tests"; \
	wait $$browser; browser_status=$$?; \
	echo "===== browser tests (var/browser-tests.log) ====="; cat var/browser-tests.log; \
	echo "All tests: $$((SECONDS - start)) s"; \
	if [ $$browser_status -ne 0 ] && [ $$browser_status -ne 5 ]; then status=$$browser_status; fi; \
	exit $$status

# On PostgreSQL and Redis when they answer on this machine, as in production.
bench: setup
	@if pg_isready -h 127.0.0.1 -q 2>/dev/null; then export DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}; fi; \
	if [ "$$(redis-cli -h 127.0.0.1 ping 2>/dev/null)" = "PONG" ]; then export REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0}; fi; \
	$(PY) -m bench.run

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules var
