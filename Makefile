# nes2: `make serve` builds the site with executed lectures and serves it;
# `make test` runs the checks and the test suite. Both set up the pinned
# environment (uv.lock) in .venv first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# mkdocs-jupyter >= 0.27 needs Python >= 3.12: find one (pyenv installs count too).
PYTHON ?= $(shell for p in python3.12 python3.13 $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[23]*/bin/python3; do \
	"$$p" -c "" 2>/dev/null && { echo "$$p"; break; }; done)
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)

export NO_MKDOCS_2_WARNING := 1
# Notebook kernels read .ipython/profile_default/ipython_kernel_config.py.
export IPYTHONDIR := $(CURDIR)/.ipython
export NES2_PROFILE ?= quick
# Test processes (pytest-xdist); the executed site is built once and shared through its cache.
TEST_JOBS ?= 2

.PHONY: help setup site serve check test test-package lint lock notebooks benchmark clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet "uv>=0.9"

# Without Python 3.12 or 3.13 on the machine, uv installs 3.12 (into its own folder).
$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	@python="$(PYTHON)"; \
	if [ -z "$$python" ]; then \
		echo "No Python 3.12 or 3.13 found (mkdocs-jupyter needs one): uv python install 3.12"; \
		$(UV) python install 3.12 || exit 2; python=3.12; \
	fi; \
	echo "$(UV) sync --frozen --all-extras --no-extra gpu --python $$python"; \
	$(UV) sync --frozen --all-extras --no-extra gpu --python "$$python"
	touch $@

setup: $(VENV)/.synced  ## create .venv from uv.lock

site: setup  ## build the site into site/, executing the lectures
	$(BIN)/mkdocs build --strict

serve: setup  ## serve the site on http://127.0.0.1:8000, rebuilt on every edit (a changed lecture is executed again)
	$(BIN)/mkdocs serve --strict --dev-addr $(HOST):$(PORT)

lint: setup  ## pre-commit hooks on all files
	$(BIN)/pre-commit run --all-files --show-diff-on-failure

check: lint  ## the fast tier: lint, doctests and the tests that train nothing and need no site
	$(BIN)/pytest -n $(TEST_JOBS) -m "not trains and not slow and not browser and not gpu" \
		--deselect tests/test_lectures.py --deselect tests/test_browser.py

test: lint  ## the full gate: the executed site's tests first, alone (nothing trains beside its build), then the rest, TEST_JOBS at a time (browser tests need Debian's chromium)
	$(BIN)/pytest --site=only
	$(BIN)/pytest -n $(TEST_JOBS) --dist loadgroup --site=skip

test-package: lint  ## the suite without the executed site (CI on the Pythons that do not build it)
	$(BIN)/pytest -n $(TEST_JOBS) --dist loadgroup --site=skip

notebooks: setup  ## regenerate notebooks/ (for download and Colab) from lectures/
	$(BIN)/python -m nes2_site.notebooks

lock:  ## re-resolve uv.lock after changing pyproject.toml
	$(UV) lock

benchmark: setup  ## each quick run's seconds and share of the site build's training; input pipeline; full-profile FLOPs
	$(BIN)/python benchmarks/quick_runs.py --home "$${NES2_HOME:-.cache/test/nes2-home}"
	$(BIN)/python benchmarks/input_pipeline.py
	$(BIN)/python benchmarks/full_profile_cost.py --markdown

clean:  ## remove build outputs (not the environment)
	rm -rf site build dist .pytest_cache test-artifacts
