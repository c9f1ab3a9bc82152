"""Build the demo voice's training data: text -> frontend -> espeak-ng -> aligned KAN-TTS features.

Two passes, one process (espeak-ng's library is a singleton; the build is I/O-light):

1. For each job (sentence, speaker, emotion): frontend lines -> plan -> render -> features, written
   unnormalized to a scratch file; corpus sums for the mean/std accumulate. Utterances that cannot
   be aligned or featurized are rejected and counted by reason.
2. Normalize every utterance with the corpus stats and write the final files.

Everything goes to a temporary directory beside `out_dir`, renamed into place at the end.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from compress.audio.config import FeatureConfig, save_feature_config
from compress.audio.normalize import MeanStdAccumulator
from compress.audio.spectral import mel_basis
from compress.audio.trim import speech_span
from compress.demo_voice import dataset
from compress.demo_voice.corpus import Sentence, training_sentences
from compress.demo_voice.espeak import ensure_espeak
from compress.demo_voice.features import CorpusStats, apply_gain, extract, normalized_targets
from compress.demo_voice.plan import SpeechPlan
from compress.demo_voice.render import render
from compress.demo_voice.report import DataReport
from compress.demo_voice.styles import EMOTIONS, SPEAKERS, get_emotion, get_speaker
from compress.errors import AlignmentError, DataError, FeatureError, FrontendError, SymbolError

Frontend = Callable[[str], list[str]]
Progress = Callable[[str, int, int], None]
_TEXT_ERRORS = (SymbolError, FrontendError)
_REJECTABLE = (*_TEXT_ERRORS, AlignmentError, FeatureError)


@dataclass(frozen=True)
class BuildConfig:
    """What to build. The defaults make ~2800 utterances (~10 minutes on one core)."""

    seed: int = 1234
    generated: int = 700  # sentences composed from jieba's dictionary
    renders_per_written: int = 4  # (speaker, emotion) cells per written sentence
    renders_per_generated: int = 2
    max_jobs: int | None = None  # cap (quick builds, tests)
    valid_fraction: float = 0.02  # sentences whose renders are marked split=valid
    speakers: tuple[str, ...] = tuple(SPEAKERS)
    emotions: tuple[str, ...] = tuple(EMOTIONS)
    target_rms: float = 0.06  # corpus loudness (median RMS of the speech span)
    calibration_jobs: int = 20  # renders used to set the corpus gain

    def __post_init__(self):
        for name in self.speakers:
            get_speaker(name)
        for name in self.emotions:
            get_emotion(name)
        cells = len(self.speakers) * len(self.emotions)
        if not 1 <= self.renders_per_written <= cells or not 1 <= self.renders_per_generated <= cells:
            raise DataError(f"renders per sentence must be between 1 and {cells} (speakers x emotions)")
        if not 0 < self.target_rms < 0.5:
            raise DataError("target_rms must be in (0, 0.5)")


@dataclass(frozen=True)
class Job:
    sentence: Sentence
    speaker: str
    emotion: str
    split: str


def schedule(sentences: list[Sentence], config: BuildConfig) -> list[Job]:
    """Distinct (speaker, emotion) cells per sentence, always the least-used ones (balanced)."""
    rng = random.Random(config.seed)
    cells = [(s, e) for s in config.speakers for e in config.emotions]
    used = {cell: 0 for cell in cells}
    valid_ids = {s.id for s in sentences if rng.random() < config.valid_fraction}
    jobs = []
    for sentence in sentences:
        count = config.renders_per_written if sentence.source == "written" else config.renders_per_generated
        order = sorted(cells, key=lambda c: (used[c], rng.random()))
        for speaker, emotion in order[:count]:
            used[(speaker, emotion)] += 1
            split = "valid" if sentence.id in valid_ids else "train"
            jobs.append(Job(sentence, speaker, emotion, split))
    rng.shuffle(jobs)
    return jobs[: config.max_jobs] if config.max_jobs else jobs


def default_frontend(text: str) -> list[str]:
    """ttsfrd lines of `text` from the project's frontend (speaker and emotion are set later)."""
    from compress.frontend import text_to_symbol_lines

    lines, _warnings = text_to_symbol_lines(text, "neutral", speaker="F7")
    return lines


