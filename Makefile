# `make demo` and `make test` work on a fresh clone: each creates .venv when it is missing.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: help venv demo test lint bench dictionary clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	rm -f $(VENV)/.installed-*
	touch $@

venv: $(STAMP)  ## create .venv and install cohort with its test tools

demo: $(STAMP)  ## synthetic demo store, every report for every demo authority in both editions, reports/index.html
	$(VENV)/bin/cohort demo --store demo_store --output reports --editions management publication

test: $(STAMP)  ## lint, then the whole test suite (doctests and notebooks included)
	$(PY) -m ruff check cohort tests benchmarks notebooks conftest.py
	$(PY) -m pytest -q --nbval-lax

bench: $(STAMP)  ## speed and memory benchmarks (prints figures; installs the bench extra, DuckDB)
	$(PY) -m pip install --quiet -e ".[bench]"
	@for f in benchmarks/[!_]*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

dictionary: $(STAMP)  ## re-render data_dictionary/README.md from the schemas
	$(VENV)/bin/cohort dictionary

clean:  ## remove generated demo data and reports
	rm -rf demo_store reports
