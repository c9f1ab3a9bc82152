# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup test demo regress clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

test: $(STAMP)
	@# espeak-ng renders the demo voice's data; its tests skip with a reason where it is missing
	@command -v espeak-ng >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq espeak-ng >/dev/null 2>&1; } || true
	$(BIN)/python -m pytest tests

# The main job on the embedded demo voice: samples of every speaker and emotion, a pruned
# stage dir (with recovery), and the side-by-side benchmark of the two.
demo: $(STAMP)
	rm -rf out/demo && mkdir -p out/demo
	$(BIN)/sambert-compress samples --out out/demo/samples
	$(BIN)/sambert-compress prune --out out/demo/01-prune
	$(BIN)/sambert-compress bench --voice compress/voices/demo --voice out/demo/01-prune --out out/demo/bench

# The default voice against itself (or the demo voice against its newest stage dir under
# out/demo), a few sentences, the default gate: exits non-zero naming every crossing.
regress: $(STAMP)
	rm -rf out/regress && mkdir -p out
	$(BIN)/python -m compress.cli bench $$($(BIN)/python -m eval.regress) bench=quick \
		--check eval/thresholds/default.yaml --out out/regress

clean:
	rm -rf $(VENV) out build *.egg-info
