# The README's two commands: `make demo` and `make test`. Everything they need is installed here.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PRESET ?= rizhao
PYTEST_WORKERS ?= 2
# PostgreSQL tests wait on the server between queries: a third worker fills those waits on 2 cores.
PYTEST_WORKERS_PG ?= 3

.PHONY: demo test install lint fmt migrate serve messages bench bench-payments clean-demo

$(VENV)/.installed: requirements-dev.txt
	@# Debian packages: GNU gettext (the i18n test extracts strings as `make messages` does) and the
	@# Noto CJK fonts (PDF documents in Chinese, rendered by WeasyPrint with Pango), and HarfBuzz's
	@# subsetter (without it WeasyPrint subsets each CJK font with fontTools: seconds per PDF).
	@missing=""; command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	  fc-list 2>/dev/null | grep -q "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	  ldconfig -p 2>/dev/null | grep -q "libharfbuzz-subset.so" || missing="$$missing libharfbuzz-subset0"; \
	  if [ -n "$$missing" ] && command -v apt-get >/dev/null; then \
	    echo "==> installing Debian packages:$$missing"; \
	    apt-get install -y -qq $$missing >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; }; \
	  fi
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(VENV)/bin/python -m pip install -q --disable-pip-version-check uv
	@$(VENV)/bin/uv pip install --python $(PY) -q -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed

# Set up everything (venv, dependencies, SQLite database under var/, the preset, a demo year) and serve.
# Safe to run again: existing demo data is kept and only the logins are printed.
demo: install
	@$(PY) manage.py migrate --no-input -v 0
	@$(PY) manage.py collectstatic --no-input -v 0
	@$(PY) manage.py demo --preset $(PRESET)
	@echo "==> http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	@$(VENV)/bin/gunicorn --pythonpath src techfund.wsgi -b $(HOST):$(PORT) -w 2 --access-logfile - --log-level warning

# Compiled modules are kept under var/pycache even where PYTHONDONTWRITEBYTECODE is set (as in many
# containers): otherwise every test process compiles Django, DRF, NumPy, SciPy… again (~7 s each).
PYCACHE := env -u PYTHONDONTWRITEBYTECODE PYTHONPYCACHEPREFIX=$(CURDIR)/var/pycache

# Lint, migrations check, then the whole suite on SQLite and, when DATABASE_URL names one, PostgreSQL.
# (pyproject.toml: test databases built from the models, tests/core/test_migrations.py checks the
# migrations build the same; xdist's worksteal balances the workers; tests/sharing.py sets up what a
# module's tests all start from once per module.)
test: install
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/ruff format --check src tests
	$(PYCACHE) env -u DATABASE_URL $(PY) manage.py makemigrations --check --dry-run -v 1
	$(PYCACHE) env -u DATABASE_URL $(VENV)/bin/pytest -n $(PYTEST_WORKERS) -q
	@if [ -n "$$DATABASE_URL" ]; then \
		echo "==> again on $$DATABASE_URL (the tests that use the database; the others ran above)"; \
		$(PYCACHE) TECHFUND_TESTS_DB_ONLY=1 $(VENV)/bin/pytest -n $(PYTEST_WORKERS_PG) -q; \
	else echo "==> DATABASE_URL not set: PostgreSQL run skipped"; fi

lint: install
	$(VENV)/bin/ruff check src tests

fmt: install
	$(VENV)/bin/ruff check --fix src tests
	$(VENV)/bin/ruff format src tests

# Expert-assignment benchmark (bench/README.md): 10,000 applications × 4,000 experts, k=3, against the
# full-graph min-cost flow, plus the fairness row. National size: make bench BENCH_ARGS="--size national".
bench: install
	$(PY) bench/assign.py $(BENCH_ARGS)

# Payments benchmark (bench/README.md): posting throughput and full reconciliation of a year of 100,000
# payments on SQLite and PostgreSQL. Smoke: make bench-payments BENCH_ARGS="--quick --database sqlite".
bench-payments: install
	$(PY) bench/payments.py $(BENCH_ARGS)

# Re-extract and compile the English catalogue (source strings are Chinese).
messages: install
	cd src/techfund && ../../$(PY) ../../manage.py makemessages -l en --no-obsolete --ignore=static/vendor
	$(PY) manage.py compilemessages --ignore=.venv

clean-demo:
	rm -f var/techfund.sqlite3 var/techfund.sqlite3-wal var/techfund.sqlite3-shm