def render_text(
    text: str,
    speaker: str,
    emotion: str,
    feature_config: FeatureConfig | None = None,
    frontend: Frontend | None = None,
    gain: float = 1.0,
) -> list[np.ndarray]:
    """espeak-ng's own rendering of `text` as the corpus renders it: one trimmed float32 waveform
    per sub-sentence (the reference the trained voice is compared with). `gain`: see build.json."""
    fc = feature_config or FeatureConfig()
    out = []
    for line in (frontend or default_frontend)(text):
        rendering = render(SpeechPlan.from_symbols(line), get_speaker(speaker), get_emotion(emotion),
                           fc.sampling_rate)
        wav = apply_gain(rendering.wav, gain)
        start, end = speech_span(wav, fc) if fc.trim_silence else (0, len(wav))
        out.append(wav[start:end])
    return out


@dataclass
class _State:
    """What pass 1 accumulates."""

    rows: list[dict] = field(default_factory=list)
    rejected: dict[str, list[str]] = field(default_factory=dict)
    lines: dict[str, list[str] | Exception] = field(default_factory=dict)

    def reject(self, reason: str, what: str) -> None:
        self.rejected.setdefault(reason, []).append(what)


class _Builder:
    def __init__(self, root: Path, config: BuildConfig, feature_config: FeatureConfig,
                 frontend: Frontend, progress: Progress | None):
        self.root, self.config, self.fc = root, config, feature_config
        self.frontend, self.progress = frontend, progress or (lambda *_: None)
        self.basis = mel_basis(feature_config)
        self.state = _State()
        self.sums = {"mel": MeanStdAccumulator(feature_config.n_mels),
                     "f0": MeanStdAccumulator(1), "energy": MeanStdAccumulator(1)}
        self.gain = 1.0

    def lines_of(self, sentence: Sentence) -> list[str]:
        if sentence.id not in self.state.lines:
            try:
                self.state.lines[sentence.id] = self.frontend(sentence.text)
            except _TEXT_ERRORS as err:
                self.state.lines[sentence.id] = err
        lines = self.state.lines[sentence.id]
        if isinstance(lines, Exception):
            raise lines
        return lines

    def calibrate(self, jobs: list[Job]) -> None:
        """Corpus gain: target RMS over the median speech RMS of the first renders."""
        levels = []
        for job in jobs[: self.config.calibration_jobs]:
            for plan in self._plans(job):
                try:
                    wav = self._render(job, plan).wav
                except _REJECTABLE:
                    continue  # counted when pass 1 meets it
                start, end = speech_span(wav, self.fc)
                if end > start:
                    levels.append(float(np.sqrt(np.mean(np.square(wav[start:end])))))
        if not levels:
            raise DataError("no calibration render succeeded; cannot set the corpus loudness")
        self.gain = self.config.target_rms / float(np.median(levels))

    def _plans(self, job: Job) -> list[SpeechPlan]:
        try:
            return [SpeechPlan.from_symbols(line) for line in self.lines_of(job.sentence)]
        except _TEXT_ERRORS:
            return []

    def _render(self, job: Job, plan: SpeechPlan):
        speaker, emotion = get_speaker(job.speaker), get_emotion(job.emotion)
        return render(plan, speaker, emotion, self.fc.sampling_rate)

    def first_pass(self, jobs: list[Job]) -> None:
        for done, job in enumerate(jobs, start=1):
            self._job(job)
            self.progress("render", done, len(jobs))

    def _job(self, job: Job) -> None:
        prefix = f"{job.sentence.id}-{job.speaker}-{job.emotion}"
        try:
            lines = self.lines_of(job.sentence)
        except _TEXT_ERRORS as err:
            self.state.reject(f"frontend: {err}"[:80], prefix)
            return
        for index, line in enumerate(lines):
            utt_id = f"{job.sentence.id}-{index}-{job.speaker}-{job.emotion}"
            try:
                self._utterance(job, index, line, utt_id)
            except _REJECTABLE as err:
                self.state.reject(f"{type(err).__name__}: {_reason(err)}", utt_id)

    def _utterance(self, job: Job, index: int, line: str, utt_id: str) -> None:
        plan = SpeechPlan.from_symbols(line)
        rendering = self._render(job, plan)
        feats = extract(rendering, plan, self.fc, self.gain, self.basis)
        self.sums["mel"].add(feats.mel)
        self.sums["f0"].add(feats.f0uv)
        self.sums["energy"].add(feats.energy)
        np.savez(self.root / "scratch" / f"{utt_id}.npz", wav=feats.wav, mel=feats.mel, f0=feats.f0,
                 uv=feats.uv, energy=feats.energy, durations=feats.durations)
        emotion = get_emotion(job.emotion)
        self.state.rows.append(_row(job, index, utt_id, plan, emotion.category, feats,
                                    rendering.unexpected_pause / self.fc.sampling_rate, self.fc))

    def second_pass(self) -> CorpusStats:
        from compress.demo_voice.features import UtteranceFeatures

        stats = CorpusStats(**{name: acc.result() for name, acc in self.sums.items()})
        for done, row in enumerate(self.state.rows, start=1):
            scratch = self.root / "scratch" / f"{row['id']}.npz"
            with np.load(scratch) as raw:
                feats = UtteranceFeatures(raw["wav"], raw["mel"], raw["f0"], raw["uv"], raw["energy"],
                                          raw["durations"])
            arrays = normalized_targets(feats, stats)
            arrays.update(wav=dataset.wav_to_int16(feats.wav), duration=feats.durations)
            dataset.write_utterance(self.root, row["id"], arrays)
            scratch.unlink()
            self.progress("normalize", done, len(self.state.rows))
        return stats


