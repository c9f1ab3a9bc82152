"""An export dir as a voice for ONNX Runtime: numpy, onnxruntime and the frontend, no torch.

    voice = load_export(DIR)                     # checks every graph's sha256 first
    result = driver.synthesize(voice, driver.encode_lines(voice, lines))   # as compress.synthesis
    for mel, wav in driver.stream_with_mel(voice, symbols): ...          # as compress.streaming

What the graphs cannot tell (rates, the frame grouping r, the post-net's look-ahead, the
symbol tables) comes from the stage dir's arch.json; the graphs' own input shapes give the
rest (layer widths, LSTM and conv state shapes). Session options are the export's (its mode
records them): the graph optimization level, intra-op threads for the graphs that run once
per sentence (0 = every core), one thread for the per-step graphs, whose operations are too
small to share, and spinning off, so that waiting threads leave a shared CPU to others.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnxruntime as ort

from compress.errors import VoiceLoadError
from compress.files import read_json
from compress.export.config import OPTIMIZATION_LEVELS
from compress.models.symbols import SymbolTables

STAGE = "export"
BACKEND = "onnxruntime"
# Graphs run once per token or per decoder step: one intra-op thread.
STEP_GRAPHS = ("duration_step", "decoder_step", "postnet_lstm")
_LEVEL = ort.GraphOptimizationLevel
LEVELS = dict(zip(OPTIMIZATION_LEVELS, (_LEVEL.ORT_DISABLE_ALL, _LEVEL.ORT_ENABLE_BASIC, _LEVEL.ORT_ENABLE_EXTENDED,
                                        _LEVEL.ORT_ENABLE_ALL)))


@dataclass
class OnnxVoice:
    """What the driver needs: sessions by graph name and the few numbers graphs do not carry."""

    directory: Path | None  # None: graphs held in memory (during an export)
    tables: SymbolTables
    sample_rate: int
    hop: int
    n_mels: int
    r: int
    max_tokens: int
    postnet_context: tuple[int, int]  # frames the post-net's FSMN reads behind and ahead
    causal: bool
    mode: dict
    sessions: dict[str, ort.InferenceSession] = field(default_factory=dict)
    f0_norm: dict | None = None  # an NSF voice's F0 normalisation (arch.F0Norm as a dict)

    @property
    def source_harmonics(self) -> int:
        """Harmonics of an NSF voice's source (the vocoder graph's `source` input); 0 if none."""
        shape = input_shapes(self.sessions["vocoder"]).get("source")
        return int(shape[1]) if shape else 0

    @property
    def backend(self) -> str:
        return BACKEND

    @property
    def precision(self) -> str:
        return self.mode.get("precision", "fp32")


def export_mode(arch: dict) -> dict | None:
    """The export's mode when it is the last one an arch.json document records."""
    modes = arch.get("modes") or []
    return modes[-1]["mode"] if modes and modes[-1].get("stage") == STAGE else None


def is_export_dir(path: str | Path) -> bool:
    """A stage dir whose last stage is an export (read from arch.json alone)."""
    arch_path = Path(path) / "arch.json"
    if not arch_path.is_file():
        return False
    try:
        return export_mode(json.loads(arch_path.read_text(encoding="utf-8"))) is not None
    except (ValueError, UnicodeDecodeError, AttributeError, TypeError):
        return False


def session_options(settings: dict, step: bool, fold_int8_weights: bool = False) -> ort.SessionOptions:
    """`fold_int8_weights`: a float graph whose weights are stored as int8 + DequantizeLinear
    (int8.int8_stored_weights): QDQ handling off, so that constant folding turns each of them
    back into a float initializer when the session loads."""
    options = ort.SessionOptions()
    options.graph_optimization_level = LEVELS[settings.get("optimization", "all")]
    threads = int(settings.get("threads", 0)) or (os.cpu_count() or 1)
    options.intra_op_num_threads = 1 if step else threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    spin = "1" if settings.get("spinning", False) else "0"
    options.add_session_config_entry("session.intra_op.allow_spinning", spin)
    options.add_session_config_entry("session.inter_op.allow_spinning", spin)
    if fold_int8_weights:
        options.add_session_config_entry("session.disable_quant_qdq", "1")
    return options


