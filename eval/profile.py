"""Where the time of one sentence goes: wall time, MACs and achieved FLOP rate per part.

The parts are the calls synthesis makes (frontend, text encoder, variance adaptor with the
duration predictor, the autoregressive decoder, the post-net, the vocoder). They are timed by
wrapping those calls on the loaded voice for the duration of the measurement, so the model
code runs unchanged; what the acoustic model does between them (length regulation glue,
masks) is reported as `am other`. MACs come from a separate counted pass (compress/units/compute.py),
because operator counting slows the run it counts. The FLOP rate of each part is set against
this CPU's fp32 matmul ceiling, measured here with the same thread count.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import torch

from compress import synthesis
from compress.errors import InputError
from compress.models.voice import Voice
from compress.units.compute import count
from eval.inputs import text_to_lines

# Parts of the acoustic model, in call order: (part, attribute path of the object, method).
AM_CALLS = (
    ("encoder", "text_encoder", "forward"),
    ("encoder", "spk_tokenizer", "forward"),
    ("encoder", "emo_tokenizer", "forward"),
    ("variance", "variance_adaptor", "predict_prosody"),
    ("variance", "variance_adaptor.duration_predictor", "infer"),
    ("variance", "variance_adaptor", "teacher_forced_durations"),
    ("variance", "variance_adaptor", "regulate"),
    ("decoder", "mel_decoder", "infer"),
    ("postnet", "mel_postnet", "forward"),
)
PARTS = ("frontend", "encoder", "variance", "decoder", "postnet", "am other", "vocoder")
# An export's parts are its graphs (compress/export/graphs.py; the encoder graph holds the
# variance adaptor's pitch and energy predictors, the memory graph the length regulator);
# "driver other" is the Python driver between them. MACs are not counted there.
ONNX_PARTS = ("frontend", "encoder", "duration_step", "memory", "decoder_step", "postnet_fsmn", "postnet_lstm",
              "driver other", "vocoder")


@dataclass
class PartTime:
    name: str
    seconds: float  # median over repeats
    macs: int = 0

    @property
    def gflops(self) -> float:
        return 2 * self.macs / self.seconds / 1e9 if self.seconds > 0 else 0.0


@dataclass
class Profile:
    text: str
    tokens: int
    frames: int
    audio_s: float
    decoder_steps: int
    threads: int
    repeats: int
    matmul_gflops: float
    frontend_first_s: float  # the first call in this process: dictionaries load, caches fill
    parts: list[PartTime] = field(default_factory=list)

    @property
    def total_s(self) -> float:
        return sum(p.seconds for p in self.parts)

    def as_dict(self) -> dict:
        return {
            "text": self.text, "tokens": self.tokens, "frames": self.frames, "audio_s": round(self.audio_s, 3),
            "decoder_steps": self.decoder_steps, "threads": self.threads, "repeats": self.repeats,
            "matmul_gflops": round(self.matmul_gflops, 1), "frontend_first_s": round(self.frontend_first_s, 4),
            "total_s": round(self.total_s, 4),
            "parts": [{"name": p.name, "seconds": round(p.seconds, 4), "macs": p.macs,
                       "gflops": round(p.gflops, 2),
                       "ceiling_share": round(p.gflops / self.matmul_gflops, 4) if self.matmul_gflops else 0.0}
                      for p in self.parts],
        }


def matmul_ceiling(sizes=(512, 1024, 2048), seconds_per_size: float = 0.5) -> float:
    """Best fp32 GFLOP/s of square torch.mm on this CPU at the current thread count."""
    best = 0.0
    for n in sizes:
        a, b = torch.randn(n, n), torch.randn(n, n)
        torch.mm(a, b)  # warm-up: allocations, oneDNN/BLAS dispatch
        runs, start = [], time.perf_counter()
        while time.perf_counter() - start < seconds_per_size or len(runs) < 3:
            t0 = time.perf_counter()
            torch.mm(a, b)
            runs.append(time.perf_counter() - t0)
        best = max(best, 2 * n**3 / min(runs) / 1e9)
    return best


def _resolve(root, path: str):
    for name in path.split("."):
        root = getattr(root, name)
    return root


@contextmanager
def _wrapped(voice: Voice, around: Callable[[str, object, Callable, tuple, dict], object]) -> Iterator[None]:
    """Route every timed call of the voice through `around(part, owner, original, args, kwargs)`.

    Instance attributes shadow the class methods and are deleted afterwards, so the voice is
    left exactly as it was. Only the outermost timed call counts (no part nests in another)."""
    targets = [(part, _resolve(voice.am, path), method) for part, path, method in AM_CALLS]
    targets.append(("vocoder", voice.vocoder, "forward"))
    depth = [0]

    def make(part, owner, original):
        def call(*args, **kwargs):
            if depth[0]:
                return original(*args, **kwargs)
            depth[0] += 1
            try:
                return around(part, owner, original, args, kwargs)
            finally:
                depth[0] -= 1
        return call

    patched = []
    try:
        for part, owner, method in targets:
            if method in vars(owner):
                raise RuntimeError(f"{type(owner).__name__}.{method} is already wrapped")
            object.__setattr__(owner, method, make(part, owner, getattr(owner, method)))
            patched.append((owner, method))
        yield
    finally:
        for owner, method in patched:
            object.__delattr__(owner, method)


def _timed_pass(voice: Voice, encoded, durations) -> dict[str, float]:
    spent: dict[str, float] = dict.fromkeys(PARTS, 0.0)

    def around(part, _owner, original, args, kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[part] += time.perf_counter() - start

    with _wrapped(voice, around):
        start = time.perf_counter()
        synthesis.synthesize(voice, encoded, durations=durations)
        total = time.perf_counter() - start
    spent["am other"] = max(0.0, total - sum(spent.values()))
    return spent


def _onnx_timed_pass(voice: Voice, encoded, durations) -> dict[str, float]:
    from compress.export.bridge import onnx_voice
    from compress.export.runtime import hooked_sessions

    spent: dict[str, float] = dict.fromkeys(ONNX_PARTS, 0.0)

    def around(graph, _feeds, run):
        start = time.perf_counter()
        try:
            return run()
        finally:
            spent[graph] += time.perf_counter() - start

    with hooked_sessions(onnx_voice(voice), around):
        start = time.perf_counter()
        synthesis.synthesize(voice, encoded, durations=durations)
        total = time.perf_counter() - start
    spent["driver other"] = max(0.0, total - sum(spent.values()))
    return spent


def _counted_pass(voice: Voice, encoded, durations) -> dict[str, int]:
    found_per_call: list[tuple[str, dict]] = []

    def around(part, owner, original, args, kwargs):
        with count(owner) as found:
            result = original(*args, **kwargs)
        found_per_call.append((part, found))  # `found` is filled when its block exits
        return result

    with _wrapped(voice, around):
        synthesis.synthesize(voice, encoded, durations=durations)
    counted = dict.fromkeys(PARTS, 0)
    for part, found in found_per_call:
        counted[part] += found["macs"]
    return counted


def spread_frames(tokens: int, frames: int) -> np.ndarray:
    """`frames` spread over `tokens` as evenly as integers allow (the first ones get the extra)."""
    if tokens <= 0 or frames < tokens:
        raise InputError(f"cannot spread {frames} frames over {tokens} tokens (at least one frame each)")
    base, extra = divmod(frames, tokens)
    return np.array([base + 1] * extra + [base] * (tokens - extra), dtype=np.int64)


def profile_sentence(voice: Voice, text: str, speaker: str, emotion: str | None = None,
                     audio_s: float | None = None, repeats: int = 5,
                     progress: Callable[[str], None] | None = None) -> Profile:
    """Median per-part wall time over `repeats` warm runs of one sentence, plus MACs per part.

    `audio_s` holds the sentence to that much audio (frames spread evenly over its tokens);
    without it the voice's own predicted durations decide."""
    if repeats < 1:
        raise InputError(f"repeats must be at least 1, got {repeats}")
    exported = bool((getattr(voice, "runtime", None) or {}).get("backend"))  # parts are its graphs
    start = time.perf_counter()
    lines, _ = text_to_lines(text, emotion, speaker)
    frontend_first_s = time.perf_counter() - start
    encoded = synthesis.encode_lines(voice, lines, speaker=speaker, emotion=emotion)
    tokens = sum(len(s.ling) for s in encoded)
    durations = None
    if audio_s is not None:
        if audio_s <= 0:
            raise InputError(f"audio seconds must be positive, got {audio_s}")
        total = round(audio_s * voice.sample_rate / voice.audio.hop_length)
        per_line = [round(total * len(s.ling) / tokens) for s in encoded]
        durations = [spread_frames(len(s.ling), n) for s, n in zip(encoded, per_line)]

    frontend_s = []
    with torch.no_grad():
        result = synthesis.synthesize(voice, encoded, durations=durations)  # warm-up
        runs = []
        for index in range(repeats):
            if progress:
                progress(f"run {index + 1}/{repeats}")
            start = time.perf_counter()
            text_to_lines(text, emotion, speaker)
            frontend_s.append(time.perf_counter() - start)
            runs.append((_onnx_timed_pass if exported else _timed_pass)(voice, encoded, durations))
        if progress and not exported:
            progress("counting MACs")
        counted = dict.fromkeys(ONNX_PARTS, 0) if exported else _counted_pass(voice, encoded, durations)
        if progress:
            progress("measuring the matmul ceiling")
        ceiling = matmul_ceiling()
    frames = sum(int(o.mel.shape[0]) for o in result.sentences)
    parts = [PartTime("frontend", statistics.median(frontend_s))]
    parts += [PartTime(name, statistics.median(run[name] for run in runs), counted[name])
              for name in (ONNX_PARTS if exported else PARTS) if name != "frontend"]
    steps = sum(-(-int(o.mel.shape[0]) // voice.am.r) for o in result.sentences)
    return Profile(text=text, tokens=tokens, frames=frames, audio_s=frames * voice.audio.hop_length / voice.sample_rate,
                   decoder_steps=steps, threads=torch.get_num_threads(), repeats=repeats,
                   matmul_gflops=ceiling, frontend_first_s=frontend_first_s, parts=parts)


def format_table(profile: Profile) -> str:
    """Markdown: seconds, share, GFLOP, GFLOP/s and share of the matmul ceiling per part."""
    total = profile.total_s
    head = (f"{profile.tokens} tokens, {profile.frames} frames ({profile.audio_s:.2f} s of audio), "
            f"{profile.decoder_steps} decoder steps, {profile.threads} threads, median of {profile.repeats}; "
            f"fp32 matmul ceiling {profile.matmul_gflops:.1f} GFLOP/s\n\n")
    rows = ["| part | seconds | share | GFLOP | GFLOP/s | of ceiling |", "|---|---:|---:|---:|---:|---:|"]
    for part in profile.parts:
        gflop = 2 * part.macs / 1e9
        rate = f"{part.gflops:.1f}" if part.macs else "-"
        share = f"{part.gflops / profile.matmul_gflops:.0%}" if part.macs else "-"
        rows.append(f"| {part.name} | {part.seconds:.3f} | {part.seconds / total:.0%} | "
                    f"{gflop:.2f} | {rate} | {share} |")
    all_macs = sum(p.macs for p in profile.parts)
    rows.append(f"| **total** | {total:.3f} | 100% | {2 * all_macs / 1e9:.2f} | "
                f"{2 * all_macs / total / 1e9:.1f} | {2 * all_macs / total / 1e9 / profile.matmul_gflops:.0%} |")
    decoder = next(p for p in profile.parts if p.name in ("decoder", "decoder_step"))
    foot = (f"\n\ndecoder: {decoder.seconds / max(1, profile.decoder_steps) * 1e3:.2f} ms per step; "
            f"frontend's first call in this process (dictionaries loading): {profile.frontend_first_s:.3f} s")
    return head + "\n".join(rows) + foot + "\n"