def _reason(err: Exception) -> str:
    """A short, groupable reason: the message without utterance-specific details."""
    text = str(err)
    return text.split(":")[0][:60] if ":" in text else text[:60]


def _row(job: Job, index: int, utt_id: str, plan: SpeechPlan, category: str, feats,
         unexpected_pause: float, fc: FeatureConfig) -> dict:
    seconds = feats.frames * fc.frame_seconds
    voiced = feats.f0[feats.uv > 0]
    return {
        "id": utt_id, "sentence_id": job.sentence.id, "line": index, "source": job.sentence.source,
        "domain": job.sentence.domain, "split": job.split, "text": job.sentence.text,
        "speaker": job.speaker, "emotion": job.emotion, "emotion_category": category,
        "symbols": plan.symbol_line(job.speaker, category), "pinyin": " ".join(plan.pinyin),
        "frames": feats.frames, "tokens": len(plan.tokens), "syllables": len(plan.syllables),
        "seconds": round(seconds, 4),
        "f0_median_hz": round(float(np.median(voiced)), 2) if len(voiced) else 0.0,
        "syllables_per_second": round(len(plan.syllables) / seconds, 3),
        "unexpected_pause_s": round(unexpected_pause, 4),
    }


def build_dataset(
    out_dir: str | Path,
    config: BuildConfig | None = None,
    feature_config: FeatureConfig | None = None,
    frontend: Frontend | None = None,
    progress: Progress | None = None,
    install_espeak: bool = True,
    overwrite: bool = False,
) -> DataReport:
    """Build the dataset into `out_dir` (see `dataset` for the layout); returns its report."""
    config, fc = config or BuildConfig(), feature_config or FeatureConfig()
    out_dir = Path(out_dir)
    if out_dir.exists() and not overwrite:
        raise DataError(f"{out_dir} exists; pass overwrite=True (--overwrite) to replace it")
    ensure_espeak(install=install_espeak)
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "scratch").mkdir(parents=True)
    (tmp / dataset.UTT_DIR).mkdir()
    try:
        report = _build_into(tmp, config, fc, frontend or default_frontend, progress)
        _replace(tmp, out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return report


def _build_into(root: Path, config: BuildConfig, fc: FeatureConfig, frontend: Frontend,
                progress: Progress | None) -> DataReport:
    started = time.perf_counter()
    jobs = schedule(training_sentences(config.generated, config.seed), config)
    builder = _Builder(root, config, fc, frontend, progress)
    builder.calibrate(jobs)
    builder.first_pass(jobs)
    first = time.perf_counter() - started
    if not builder.state.rows:
        raise DataError(f"every utterance was rejected: {sorted(builder.state.rejected)[:3]}")
    stats = builder.second_pass()
    (root / "scratch").rmdir()
    _write_tables(root, builder, stats, fc)
    timings = {"render_s": round(first, 1), "total_s": round(time.perf_counter() - started, 1)}
    report = DataReport.measure(builder.state.rows, builder.state.rejected, len(jobs), timings, builder.gain)
    payload = {"format_version": dataset.FORMAT_VERSION, "config": asdict(config),
               "audio_config": fc.to_kantts(), "report": report.to_json()}
    (root / "build.json").write_text(json.dumps(payload, indent=1, ensure_ascii=False), encoding="utf-8")
    return report


def _write_tables(root: Path, builder: _Builder, stats: CorpusStats, fc: FeatureConfig) -> None:
    rows = builder.state.rows
    save_feature_config(fc, root / "audio_config.yaml")
    dataset.save_stats(root, stats, frames=sum(r["frames"] for r in rows))
    with (root / dataset.METADATA).open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    with (root / "raw_metafile.txt").open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(f"{row['id']}\t{row['symbols']}\n")


def _replace(tmp: Path, out_dir: Path) -> None:
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    if out_dir.exists():
        out_dir.rename(old)
    tmp.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)
