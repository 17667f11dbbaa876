# qiaolian 侨联组织建设管理系统
#
#   make run    the application on http://127.0.0.1:8000 (SQLite, jobs in-process, demo data and logins)
#   make test   the test suite (PYTEST_ARGS="-k scope -x" to pass arguments to pytest)
#
# Without DATABASE_URL the database is ./db.sqlite3; without REDIS_URL Celery runs jobs eagerly,
# in-process. Set both (in the environment or in ./.env) to use PostgreSQL and Redis instead.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.11 (pyproject.toml says >=3.11,<3.12).
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
# Touched after a successful install: pip runs again only when pyproject.toml is newer.
STAMP := $(VENV)/.installed

HOST ?= 127.0.0.1
PORT ?= 8000
# The embedded default (no DATABASE_URL, no REDIS_URL) runs the tests in two processes (pytest-xdist): each has its
# own SQLite database and local-memory cache. With Redis the suite stays in one process: every test empties the
# cache, which would empty the other process's Redis database under its feet.
PYTEST_ARGS ?= $(if $(DATABASE_URL)$(REDIS_URL),,-n 2)
BENCH_ARGS ?=
FAULT_ARGS ?=

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help install run migrate demo test lint messages bench worker report-worker beat prod-smoke fault-worker fault-beats fault-redis fault-postgres clean distclean

help:
	@echo "make run        migrate, load the demo data, print the demo logins, serve http://$(HOST):$(PORT)"
	@echo "make test       run the tests (PYTEST_ARGS=... passed to pytest)"
	@echo "make lint       ruff (style and import order), mypy (types), import-linter (one-way dependencies)"
	@echo "make install    create $(VENV) and install the project with its test dependencies"
	@echo "make migrate    apply database migrations"
	@echo "make demo       load the demo regions and users (idempotent) and print the logins"
	@echo "make messages   maintainers: refresh locale/en .po and compile .mo (needs GNU gettext)"
	@echo "make bench      run the benchmarks against PostgreSQL, write docs/benchmarks.md (BENCH_ARGS=...)"
	@echo "make worker     the Celery worker of the default queue: imports, e-mail, reminders (needs REDIS_URL)"
	@echo "make report-worker  the Celery worker of the reports queue: PDF and Excel reports (needs REDIS_URL)"
	@echo "make beat       the Celery beat scheduler (needs REDIS_URL; run exactly one)"
	@echo "make prod-smoke gunicorn, both workers and beat on PostgreSQL and Redis, driven through HTTP (docs/operations.md)"
	@echo "make fault-worker  kill -9 the worker mid-import and mid-report: nothing left running, imported once"
	@echo "make fault-beats   two beat processes at once: no duplicate digest or report"
	@echo "make fault-redis     Redis stopped under load: pages answer, jobs and e-mails delivered once after (FAULT_ARGS=...)"
	@echo "make fault-postgres  a private PostgreSQL restarted under load: 503 then recovery, no half import (FAULT_ARGS=...)"
	@echo "make clean      remove caches and build output (keeps $(VENV) and db.sqlite3)"
	@echo "make distclean  clean, and remove $(VENV), db.sqlite3 and var/"

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --progress-bar off -e ".[test]"
	touch $@

install: $(STAMP)

migrate: $(STAMP)
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

# .mo files are committed: running the app never needs gettext.
run: demo
	$(PY) manage.py runserver $(HOST):$(PORT)

test: $(STAMP)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy orgs census tasks qiaolian
	$(VENV)/bin/lint-imports

messages: $(STAMP)
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=staticfiles --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv --ignore=staticfiles --ignore=var

bench: $(STAMP)
	$(PY) manage.py benchmark $(BENCH_ARGS)

# What docker-compose.yml starts: `worker` consumes the default queue (imports, e-mail relay, reminders, coverage),
# `report-worker` the `reports` queue (CELERY_TASK_ROUTES: tasks.build_report), one report at a time in a fresh
# process. With REDIS_URL set, run both, or reports stay 排队中 for ever.
WORKER_CONCURRENCY ?= 2

# Both workers run at nice 10: on a machine shared with gunicorn, a page is served before a job's next slice
# (docs/operations.md, "Scale-out").
worker: $(STAMP)
	nice -n 10 $(VENV)/bin/celery -A qiaolian worker -l info -Q celery -O fair --concurrency $(WORKER_CONCURRENCY) --max-tasks-per-child 1 -n default@%h

report-worker: $(STAMP)
	nice -n 10 $(VENV)/bin/celery -A qiaolian worker -l info -Q reports --concurrency 1 --max-tasks-per-child 1 -n reports@%h

beat: $(STAMP)
	@mkdir -p var
	$(VENV)/bin/celery -A qiaolian beat -l info --schedule var/celerybeat-schedule

# Production proofs on this machine's PostgreSQL and Redis (docs/operations.md, "Production smoke and faults"):
# each creates and drops its own database and uses its own Redis database number.
PROD_TIMEOUT ?= 600

prod-smoke: $(STAMP)
	timeout --kill-after=30s $(PROD_TIMEOUT) $(PY) tests/production/prod_smoke.py

fault-worker: $(STAMP)
	timeout --kill-after=30s $(PROD_TIMEOUT) $(PY) tests/production/fault_worker_kill.py

fault-beats: $(STAMP)
	timeout --kill-after=30s $(PROD_TIMEOUT) $(PY) tests/production/fault_two_beats.py

# Fault scripts (docs/operations.md, "Faults"): bounded, on loopback, each prints what it did and found.
fault-redis: $(STAMP)
	$(PY) -m tests.production.fault_redis_down $(FAULT_ARGS)

fault-postgres: $(STAMP)
	$(PY) -m tests.production.fault_postgres_restart $(FAULT_ARGS)

clean:
	find . -path ./.venv -prune -o -name __pycache__ -type d -exec rm -rf {} +
	rm -rf .pytest_cache .hypothesis staticfiles tests/artifacts build *.egg-info

distclean: clean
	rm -rf $(VENV) var db.sqlite3 db.sqlite3-wal db.sqlite3-shm
