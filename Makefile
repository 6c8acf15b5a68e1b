# The README's whole set-up: `make demo` and `make test` build .venv when it is missing.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup demo test bench fit clean browser

setup: $(STAMP) browser

# The browser tests drive Debian's Chromium through Playwright (a browser is never
# downloaded): installed here when missing and we are root; otherwise say how, and go on
# (those tests then skip with the same words).
CHROMIUM := /usr/bin/chromium
browser:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Debian's chromium for the browser tests"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; } \
	    || echo "warning: could not install chromium; the browser tests will be skipped" >&2; \
	else \
	  echo "note: no $(CHROMIUM): the browser tests will be skipped; install Debian's chromium with" >&2; \
	  echo "  sudo apt-get install -y --no-install-recommends chromium" >&2; \
	fi

# torch first, pinned: an unpinned torch pulls gigabytes of CUDA packages.
$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=/path/to/python3.11 ...'" >&2; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

demo: $(STAMP) browser
	$(VENV)/bin/qa chunks
	$(VENV)/bin/qa index
	$(VENV)/bin/qa ask --top-k 2 "What was Guangzhou's GDP in 2016?"
	@echo
	$(VENV)/bin/qa ask --top-k 2 "香港的人均GDP是多少?"
	@echo
	$(VENV)/bin/qa ask --top-k 2 "What was the GDP of the New York Bay Area?"
	@echo
	$(VENV)/bin/qa ask --top-k 1 "What was Guangzhou's GDP in 2022?"
	@echo
	printf '%s\n' "How long were the Bay Area's highways at the end of 2016?" "深圳对东北亚的进口额是多少?" \
	  | $(VENV)/bin/qa ask --json --top-k 1
	@echo
	@echo "Ask in a browser or over HTTP (the page, POST /ask, the API docs at /docs):"
	@echo "  $(VENV)/bin/qa serve        # then open http://127.0.0.1:8000/"

# Two test processes (pytest-xdist): the suite is CPU-bound and the machines have 2 cores.
test: $(STAMP) browser
	$(PY) -m pytest -q -n auto --maxprocesses 2

bench: $(STAMP)
	$(PY) -m eval.bench
	DOCUMENT_QA_BENCH=1 DOCUMENT_QA_ROBUSTNESS_REPORT=eval/reports/robustness-counts.md $(PY) -m pytest -q tests/robustness

# Refit the figure scorer's weights (qa/data/figure_scorer.json) on the dev split and the
# TAT-QA fit documents; re-run `make bench` afterwards.
fit: $(STAMP)
	$(PY) -m eval.fit_scorer

clean:
	rm -rf $(VENV) build *.egg-info
