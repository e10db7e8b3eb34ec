# The front door: `make serve` runs the API on http://127.0.0.1:8000, `make test` checks it.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
PIPENV := $(PYTHON) -m pipenv
PY := .venv/bin/python
export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_IGNORE_VIRTUALENVS := 1
export PIPENV_VERBOSITY := -1
export PIPENV_NOSPIN := 1

TEST_ENV := DJANGO_SETTINGS_MODULE=LittleLemon.settings_test
EMBEDDED := env -u DATABASE_URL -u REDIS_URL
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/littlelemon
REDIS_TEST_URL ?= redis://127.0.0.1:6379/1

.PHONY: help install serve reset serve-prod soak chaos bench bench-stream bench-inprocess test lint fmt check schema pytest test-postgres fuzz e2e clean

help:
	@echo "make serve          install, migrate, load the menu, print demo tokens, serve on :8000 (PORT=)"
	@echo "make reset          start the walk-through afresh: a new SQLite database, menu, demo accounts"
	@echo "make serve-prod     gunicorn, debug off, PostgreSQL + Redis, HTTPS on :8443 (see README)"
	@echo "make test           lint, checks, schema validation and the test suite (SQLite)"
	@echo "make test-postgres  the test suite against PostgreSQL + Redis (POSTGRES_URL, REDIS_TEST_URL)"
	@echo "make soak           50 clients for 60 s against serve-prod, then a database consistency check"
	@echo "make chaos          serve-prod's set-up under load while Redis, PostgreSQL and workers fail"
	@echo "make fuzz           schemathesis against the running API, as a customer and a manager"
	@echo "make bench-inprocess  microseconds per request in one process: database, Redis, Python"
	@echo "make bench          requests/s of the main endpoints against a bare-DRF floor (wrk; see README)"
	@echo "make bench-stream   1000 order-stream subscribers: event latency, menu and orders reads beside them"
	@echo "make e2e            browser tests (Debian's Chromium) of the admin, Swagger UI, ReDoc, browsable API"
	@echo "make lint | fmt | check | schema"

