# minsheng — two commands do all the set-up: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test test-sqlite test-postgres lint messages clean

install: $(STAMP)

$(STAMP): pyproject.toml frontend/package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	npm ci --prefix frontend --no-audit --no-fund --silent
	$(BIN)/python scripts/vendor.py
	touch $(STAMP)

run: install
	$(BIN)/minsheng migrate --noinput
	$(BIN)/minsheng demo
	$(BIN)/minsheng serve --host 127.0.0.1 --port 8000

# The whole suite on the embedded SQLite, then on a throwaway PostgreSQL.
test: install
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite:
	env -u DATABASE_URL MINSHENG_DATA_DIR=$$(mktemp -d) scripts/with-redis $(BIN)/pytest

test-postgres:
	MINSHENG_DATA_DIR=$$(mktemp -d) scripts/with-postgres scripts/with-redis $(BIN)/pytest

lint: install
	$(BIN)/ruff check .

# Refresh the English catalogues and compile them (the .mo files are committed). Each catalogue is
# made where it lives, so that its entries and file references stay put: the main one (LOCALE_PATHS)
# from minsheng/ without the app that keeps its own, then projects from its folder.
DJANGO_ADMIN := env DJANGO_SETTINGS_MODULE=minsheng.settings MINSHENG_DATA_DIR=$$(mktemp -d) $(abspath $(BIN))/django-admin
messages: install
	cd minsheng && $(DJANGO_ADMIN) makemessages -l en -i projects
	cd minsheng/projects && $(DJANGO_ADMIN) makemessages -l en
	cd minsheng && $(DJANGO_ADMIN) compilemessages

clean:
	rm -rf $(VENV) var
