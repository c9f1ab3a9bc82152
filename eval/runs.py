"""A run: one version of a voice, loaded from a KAN-TTS voice dir, a voices/ root or a stage dir."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from compress.errors import InputError, VoiceLoadError


@dataclass
class Run:
    name: str
    path: Path  # the resolved voice dir or stage dir
    voice: object  # compress.models.voice.Voice
    kind: str  # "kantts" or "checkpoint"
    weight_files: list[Path]

    @property
    def disk_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.weight_files)

    def weight_bytes(self) -> int:
        """Bytes of every tensor of the loaded networks (parameters and buffers)."""
        return sum(t.numel() * t.element_size() for m in self.voice.modules().values()
                   for t in list(m.parameters()) + list(m.buffers()))


def weight_files(path: Path) -> tuple[str, list[Path]]:
    """The files holding a run's weights, and the kind of run."""
    from compress.models.voice_dir import is_project_checkpoint, latest_checkpoint

    if is_project_checkpoint(path):
        graphs = export_graphs(path)
        if graphs:  # what a deployment of an export loads: its graphs, not the float tensors
            return "export", graphs
        names = ("model.safetensors", "model.onnx")
        return "checkpoint", [path / n for n in names if (path / n).is_file()]
    return "kantts", [latest_checkpoint(path / "am" / "ckpt"), latest_checkpoint(path / "voc" / "ckpt")]


def export_graphs(path: Path) -> list[Path]:
    """The ONNX files of an export dir (none for any other voice)."""
    import json

    from compress.export.runtime import export_mode, is_export_dir

    if not is_export_dir(path):
        return []
    mode = export_mode(json.loads((path / "arch.json").read_text(encoding="utf-8")))
    return [path / file for file in mode["graphs"].values()]


FAKE_INT8 = "int8 fake-quant"  # a qat stage in torch: INT8 numbers computed in float


def backend(voice) -> tuple[str, str]:
    """(backend, precision) a run synthesizes with."""
    from eval.precision import fake_quantized, layer_rows

    runtime = getattr(voice, "runtime", None) or {}
    if not runtime and fake_quantized(layer_rows(voice)):
        return "torch", FAKE_INT8
    return runtime.get("backend", "torch"), runtime.get("precision", "fp32")


def run_name(path: Path, taken: set[str]) -> str:
    """The dir's name (`refvoice`, `01-prune`), made unique with -2, -3, ..."""
    base = path.name or str(path)
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    return name


def load_runs(paths: list[str | Path], reference: str | None = None, progress=None) -> tuple[list[Run], int]:
    """Load every run; returns (runs, index of the reference run).

    The reference is the first run, or `reference`: the name or path of one of the runs, or a
    further path, which is then loaded and put first."""
    from compress.models.voice_dir import resolve_voice_dir

    if not paths:
        raise InputError("give at least one RUN (a voice dir, voices/ root or stage dir)")
    resolved = [resolve_voice_dir(Path(p)) for p in paths]
    names = _names(resolved)
    ref_index = 0
    if reference is not None:
        ref_index = _find_reference(reference, paths, resolved, names)
        if ref_index < 0:
            resolved.insert(0, resolve_voice_dir(Path(reference)))
            names, ref_index = _names(resolved), 0
    runs = []
    for path, name in zip(resolved, names):
        runs.append(_load(path, name))
        if progress:
            progress("load", len(runs), len(resolved))
    return runs, ref_index


def _names(resolved: list[Path]) -> list[str]:
    taken: list[str] = []
    for path in resolved:
        taken.append(run_name(path, set(taken)))
    return taken


def _load(path: Path, name: str) -> Run:
    from compress.loading import load_voice

    kind, files = weight_files(path)
    return Run(name, path, load_voice(path), kind, files)


def _find_reference(reference: str, paths, resolved, names) -> int:
    """Index of the run that `reference` names (run name, path as given, or same folder); -1 if none."""
    for index, (given, name) in enumerate(zip(paths, names)):
        if reference in (str(given), name):
            return index
    if not Path(reference).exists():
        raise VoiceLoadError(f"--reference {reference!r} is neither one of the runs nor a path")
    target = Path(reference).resolve()
    for index, path in enumerate(resolved):
        if path.resolve() == target:
            return index
    return -1
