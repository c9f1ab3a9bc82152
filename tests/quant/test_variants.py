"""A recipe variant runs the stage and reports its figures."""

from compress.quant.variants import run_variant


def test_a_calibration_only_variant_reports_its_distance_and_no_qat(tiny_voice):
    notes = []
    row = run_variant(tiny_voice, {"steps": 0, "vocoder_steps": 0, "calib_sentences": 1, "measure_sentences": 1, "islands": []},
                      notes.append)
    assert row["db_after_calibration"] > 0 and row["db_after_qat"] is None and row["qat"] == {}
    assert "fp16-on-gpu/fp32-on-cpu" not in row["precision"] and row["precision"]["int8"] > 100
    assert notes and notes[0].startswith("# calibration starts")
