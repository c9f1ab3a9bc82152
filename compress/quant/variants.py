"""Run the qat stage on a voice with variants of the recipe and print each one's figures.

    python -m compress.quant.variants VOICE '{"steps": 0}' '{"steps": 0, "calibrator": "max"}' ...

Each argument is a JSON object of QatConfig keys. One JSON line per variant: the distance
from the float parent (dB, durations held) after calibration and after QAT, the seconds of
each phase and per QAT step, the precision counts. Nothing is written to disk.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable

from compress.loading import load_voice
from compress.models.voice import Voice
from compress.quant.config import QatConfig
from compress.quant.stage import QatStage
from compress.stage import StageContext


def run_variant(voice: Voice, keys: dict, note: Callable[[str], None] = lambda line: None) -> dict:
    started, seen = time.perf_counter(), set()

    def progress(phase: str, done: int, total: int) -> None:
        if phase not in seen:
            seen.add(phase)
            note(f"# {phase} starts at {time.perf_counter() - started:.1f} s")

    result = QatStage().apply(voice, QatConfig(**keys), StageContext(recipe={}, overrides=[], progress=progress))
    metrics = result.record.metrics
    return {"config": keys, "db_after_calibration": round(metrics["db_after_calibration"], 4),
            "db_after_qat": round(metrics["db_after_qat"], 4) if "db_after_qat" in metrics else None,
            "seconds": metrics["seconds"], "precision": metrics["precision"],
            "qat": {part: {k: v for k, v in log.items() if k != "rows"} for part, log in metrics.get("qat", {}).items()}}


def main() -> None:
    voice = load_voice(sys.argv[1])
    for text in sys.argv[2:]:
        print(json.dumps(run_variant(voice, json.loads(text), lambda line: print(line, flush=True))), flush=True)


if __name__ == "__main__":
    main()
