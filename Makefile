# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup test demo demo-clean regress clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

test: $(STAMP)
	@# espeak-ng renders the demo voice's data; its tests skip with a reason where it is missing
	@command -v espeak-ng >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq espeak-ng >/dev/null 2>&1; } || true
	$(BIN)/python -m pytest tests

# The main job on the embedded demo voice: the light pipeline (sensitivity, prune with
# recovery, INT8 QAT, export, the bench of the chain) into out/demo, then samples of every
# speaker and emotion. A rerun reuses every unchanged step (`make demo-clean` starts afresh).
demo: $(STAMP)
	mkdir -p out
	$(BIN)/sambert-compress pipeline --out out/demo pipeline=light
	test -d out/demo/samples || $(BIN)/sambert-compress samples --out out/demo/samples
	@echo "before/after samples: out/demo/bench/samples/ (one folder per run); bench: out/demo/bench/bench.md"

demo-clean:
	rm -rf out/demo

# The default voice against itself (or the demo voice against its newest stage dir under
# out/demo), a few sentences, the default gate: exits non-zero naming every crossing.
regress: $(STAMP)
	rm -rf out/regress && mkdir -p out
	$(BIN)/python -m compress.cli bench $$($(BIN)/python -m eval.regress) bench=quick \
		--check eval/thresholds/default.yaml --out out/regress

clean:
	rm -rf $(VENV) out build *.egg-info
