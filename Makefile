# advisory: the two commands are `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
# Production-like settings for `check --deploy` (nothing is served with them).
DEPLOY_ENV := DEBUG=0 SECRET_KEY=deploy-check-7Hq2vN9xLm4Rt8Wz1Kp6Yc3Bf5Gj0Ds-never-serves ALLOWED_HOSTS=advisory.example.com EMAIL_HOST=smtp.example.com

# Find Python 3.12+: an explicit $(PYTHON), then python3.13/python3.12 on PATH, then pyenv's.
PYENV_PYTHONS = $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/$(1)*/bin/python3 2>/dev/null | sort -rV)
PYTHON ?= $(shell for c in python3.12 $(call PYENV_PYTHONS,3.12) python3.13 $(call PYENV_PYTHONS,3.13) python3; do \
	  if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	    command -v $$c; break; fi; done)

.PHONY: help venv demo serve test test-fast test-browser check bench browser-deps system-deps pdf-deps clean

help:
	@echo "make demo    - install, migrate SQLite, seed demo data, serve http://127.0.0.1:8000"
	@echo "make test    - run the whole test suite (engine, apps, API, browser)"
	@echo "make check   - ruff, mypy, import contracts, migrations, check --deploy"
	@echo "make bench   - benchmarks; figures written to benchmarks/results.json"

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
	  echo "No Python 3.12+ found. Install one (e.g. 'pyenv install 3.12') or run 'make PYTHON=/path/to/python3.12 ...'." >&2; \
	  exit 1; fi
	@echo "Using $(PYTHON) ($$($(PYTHON) --version))"
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP) pdf-deps
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Serving on http://127.0.0.1:8000 (Celery tasks run in process). Logins are listed above and in README.md."
	$(PY) manage.py runserver 127.0.0.1:8000

serve: $(STAMP)
	$(PY) manage.py runserver 127.0.0.1:8000

# System packages: Pango for WeasyPrint's PDFs and a font (the demo and the tests);
# for the tests also Debian's Chromium (never a downloaded browser) and poppler's
# pdftotext to read PDFs back. Installed when missing and we are root; otherwise
# we say what to install.
PDF_PACKAGES_MISSING = \
	  ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || echo libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0; \
	  fc-list 2>/dev/null | grep -qi dejavu || echo fonts-dejavu-core
TEST_PACKAGES_MISSING = $(PDF_PACKAGES_MISSING); \
	  command -v chromium >/dev/null 2>&1 || echo chromium; \
	  command -v pdftotext >/dev/null 2>&1 || echo poppler-utils
define install_missing
	@missing=$$( $(1) ); missing=$$(echo $$missing); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "Installing $$missing"; apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Please install these Debian packages: sudo apt-get install -y $$missing" >&2; exit 1; fi; fi
endef

pdf-deps:
	$(call install_missing,$(PDF_PACKAGES_MISSING))

system-deps:
	$(call install_missing,$(TEST_PACKAGES_MISSING))

browser-deps: system-deps

# The suite runs on every core (pytest-xdist); Celery-worker and browser tests keep to
# one worker each (tests/conftest.py groups them). PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= auto
PARALLEL = $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadgroup)

test: $(STAMP) system-deps
	$(BIN)/pytest $(PARALLEL) -m "not own_process" $(PYTEST_ARGS)
	$(BIN)/pytest -m own_process $(PYTEST_ARGS)

test-fast: $(STAMP) system-deps
	$(BIN)/pytest $(PARALLEL) -m "not browser" $(PYTEST_ARGS)

test-browser: $(STAMP) browser-deps
	$(BIN)/pytest -m browser $(PYTEST_ARGS)

check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(DEPLOY_ENV) $(PY) manage.py check --deploy --fail-level WARNING

bench: $(STAMP)
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 .mypy_cache .ruff_cache