# Installs pipenv when missing, then the locked dependencies into ./.venv.
.venv/.installed: Pipfile.lock
	@$(PIPENV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --user --quiet pipenv \
		|| $(PYTHON) -m pip install --quiet pipenv \
		|| $(PYTHON) -m pip install --quiet --break-system-packages pipenv
	$(PIPENV) sync --dev
	@touch $@

install: .venv/.installed

# PORT=8001 serves elsewhere. Local webhook receivers (webhook_receiver) are allowed here only.
serve: export DJANGO_DEBUG ?= 1
serve: export WEBHOOK_ALLOW_PRIVATE ?= 1
serve: PORT ?= 8000
serve: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_menu
	$(PY) manage.py demo_accounts
	@echo
	@echo "  Little Lemon API on http://127.0.0.1:$(PORT)/api/"
	@echo "  Try it in the browser: http://127.0.0.1:$(PORT)/api/docs/  (Authorize: Token <token>)"
	@echo "  Admin: http://127.0.0.1:$(PORT)/admin/  (admin)   Kitchen board: http://127.0.0.1:$(PORT)/kitchen/  (manager)"
	@echo "  Order stream:  curl -N -H 'Authorization: Token <token>' http://127.0.0.1:$(PORT)/api/orders/stream"
	@echo
	@# One ASGI server for the API, the stream and the board, and the background worker beside
	@# it (webhook deliveries, scheduled orders, clean-ups); Ctrl-C stops both.
	$(PY) manage.py worker & trap 'kill $$! 2>/dev/null' EXIT; \
	  .venv/bin/uvicorn LittleLemon.asgi:application --host 127.0.0.1 --port $(PORT) --reload --no-proxy-headers

# The walk-through afresh: stop `make serve` first (it holds the old database open).
reset: export DJANGO_DEBUG ?= 1
reset: install
	@if [ -n "$$DATABASE_URL" ]; then \
		echo "make reset: it recreates the SQLite database only; unset DATABASE_URL" >&2; exit 1; fi
	rm -f db.sqlite3 db.sqlite3-wal db.sqlite3-shm
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_menu
	$(PY) manage.py demo_accounts

serve-prod: install
	scripts/serve-prod.sh

test: install lint check schema
	$(EMBEDDED) $(MAKE) --no-print-directory pytest

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

fmt: install
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

check: install
	$(TEST_ENV) $(PY) manage.py check
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run

schema: install
	$(TEST_ENV) $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

pytest: install
	$(PY) -m pytest $(PYTEST_ARGS)

test-postgres: install
	DATABASE_URL=$(POSTGRES_URL) REDIS_URL=$(REDIS_TEST_URL) $(MAKE) --no-print-directory pytest

# SOAK_CLIENTS, SOAK_SECONDS, WEB_CONCURRENCY adjust it; DATABASE_URL / REDIS_URL choose the
# servers.
soak: install
	$(PY) -m scripts.soak

# Private PostgreSQL and Redis servers (never the machine's own); CHAOS_FAST=1 is CI's short run.
# CHAOS_REDIS_SECONDS, CHAOS_DATABASE_SECONDS, CHAOS_KILLS, CHAOS_CUSTOMERS, WEB_CONCURRENCY.
chaos: install
	$(PY) -m scripts.chaos

# BENCH_SECONDS (10 per endpoint and round), BENCH_ROUNDS (3), BENCH_SCALE (1 or 10),
# BENCH_WORKERS (app and floor alike), BENCH_ONLY (names, for a quick look); SQLite by
# default, PostgreSQL + Redis with DATABASE_URL (a database named *bench*, recreated) and
# REDIS_URL. Ratios are to the floor, bench/floor (a bare DRF project) on its own gunicorn.
bench: install
	$(PY) -m bench.run

# STREAM_SUBSCRIBERS (1000), STREAM_ORDERS (30), STREAM_PACE (0.2 s), STREAM_WORKERS (1),
# BENCH_SECONDS (10 per read run); PostgreSQL (DATABASE_URL, a database named *bench*,
# recreated; default littlelemon_bench_stream) + Redis (REDIS_URL, default db 6, emptied).
bench-stream: install
	$(PY) -m bench.stream

# Microseconds per request in one process (Django's test client), split into database,
# Redis and Python: for comparing two versions of the code on a busy machine. BENCH_REQUESTS,
# BENCH_REPEATS; DATABASE_URL (a PostgreSQL database named *bench*, recreated) and REDIS_URL.
bench-inprocess: install
	$(PY) -m bench.inprocess

# FUZZ_EXAMPLES=N bounds the examples per operation (default 50).
fuzz: install
	$(PY) -m scripts.fuzz

# The end-to-end suite drives Debian's Chromium (never Playwright's own download) against the
# app under gunicorn with debug off; see e2e/conftest.py. E2E_ARGS are passed on to pytest.
CHROMIUM := /usr/bin/chromium
e2e: install
	@if [ ! -x $(CHROMIUM) ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "== installing Debian's chromium (apt-get)"; \
			export DEBIAN_FRONTEND=noninteractive; \
			apt-get update -qq && apt-get install -y -qq chromium >/dev/null \
				|| { echo "make e2e: apt-get could not install chromium" >&2; exit 1; }; \
		else \
			echo "make e2e: $(CHROMIUM) is missing. Install Debian's chromium as root" \
				"(apt-get install chromium) and run make e2e again." >&2; \
			exit 1; \
		fi; \
	fi
	@test -x $(CHROMIUM) || { echo "make e2e: $(CHROMIUM) is still missing" >&2; exit 1; }
	$(PY) -m pytest e2e -p no:cacheprovider -p no:django $(E2E_ARGS)

clean:
	rm -rf .venv db.sqlite3 staticfiles .pytest_cache
