# Two commands set everything up on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
# What serving needs (`make run`): the base dependencies. Tests and lint add the extras on top (pyproject.toml:
# `test`, `lint`, `dev` = both); each stamp is redone when pyproject.toml changes.
STAMP := $(VENV)/.installed-stamp
LINT_STAMP := $(VENV)/.installed-lint-stamp
DEV_STAMP := $(VENV)/.installed-dev-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-lint install-dev migrate data static run test lint bench image clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $(STAMP)

$(LINT_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[lint]'
	touch $(LINT_STAMP)

$(DEV_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(DEV_STAMP) $(LINT_STAMP)

install: $(STAMP)

install-lint: $(LINT_STAMP)

install-dev: $(DEV_STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

# Reference data and founding content; every command is idempotent, so `make run` can be repeated.
data: migrate
	$(PY) manage.py import_register
	$(PY) manage.py import_plz
	$(PY) manage.py import_websites
	$(PY) manage.py import_ozg_catalogue
	$(PY) manage.py import_zustaendigkeit
	$(PY) manage.py load_founding_agreements
	$(PY) manage.py load_founding_funding
	$(PY) manage.py load_ozg_demo
	$(PY) manage.py publish_ozg_snapshots --months 3

# Static files as production serves them: hashed names, gzip and brotli beside each file (var/static, or STATIC_ROOT);
# WhiteNoise answers them with one year `immutable`. Collected again only when a file under static/ or the
# installation (the apps' own static files) changed: compressing everything takes about a minute.
STATIC_MANIFEST := $(or $(STATIC_ROOT),var/static)/staticfiles.json
$(STATIC_MANIFEST): $(STAMP) $(shell find static -type f)
	$(PY) manage.py collectstatic --noinput --verbosity 0

static: $(STATIC_MANIFEST)

run: data static
	@echo "Portal: http://$(HOST):$(PORT)/  (Beenden mit Strg+C)"
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: install-lint
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

# The suite on PYTEST_WORKERS processes (pytest-xdist; 0 = one process, as plain `pytest`); each worker has its own
# test database (test_<name>_gw0, …), var/ and Redis database (itvsh_portal/settings.py). --dist load hands the
# tests out one by one in pytest-django's order, which runs the transactional tests (they empty every table, the
# rows of data migrations included) last in every worker; --dist loadfile would break that order. PYTEST_ARGS adds
# options.
PYTEST_WORKERS ?= 2
test: install-dev lint
	./scripts/ensure-chromium.sh
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist load $(PYTEST_ARGS)

# The benchmark at Schleswig-Holstein scale on PostgreSQL (see bench/README.md); --reduced for a quick run,
# --http over HTTP (gunicorn, Redis, wrk: installed with apt-get when missing).
bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

# The OCI image with buildah (Containerfile; docs/BETRIEB.md). IMAGE=… sets the tag, BASE_IMAGE=… the base.
image:
	deploy/image/build.sh

clean:
	rm -rf $(VENV) var/static .pytest_cache .ruff_cache
