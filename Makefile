# Two entry points, each doing all the set-up on a fresh machine (Python 3.11):
#   make book   - venv + pinned requirements + package, execute every chapter with
#                 papermill, build the HTML with Jupyter Book 1.x into book/_build/html
#   make test   - the same set-up, then pytest (unit tests + every chapter under papermill)
#   make unit   - the unit tests alone (no chapters; about a minute)
#   make lint   - ruff check of the package, tests and chapter sources; schema check of the workflows
# PROFILE=quick|default|full chooses the chapters' parameter profile for `make book`;
# the default, auto, is `default` when a CUDA GPU is visible and `quick` on a CPU.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PROFILE ?= auto
SHARED_DATA ?= ../shared/data
CHAPTERS := $(sort $(wildcard notebooks/*.ipynb))
EXECUTED := $(patsubst notebooks/%,book/notebooks/%,$(CHAPTERS))

.PHONY: book test unit lint urls setup seed-cache execute html sync clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

# Offline machines (CI) get Beluga's target names from ../shared/data; online
# machines download them (and the weights) on first use.
seed-cache: setup
	$(BIN)/python -m tism_tutorial.cache --seed-from $(SHARED_DATA)

test: seed-cache
	$(BIN)/python -m pytest tests -q -ra

unit: seed-cache
	$(BIN)/python -m pytest tests -q -ra --ignore=tests/test_chapters.py

lint: setup
	$(BIN)/ruff check .
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

execute: seed-cache
	mkdir -p book/notebooks
	set -e; profile=$(PROFILE); \
	if [ "$$profile" = auto ]; then \
	  profile=$$($(BIN)/python -c "import torch; print('default' if torch.cuda.is_available() else 'quick')"); fi; \
	for nb in $(CHAPTERS); do \
	  echo "== executing $$nb (profile $$profile)"; \
	  TQDM_MININTERVAL=15 $(BIN)/papermill $$nb book/$$nb -p profile $$profile --cwd notebooks -k python3 --log-output --no-progress-bar > book/notebooks/$$(basename $$nb .ipynb).log 2>&1 \
	    || { tail -50 book/notebooks/$$(basename $$nb .ipynb).log; exit 1; }; \
	done

html: seed-cache
	$(BIN)/jupyter-book build book --config $(CURDIR)/_config.yml --toc $(CURDIR)/_toc.yml --path-output $(CURDIR)/book --warningiserror --keep-going
	@# Each chapter's Colab button must open the committed notebooks/<chapter>.ipynb.
	@for nb in $(CHAPTERS); do n=$$(basename $$nb .ipynb); \
	  grep -q "colab.research.google.com/github/[^\"]*/blob/main/notebooks/$$n.ipynb" book/_build/html/notebooks/$$n.html \
	    || { echo "book/_build/html/notebooks/$$n.html lacks a Colab link to notebooks/$$n.ipynb"; exit 1; }; done
	@# No number over four significant digits and no NaN on any chapter page.
	$(BIN)/python tools/check_numbers.py book/_build/html
	@echo "Book: book/_build/html/index.html"

book: execute
	$(MAKE) html

# Write the repository URL and install ref of pyproject.toml into _config.yml,
# CITATION.cff and every chapter's Colab install cell, then re-pair the chapters.
urls: setup
	$(BIN)/python tools/repository.py
	$(MAKE) sync

# Re-pair every chapter after editing its .py source.
sync: setup
	$(BIN)/jupytext --sync notebooks/*.py

clean:
	rm -rf book/_build book/notebooks
