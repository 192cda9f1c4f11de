# Bureau's two commands: `make up` (run the suite) and `make test` (lint, then every test).
# Each target stops at the first failing step and exits with that step's code.
# Details: docs/running.md.

PYTHON  ?= .venv/bin/python
LINTED  := shared services gateway tests bench scripts
TYPED   := shared services gateway
# mypy errors fail the build (the tree is clean); MYPY_STRICT=0 makes them advisory locally.
MYPY_STRICT ?= 1

.PHONY: up down test lint ruff mypy bench infra venv

up: infra venv
	$(PYTHON) -m scripts.suite up

down:
	@if [ -x $(PYTHON) ]; then $(PYTHON) -m scripts.suite down; else python3 -m scripts.suite down; fi

# A test stuck for 5 minutes gets its stack dumped (faulthandler), so a hang explains itself.
PYTEST := $(PYTHON) -m pytest -o faulthandler_timeout=300
# Two runs, both always (the exit code is non-zero if either failed):
# - gateway/ as in production, without eventlet: --confcutdir keeps the root conftest.py
#   (which monkey-patches eventlet for the services) out, and nameko's pytest plugin with it;
# - everything else under the root conftest.py (eventlet patched, as the services run).
test: infra venv lint
	@status=0; \
	echo "$(PYTEST) --confcutdir=gateway -p no:pytest_nameko gateway $(PYTEST_ARGS)"; \
	$(PYTEST) --confcutdir=gateway -p no:pytest_nameko gateway $(PYTEST_ARGS) || status=$$?; \
	echo "$(PYTEST) shared services tests $(PYTEST_ARGS)"; \
	$(PYTEST) shared services tests $(PYTEST_ARGS) || status=$$?; \
	exit $$status

lint: venv ruff mypy

ruff:
	$(PYTHON) -m ruff check $(LINTED)

mypy:
	@$(PYTHON) -m mypy $(TYPED) || { \
		if [ "$(MYPY_STRICT)" = 1 ]; then exit 1; fi; \
		echo "mypy reported errors (advisory because MYPY_STRICT=0)"; }

# Figures, not pass/fail. Another benchmark: make bench BENCH=bench.<module>
BENCH ?= bench.gateway_page
bench: infra venv
	$(PYTHON) -m $(BENCH) $(BENCH_ARGS)

infra:
	scripts/ensure_infra.sh

venv:
	scripts/bootstrap_venv.sh