def _checked_graph(directory: Path, name: str, digests: dict) -> bytes:
    path = directory / name
    if not path.is_file():
        raise VoiceLoadError(f"missing {path}")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != digests.get(name):
        raise VoiceLoadError(f"{path} does not match the sha256 its manifest records; the file was modified")
    return data


def _postnet_context(fsmn: dict) -> tuple[int, int]:
    """As streaming.PostnetStream sums MemoryBlock.left / .right over the layers."""
    size, shift, layers = fsmn["filter_size"], fsmn["shift"], len(fsmn["d_inner"])
    left = int(round((size - 1) / 2)) + max(shift, 0)
    right = int((size - 1) / 2) - max(shift, 0)
    return left * layers, max(right, 0) * layers


def load_export(path: str | Path, settings: dict | None = None) -> OnnxVoice:
    """Open an export dir; `settings` overrides the session settings its mode records."""
    directory = Path(path)
    arch = read_json(directory / "arch.json")
    mode = export_mode(arch)
    if mode is None:
        raise VoiceLoadError(f"{directory} is not an export dir (its last stage is not an export)")
    digests = read_json(directory / "manifest.json")["history"][-1].get("files", {})
    graphs = {name: _checked_graph(directory, file, digests) for name, file in mode["graphs"].items()}
    return open_voice(arch, mode, graphs, settings, directory)


def open_voice(arch: dict, mode: dict, graphs: dict[str, bytes], settings: dict | None = None,
               directory: Path | None = None) -> OnnxVoice:
    """The voice of an arch.json document and its graphs (by name), sessions opened."""
    am, audio = arch["sambert"], arch["audio"]
    voice = OnnxVoice(
        directory=directory, tables=SymbolTables.build(arch["speakers"], am["tables"]),
        sample_rate=int(audio["sampling_rate"]), hop=int(audio["hop_length"]), n_mels=int(am["num_mels"]),
        r=int(am["outputs_per_step"]), max_tokens=int(am["max_len"]),
        postnet_context=_postnet_context(am["postnet_fsmn"]), causal=bool(arch["hifigan"]["causal"]), mode=mode,
        f0_norm=am.get("f0_norm"))
    chosen = {**mode.get("session", {}), **(settings or {})}
    if chosen.get("optimization", "all") not in LEVELS:
        raise VoiceLoadError(f"unknown graph optimization level {chosen['optimization']!r}; use {', '.join(LEVELS)}")
    rows = mode.get("int8", {}).get("graphs", {})
    for name, data in graphs.items():
        options = session_options(chosen, name in STEP_GRAPHS, rows.get(name, {}).get("fold_int8_weights", False))
        voice.sessions[name] = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
    return voice


def input_shapes(session: ort.InferenceSession) -> dict[str, list]:
    return {i.name: i.shape for i in session.get_inputs()}


def zeros_for(session: ort.InferenceSession, names: list[str]) -> list[np.ndarray]:
    """Zero tensors of the shapes a graph declares for `names` (its state inputs), a dynamic
    (named) axis taken as 1: the batch axis of the tensorrt target's vocoder."""
    shapes = input_shapes(session)
    return [np.zeros([d if isinstance(d, int) else 1 for d in shapes[name]], dtype=np.float32) for name in names]


class _HookedSession:
    """A session stand-in whose `run` goes through `around(graph, feeds, run)`."""

    def __init__(self, name: str, session, around: Callable):
        self.name, self.session, self.around = name, session, around

    def get_inputs(self):
        return self.session.get_inputs()

    def run(self, outputs, feeds):
        return self.around(self.name, feeds, lambda: self.session.run(outputs, feeds))


@contextmanager
def hooked_sessions(voice: OnnxVoice, around: Callable[[str, dict, Callable], list]) -> Iterator[None]:
    """Route every graph run of the voice through `around(graph name, feeds, run)` (recording
    feeds, timing graphs); the sessions are put back afterwards."""
    sessions = dict(voice.sessions)
    try:
        for name, session in sessions.items():
            voice.sessions[name] = _HookedSession(name, session, around)
        yield
    finally:
        voice.sessions.update(sessions)
