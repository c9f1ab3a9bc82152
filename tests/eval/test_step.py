"""The bench as a pipeline step: which voices of the chain it benches."""

from __future__ import annotations

import json

from eval.step import benched


def _stage_dir(root, name, stages):
    path = root / name
    path.mkdir()
    (path / "arch.json").write_text(json.dumps({"modes": [{"stage": s, "mode": {}} for s in stages]}))
    return path


def test_a_qat_stage_followed_by_its_export_is_benched_through_the_export(tmp_path):
    original = tmp_path / "voices"  # a KAN-TTS voice dir: no arch.json
    original.mkdir()
    pruned = _stage_dir(tmp_path, "01-prune", [])
    qat = _stage_dir(tmp_path, "02-qat", ["qat"])
    export = _stage_dir(tmp_path, "03-export", ["qat", "export"])
    assert benched([original, pruned, qat, export]) == [original, pruned, export]
    assert benched([original, pruned, qat]) == [original, pruned, qat]  # no export: the fake-quant stage stays
    fp32 = _stage_dir(tmp_path, "02-export", ["export"])
    assert benched([original, pruned, fp32]) == [original, pruned, fp32]  # a float stage and its export both stay
