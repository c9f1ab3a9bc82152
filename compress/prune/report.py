"""What a prune stage records: per-group changes for manifest.json, and report.md."""

from __future__ import annotations

from compress.prune.allocate import Allocation
from compress.units.groups import UnitGroup
from compress.prune.surgery import removed_units, selections


def changes(groups: dict[str, UnitGroup], allocation: Allocation, shapes: dict, protected: set[str]) -> list[dict]:
    """One row per group: widths before and after, every removed index, tensor shapes."""
    chosen = selections(groups, allocation.plan, shapes)
    rows = []
    for name, group in groups.items():
        kept = allocation.plan.get(name)
        after = len(kept[0]) if kept else group.block_size
        row = {"group": name, "kind": group.kind, "blocks": group.blocks, "before": group.block_size,
               "after": after, "kept": round(after / group.block_size, 4), "protected": name in protected}
        if kept:
            row["removed"] = removed_units(group, kept)
            row["shapes"] = {}
            for member in group.members:
                before = list(shapes[member.param])
                new = list(before)
                for dim, index in chosen.get(member.param, {}).items():
                    new[dim] = len(index)
                row["shapes"][member.param] = [before, new]
        rows.append(row)
    return rows


def _recovery_steps(metrics: dict, config) -> str:
    trained = metrics.get("recovery", {})
    steps = config.recovery.part_steps
    return "; ".join(f"{label}: {steps[part]} steps" if part in trained or not steps[part]
                     else f"{label}: unchanged, not trained"
                     for part, label in (("acoustic", "acoustic model"), ("vocoder", "vocoder")))


def markdown(parent, pruned, record, config, curves: dict) -> str:
    m = record.metrics
    lines = [
        "# Prune stage", "",
        f"Parameters: {parent.parameter_count():,} -> {pruned.parameter_count():,} "
        f"(kept {m['params_kept']:.3f}, target {config.target_params}); every attention head kept at "
        f"{config.head_dim_keep:.0%} of its dimension (rounded half up).", "",
        f"Multiply-accumulates per second of audio: kept {m['macs_kept']:.3f} (counted per operator on the "
        f"parent's measure sentences; steps ranked by quality loss per share of parameters "
        f"+ {config.macs_weight} x share of compute removed, a weight load counting as "
        f"{config.load_macs} MACs).", "",
        f"Spectral change against the parent (dB, parent's durations): predicted {m['predicted_db']:.2f}, "
        f"measured {m['db_before_recovery']:.2f} before recovery"
        + (f", {m['db_after_recovery']:.2f} after distillation ({_recovery_steps(m, config)})."
           if "db_after_recovery" in m else " (recovery disabled)."),
        "", "| group | kind | units before | after | kept |", "|---|---|---|---|---|",
    ]
    for row in record.changes:
        if row["after"] != row["before"]:
            lines.append(f"| {row['group']} | {row['kind']} | {row['blocks']} x {row['before']} | "
                         f"{row['blocks']} x {row['after']} | {row['kept']:.2f} |")
    untouched = [r["group"] for r in record.changes if r["after"] == r["before"]]
    if untouched:
        lines += ["", f"Unchanged groups ({len(untouched)}): " + ", ".join(untouched)]
    lines += ["", "Sensitivity curves (dB at 10/30/50/70/90% pruned) of the pruned groups:", ""]
    for name, points in curves.items():
        wanted = {round(f, 2): db for f, db in points}
        cells = [f"{wanted.get(f, float('nan')):.2f}" for f in (0.1, 0.3, 0.5, 0.7, 0.9)]
        lines.append(f"- {name}: " + " / ".join(cells))
    return "\n".join(lines) + "\n"
