# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup test demo regress clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest tests

demo: $(STAMP)
	$(BIN)/sambert-compress demo --out out/demo

# The default voice against itself (or the demo voice against its newest stage dir under
# out/demo), a few sentences, the default gate: exits non-zero naming every crossing.
regress: $(STAMP)
	rm -rf out/regress && mkdir -p out
	$(BIN)/python -m compress.cli bench $$($(BIN)/python -m eval.regress) bench=quick \
		--check eval/thresholds/default.yaml --out out/regress

clean:
	rm -rf $(VENV) out build *.egg-info
