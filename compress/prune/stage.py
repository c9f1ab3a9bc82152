"""The prune stage: measure, allocate, remove, recover.

    1. Taylor importance of every unit on calibration sentences (sensitivity.taylor);
    2. sensitivity curves of every unprotected group except heads (sensitivity.curves);
    3. allocation: heads to a fixed share of their dimension, the other groups greedily from
       their curves until the parameter target is met (allocate.py);
    4. physical removal (surgery.py);
    5. recovery by distillation from the unpruned voice (recovery.py), measured before and
       after on the same sentences with the parent's durations.
"""

from __future__ import annotations

import time

from compress.audio.mel_torch import LogMel
from compress.checkpoint import build_from_arch, voice_tensors
from compress.emotions import CALIBRATION_ROTATION
from compress.models.voice import Voice
from compress.prune.allocate import allocate, match_patterns
from compress.prune.config import PruneConfig
from compress.prune.cost import element_weights
from compress.prune.recovery import recover
from compress.prune.report import changes, markdown
from compress.prune.surgery import pad, planned_cost, remove
from compress.registry import StageEntry
from compress.stage import Stage, StageContext, StageRecord, StageResult
from compress.units.compute import macs_per_second, usage_rates
from compress.units.voice_groups import voice_groups
from sensitivity import calibration as calib
from sensitivity.curves import sensitivity_curves
from sensitivity.measure import Measurer, voice_distance
from sensitivity.taylor import taylor_importance



def changed_parts(plan) -> frozenset[str]:
    """"acoustic" and/or "vocoder": the halves of the voice that the plan prunes."""
    return frozenset("vocoder" if name.startswith("voc.") else "acoustic" for name in plan)


class PruneStage(Stage):
    """Convert: physical removal (the new widths). Restore: nothing to replay, since loading
    builds the modules from the widths that arch.json records."""

    name = "prune"

    def apply(self, voice: Voice, config: PruneConfig, ctx: StageContext) -> StageResult:
        started, seconds = time.perf_counter(), {}
        groups = voice_groups(voice.am.arch, voice.vocoder.arch)
        by_name = {g.name: g for g in groups}
        protected = match_patterns(config.protect, list(by_name))
        shapes = {k: t.shape for k, t in voice_tensors(voice).items()}
        total = sum(s.numel() for s in shapes.values())
        sentences = calib.read_lines(calib.DEFAULT_TEXT)
        calibration = calib.from_text(voice, sentences, config.calibration_sentences, list(voice.tables.speakers),
                                      list(CALIBRATION_ROTATION))
        measure = calibration.encoded(config.measure_sentences)

        importance = taylor_importance(voice, groups, calibration.encoded(), config.passes, config.seed,
                                       vocoder_sentences=config.measure_sentences, progress=ctx.step)
        seconds["importance"] = time.perf_counter() - started
        candidates = [g for g in groups if g.kind != "heads" and g.name not in protected]
        measurer = Measurer(voice, measure, config.am_distance)
        curves = sensitivity_curves(voice, candidates, importance, measure, config.fractions, measurer=measurer,
                                    progress=ctx.step)
        seconds["curves"] = time.perf_counter() - started - sum(seconds.values())
        usage = usage_rates(voice, measure, config.rate_frames_per_token)
        allocation = allocate(by_name, importance, curves, shapes, int(config.target_params * total),
                              config.head_dim_keep, protected, config.min_fraction,
                              element_weights(usage, shapes, config.macs_weight, config.load_macs),
                              config.channel_multiple)
        pruned = remove(voice, by_name, allocation.plan)
        metrics = {"params_kept": pruned.parameter_count() / voice.parameter_count(),
                   "macs_kept": planned_cost(by_name, allocation.plan, shapes, usage.macs)
                   / macs_per_second(usage.macs, shapes),
                   "predicted_db": allocation.predicted_db,
                   "db_before_recovery": voice_distance(voice, pruned, measure)}
        if config.recovery.steps:
            texts = config.recovery.text_lines()
            student_data = calib.from_text(voice, texts, len(texts), list(voice.tables.speakers),
                                        list(CALIBRATION_ROTATION))
            totals = config.recovery.part_steps
            logs = recover(pruned, voice, student_data.encoded(), config.recovery, _mel_fn(voice), config.seed,
                           progress=lambda part, step, row: ctx.step(f"recovery ({part})", step, totals[part]),
                           parts=changed_parts(allocation.plan))
            metrics["db_after_recovery"] = voice_distance(voice, pruned, measure)
            metrics["recovery"] = {part: {"seconds": round(log.seconds, 1), "rows": log.rows} for part, log in logs.items()}
        seconds["total"] = time.perf_counter() - started
        metrics["seconds"] = {k: round(v, 1) for k, v in seconds.items()}
        record = StageRecord(changes=changes(by_name, allocation, shapes, protected), metrics=metrics)
        record.report = markdown(voice, pruned, record, config, curves)
        return StageResult(pruned, record)

    def widen(self, voice: Voice, entry: dict) -> Voice:
        """Zero-pad every removed unit back (surgery.pad), from the removed indices recorded."""
        parent = build_from_arch(entry["input_arch"], voice.source)
        groups = {g.name: g for g in voice_groups(parent.am.arch, parent.vocoder.arch)}
        plan = {row["group"]: [[u for u in range(row["before"]) if u not in set(gone)] for gone in row["removed"]]
                for row in entry["changes"] if row.get("removed")}
        return pad(voice, groups, plan, parent)


def _mel_fn(voice: Voice):
    """The vocoder-loss mel of the voice's own audio config (natural log-mel, unnormalised)."""
    return LogMel(voice.audio)


ENTRY = StageEntry(name="prune", config_class=PruneConfig, group="prune",
                   stage=PruneStage(), label="Pruned")
