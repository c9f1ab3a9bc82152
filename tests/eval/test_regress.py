"""`make regress` picks what to compare: the default voice against itself or the newest stage."""

from __future__ import annotations

from eval import regress


def test_newest_stage(tmp_path):
    assert regress.newest_stage(tmp_path / "none") is None
    for name in ("01-prune", "02-qat", "10-export", "03-notes"):
        (tmp_path / name).mkdir()
    for name in ("01-prune", "02-qat"):
        (tmp_path / name / "manifest.json").write_text("{}")
    assert regress.newest_stage(tmp_path) == tmp_path / "02-qat"


def test_a_fake_quantized_stage_is_passed_over_for_its_parent(tmp_path):
    import json

    for name, modes in (("01-prune", []), ("02-qat", [{"stage": "qat", "mode": {"stripped": False}}]),
                        ("03-strip", [{"stage": "qat", "mode": {"stripped": True}}])):
        (tmp_path / name).mkdir()
        (tmp_path / name / "manifest.json").write_text("{}")
        (tmp_path / name / "arch.json").write_text(json.dumps({"modes": modes}))
    assert regress.newest_stage(tmp_path) == tmp_path / "03-strip"
    (tmp_path / "03-strip" / "manifest.json").unlink()
    assert regress.newest_stage(tmp_path) == tmp_path / "01-prune"


def test_regress_args_default_voice_against_itself(tmp_path):
    args, note = regress.regress_args(tmp_path / "no-demo")
    assert args[0] == args[2] == "--voice"
    runs = args[1::2]
    assert len(runs) == 2 and runs[0] == runs[1]
    assert "against itself" in note
