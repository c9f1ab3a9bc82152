"""One small bench of the tiny voice, shared by the tests that read its results.

Runs: the tiny voice (reference), the same voice again, and a copy with noise in the
vocoder's weights (a stage dir). Quick settings: 2 sentences (STOI needs the second: the first is too short), 1 timed round.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import TINY

ROOT = Path(__file__).resolve().parents[2]
SYMBOLS = ROOT / "eval" / "data" / "reference.symbols"
VOICE = TINY / "voices"
QUICK = ["bench=quick", f"bench.input={SYMBOLS}", "bench.sentences=2", "bench.samples=1"]


@pytest.fixture(scope="session")
def degraded_dir(tmp_path_factory) -> Path:
    from eval.degrade import save_degraded

    return save_degraded(VOICE, tmp_path_factory.mktemp("degraded") / "01-degrade", relative_std=0.3, seed=1)


@pytest.fixture(scope="session")
def bench_result(degraded_dir):
    from eval.bench import run_bench
    from eval.config import load_config

    # threads here; worker processes are tested on their own (test_speed.py)
    config = load_config(QUICK + ["bench.throughput.mode=thread", "bench.speed.warmup=0", "bench.speed.repeats=1",
                                  "bench.styles.emotions=[neutral,sad]",
                                  "bench.styles.sentences=1"])
    return run_bench([VOICE, VOICE, degraded_dir], config, overrides=QUICK)
