"""The qat stage: swap, calibrate, fine-tune by distillation, freeze.

    1. the precision table (policy.py): every conv/linear INT8 unless an island;
    2. swap those layers for fake-quantized ones (swap.py);
    3. calibration: activation ranges (EMA of per-batch maxima, or the running max) over
       text-only sentences in every speaker and emotion, the float parent's targets;
    4. QAT: distillation from the float parent with the recovery machinery of prune
       (compress/prune/recovery.py), ranges still tracking until `freeze_step`, then frozen;
    5. measured against the parent (durations held) after calibration and after QAT.

The returned voice computes in torch exactly what an INT8 engine with these scales computes
(fake quantization); its state_dict holds every quantizer's amax. `restore` rebuilds the
same modules on a float voice of the same widths before its tensors load.
"""

from __future__ import annotations

import copy
import time
from dataclasses import asdict
from pathlib import Path

from compress.errors import VoiceLoadError
from compress.models.voice import Voice
from compress.prune.recovery import recover
from compress.emotions import CALIBRATION_ROTATION
from compress.prune.stage import _mel_fn
from compress.quant.backend import CalibratorSpec
from compress.quant.calibrate import FreezeAfter, calibrate, set_phase
from compress.quant.config import QatConfig
from compress.quant.policy import INT8, LayerPlan, QatError, plan_layers, precision_counts
from compress.quant.report import layer_table, markdown
from compress.quant.swap import quantized_layers, strip, swap
from compress.registry import StageEntry
from compress.stage import Stage, StageContext, StageRecord, StageResult
from compress.train.teacher import teacher_items
from sensitivity import calibration as calib
from sensitivity.measure import voice_distance

MODE_VERSION = 1

class QatStage(Stage):
    """Convert: swap, calibrate, QAT. Restore: the same swaps on the float modules, so that
    the saved quantizer ranges load strictly."""

    name = "qat"

    def apply(self, voice: Voice, config: QatConfig, ctx: StageContext) -> StageResult:
        started, seconds = time.perf_counter(), {}
        if quantized_layers(voice):
            raise QatError(f"{voice.source} is already quantized; run qat on its float parent or a stripped copy")
        plans = plan_layers(voice, config.islands, config.transpose_axis)
        student = copy.deepcopy(voice)
        swap(student, plans, config.calibrator_spec(), config.conv_outputs())
        speakers = list(voice.tables.speakers)
        texts = config.distillation().text_lines()
        calibration = calib.from_text(voice, texts, config.calib_sentences, speakers, list(CALIBRATION_ROTATION))
        items = teacher_items(voice, calibration.encoded())
        calibrate(student, items, lambda done, total: ctx.step("calibration", done, total))
        set_phase(student.am, "frozen")
        set_phase(student.vocoder, "frozen")
        seconds["calibration"] = time.perf_counter() - started
        measure = calibration.encoded(config.measure_sentences)
        metrics = {"db_after_calibration": voice_distance(voice, student, measure)}
        if config.trained_parts():
            metrics["qat"] = self._qat(student, voice, config, ctx)
            metrics["db_after_qat"] = voice_distance(voice, student, measure)
        for layer in quantized_layers(student).values():
            layer.refresh_weight_amax()
        seconds["total"] = time.perf_counter() - started
        metrics["seconds"] = {k: round(v, 1) for k, v in seconds.items()}
        metrics["precision"] = precision_counts(plans)
        table = layer_table(plans, student)
        record = StageRecord(changes=table, metrics=metrics)
        record.report = markdown(record, config)
        mode = self._mode(plans, config)
        if config.strip:
            student, mode["stripped"] = strip(student), True
        return StageResult(student, record, mode)

    @staticmethod
    def _qat(student: Voice, teacher: Voice, config: QatConfig, ctx: StageContext) -> dict:
        """Distillation with fake quantization on; ranges track until freeze_step."""
        distill = config.distillation()
        texts = distill.text_lines()
        data = calib.from_text(teacher, texts, len(texts), list(teacher.tables.speakers), list(CALIBRATION_ROTATION))
        totals = config.part_steps()
        hooks = [FreezeAfter(student.am, config.freeze_step), FreezeAfter(student.vocoder, config.freeze_step)]
        try:
            logs = recover(student, teacher, data.encoded(), distill, _mel_fn(teacher), config.seed,
                           progress=lambda part, step, row: ctx.step(f"qat ({part})", step, totals[part]),
                           parts=config.trained_parts())
        finally:
            for hook in hooks:
                hook.close()
        return {part: {"seconds": round(log.seconds, 1), "steps": totals[part],
                       "seconds_per_step": round(log.seconds / max(totals[part], 1), 3), "rows": log.rows}
                for part, log in logs.items()}

    @staticmethod
    def _mode(plans: list[LayerPlan], config: QatConfig) -> dict:
        return {"version": MODE_VERSION, "calibrator": asdict(config.calibrator_spec()),
                "transpose_axis": config.transpose_axis, "islands": list(config.islands), "frozen": True,
                "conv_outputs": list(config.conv_outputs()),
                "stripped": False, "layers": [p.to_dict() for p in plans]}

    def restore(self, voice: Voice, mode: dict, stage_dir: Path | None = None) -> Voice:
        """Swap the recorded int8 layers of a float voice (built from the stage's widths,
        tensors not loaded yet) so that its state_dict has the saved keys and shapes."""
        if mode.get("version") != MODE_VERSION:
            raise VoiceLoadError(f"{stage_dir}: qat mode version {mode.get('version')!r} is not {MODE_VERSION}")
        if mode.get("stripped"):
            return voice
        try:
            plans = [LayerPlan(**layer) for layer in mode["layers"]]
            swap(voice, [p for p in plans if p.precision == INT8], CalibratorSpec(**mode["calibrator"]),
                 tuple(mode.get("conv_outputs", ())))
        except (KeyError, TypeError, AttributeError, ValueError) as err:
            raise VoiceLoadError(f"{stage_dir}: the qat mode does not fit the voice ({err})") from None
        set_phase(voice.am, "frozen")
        set_phase(voice.vocoder, "frozen")
        return voice


ENTRY = StageEntry(name="qat", config_class=QatConfig, group="qat",
                   stage=QatStage(), label="INT8")
