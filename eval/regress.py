"""`python -m eval.regress`: the arguments `make regress` passes to `bench`.

The default voice against itself (a self-check of the instrument and a gate that must pass), or,
when `make demo` has written stage dirs under out/demo, the default voice against the newest
stage dir; the choice is printed on stderr.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

STAGE = re.compile(r"^(\d+)-")


def newest_stage(root: Path) -> Path | None:
    """The newest stage dir under root that runs at its own speed: a fake-quantized qat stage
    computes INT8 numbers in float (slower than its parent by design), so the gate's speed
    rules would judge nothing real; its parent is taken instead."""
    stages = [(int(m.group(1)), p) for p in root.glob("*") if (m := STAGE.match(p.name))
              and (p / "manifest.json").is_file() and not _fake_quantized(p)] if root.is_dir() else []
    return max(stages)[1] if stages else None


def _fake_quantized(stage_dir: Path) -> bool:
    import json

    from eval.precision import qat_rows

    try:
        modes = json.loads((stage_dir / "arch.json").read_text(encoding="utf-8")).get("modes", [])
    except (OSError, ValueError):
        return False
    return qat_rows(modes) is not None


def regress_args(demo_out: Path = Path("out/demo")) -> tuple[list[str], str]:
    """(bench arguments, a note saying what is compared)."""
    from compress.models.voice_dir import default_voice

    voice = default_voice()
    stage = newest_stage(demo_out)
    runs = [str(voice), str(stage if stage is not None else voice)]
    note = f"regress: {voice.name} against {stage if stage is not None else 'itself'}"
    return [word for run in runs for word in ("--voice", run)], note


def main() -> None:
    args, note = regress_args()
    print(note, file=sys.stderr)
    print(" ".join(args))


if __name__ == "__main__":
    main()
