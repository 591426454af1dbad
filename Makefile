# rmbot developer tasks.  `make test` is what CI runs (via .ci/run).
#
#   make venv    create .venv and install the project (editable) with [dev]
#   make test    pytest on SQLite and on a throwaway PostgreSQL (scripts/test.sh)
#                RMBOT_TEST_DB=sqlite|postgresql to run just one;
#                PYTEST_ARGS='-k foo -x' to pass options to pytest
#   make demo    rmbot demo
#   make bench   python -m bench
#   make lint    byte-compile everything (plus ruff when it is installed)
#   make clean   remove .venv and caches

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
PIP_FLAGS := --quiet --disable-pip-version-check --no-input

.PHONY: all venv test demo bench lint clean

all: test

venv: $(STAMP)

# Re-run when pyproject.toml changes.  The stamp is only written when pip
# succeeded, so a failed install is retried next time.
$(STAMP): pyproject.toml
	@echo "== creating $(VENV) and installing rmbot[dev] ==" >&2
	@if ! $(PYTHON) -m venv $(VENV); then \
		if [ "$$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then \
			echo "python3 -m venv failed; installing python3-venv with apt-get" >&2; \
			rm -rf $(VENV); \
			DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >&2 && \
			$(PYTHON) -m venv $(VENV); \
		else \
			echo "error: '$(PYTHON) -m venv' failed; install the venv module (Debian: apt-get install python3-venv)" >&2; \
			exit 1; \
		fi; \
	fi
	$(VENV)/bin/pip install $(PIP_FLAGS) -e '.[dev]'
	@touch $@

test: venv
	scripts/test.sh $(PYTEST_ARGS)

demo: venv
	$(VENV)/bin/rmbot demo

bench: venv
	$(VENV)/bin/python -m bench

lint: venv
	$(VENV)/bin/python -m compileall -q bot handlers domain reminders migrations tests bench
	@if $(VENV)/bin/python -m ruff --version >/dev/null 2>&1; then \
		$(VENV)/bin/python -m ruff check . ; \
	else \
		echo "(ruff not installed in $(VENV); only byte-compiled)" >&2; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
