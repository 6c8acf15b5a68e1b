# The README's whole set-up: `make demo` and `make test` build .venv when it is missing.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup demo test bench fit clean

setup: $(STAMP)

# torch first, pinned: an unpinned torch pulls gigabytes of CUDA packages.
$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=/path/to/python3.11 ...'" >&2; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

demo: $(STAMP)
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

test: $(STAMP)
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) -m eval.bench
	DOCUMENT_QA_BENCH=1 DOCUMENT_QA_ROBUSTNESS_REPORT=eval/reports/robustness-counts.md $(PY) -m pytest -q tests/robustness

# Refit the figure scorer's weights (qa/data/figure_scorer.json) on the dev split and the
# TAT-QA fit documents; re-run `make bench` afterwards.
fit: $(STAMP)
	$(PY) -m eval.fit_scorer

clean:
	rm -rf $(VENV) build *.egg-info
