# Hostline — every install and start step lives here (README lists only these targets).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := .make
# Exports DATABASE_URL / REDIS_URL (embedded ones when unset) into the recipe's shell.
ENV_UP = eval "$$($(BIN)/python -m config.embedded up | sed 's/^/export /')"

.PHONY: install run test bench lint migrate seed services stop clean backup restore audit

install: $(STAMP)/python $(STAMP)/frontend

$(STAMP)/python: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q '.[dev]'
	mkdir -p $(STAMP) && touch $@

$(STAMP)/frontend: frontend/package.json frontend/package-lock.json frontend/build.mjs
	cd frontend && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent
	mkdir -p $(STAMP) && touch $@

# Browser tests drive Debian's chromium (never `playwright install`: it downloads browsers).
$(STAMP)/chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "Browser tests need Debian's chromium: sudo apt-get install chromium"; exit 1; fi; fi
	mkdir -p $(STAMP) && touch $@

# Embedded Postgres + Redis unless DATABASE_URL / REDIS_URL are set; prints the URLs used.
services: install
	$(BIN)/python -m config.embedded up

migrate: services
	$(ENV_UP) && \
	$(BIN)/python manage.py migrate_schemas --executor=multiprocessing --noinput && \
	$(BIN)/python manage.py ensure_tenant_template

seed: migrate
	$(ENV_UP) && $(BIN)/python manage.py seed_demo

run: seed
	$(ENV_UP) && \
	$(BIN)/python manage.py collectstatic --noinput -v0 && \
	exec $(BIN)/honcho start -f Procfile

test: services $(STAMP)/chromium
	$(ENV_UP) && $(BIN)/python -m pytest

bench: migrate
	mkdir -p bench/results
	$(ENV_UP) && $(BIN)/python bench/signup.py
	$(ENV_UP) && $(BIN)/python bench/routing.py
	$(ENV_UP) && $(BIN)/python bench/ws_fanout.py
	$(ENV_UP) && $(BIN)/python bench/crm.py
	$(ENV_UP) && $(BIN)/python bench/reports.py
	$(BIN)/python bench/wfm.py
	$(ENV_UP) && $(BIN)/python bench/billing.py
	$(ENV_UP) && $(BIN)/python bench/dialer.py
	$(ENV_UP) && $(BIN)/python bench/faults.py
	$(ENV_UP) && $(BIN)/python bench/scale.py
	$(ENV_UP) && $(BIN)/python bench/load.py

# Every schema + the recordings' audio into backups/<UTC time>/ (checksummed manifest).
backup: migrate
	$(ENV_UP) && $(BIN)/python manage.py backup --to backups/$$(date -u +%Y%m%dT%H%M%SZ)

# make restore FROM=backups/<stamp> [FORCE=1]: verify, then restore (FORCE replaces a non-empty database).
restore: services
	@test -n "$(FROM)" || { echo "usage: make restore FROM=backups/<stamp> [FORCE=1]"; exit 2; }
	$(ENV_UP) && $(BIN)/python manage.py restore --from $(FROM) $(if $(FORCE),--force,)

# Known vulnerabilities in what is installed (needs PyPI's per-release JSON API or OSV).
audit: install
	$(BIN)/pip-audit --strict --skip-editable

lint: install
	$(BIN)/ruff check .

stop:
	-$(BIN)/python -m config.embedded down

clean: stop
	rm -rf $(VENV) $(STAMP) .data frontend/node_modules frontend/static/vendor staticfiles
