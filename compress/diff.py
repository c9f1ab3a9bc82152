"""What changed between two checkpoints, per layer: rows for a table."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from compress.checkpoint import voice_tensors
from compress.models.voice import Voice


@dataclass
class LayerDiff:
    layer: str  # module path (the tensor name without .weight/.bias...)
    params_a: int
    params_b: int
    shapes: str  # "a -> b" of the layer's largest tensor when a shape changed
    max_abs_change: float | None  # over same-shaped tensors; None when shapes differ


def layer_of(tensor_name: str) -> str:
    return tensor_name.rsplit(".", 1)[0]


def compare(a: Voice, b: Voice) -> list[LayerDiff]:
    """Layers whose tensors differ in shape or value, in a's order (then b's new layers)."""
    ta, tb = voice_tensors(a), voice_tensors(b)
    layers: dict[str, list[str]] = {}
    for name in list(ta) + [n for n in tb if n not in ta]:
        layers.setdefault(layer_of(name), []).append(name)
    rows = []
    for layer, names in layers.items():
        pa = sum(ta[n].numel() for n in names if n in ta)
        pb = sum(tb[n].numel() for n in names if n in tb)
        same_shape = all(n in ta and n in tb and ta[n].shape == tb[n].shape for n in names)
        if same_shape:
            change = max(float((ta[n].float() - tb[n].float()).abs().max()) if ta[n].numel() else 0.0 for n in names)
            if change == 0.0:
                continue
            rows.append(LayerDiff(layer, pa, pb, "", change))
        else:
            big = max(names, key=lambda n: max(ta[n].numel() if n in ta else 0, tb[n].numel() if n in tb else 0))
            shape = " -> ".join(str(tuple(t[big].shape)) if big in t else "-" for t in (ta, tb))
            rows.append(LayerDiff(layer, pa, pb, shape, None))
    return rows


def manifest_rows(manifest: dict) -> list[dict]:
    """The last stage's own change list, one row per changed group or module."""
    return [dict(change) for change in manifest["history"][-1].get("changes", [])]


def stages_between(a: Path, b: Path) -> list[str]:
    """The stages that lead from voice `a` to voice `b`, when b's history passes through a's
    weights (empty when neither is a stage dir or b does not descend from a)."""
    from compress.checkpoint import load_manifest
    from compress.models.voice_dir import is_project_checkpoint, resolve_voice_dir

    a, b = resolve_voice_dir(a), resolve_voice_dir(b)
    if not is_project_checkpoint(b):
        return []
    history = load_manifest(b)["history"]
    if is_project_checkpoint(a):
        target = load_manifest(a)["weights_sha256"]
    else:
        target = history[0]["output_sha256"] if history[0].get("source") == str(a.resolve()) else None
    outputs = [entry["output_sha256"] for entry in history]
    if target not in outputs:
        return []
    start = outputs.index(target)
    return [f"{i}:{entry['stage']}" for i, entry in enumerate(history) if i > start]


def total_params(voice: Voice) -> int:
    return sum(t.numel() for t in voice_tensors(voice).values())
