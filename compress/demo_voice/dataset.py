"""The demo voice's training data on disk: layout, writing, and a numpy loader.

    <root>/
      audio_config.yaml          the KAN-TTS audio config the features follow (`audio_config:` block)
      mel_mean.txt mel_std.txt f0_mean.txt f0_std.txt energy_mean.txt energy_std.txt
                                 corpus normalization stats, KAN-TTS's text format (one row each)
      stats.json                 the same numbers, plus frame counts
      metadata.jsonl             one JSON object per utterance (see docs/features.md)
      raw_metafile.txt           "<id>\t<symbols>" per utterance, as KAN-TTS's training metafile
      build.json                 how the data was built: config, timings, rejections, measurements
      utts/<id>.npz              the arrays of one utterance (uncompressed npz):
          wav           (F*hop,)    int16   trimmed, padded to F*hop samples (float = int16 / 32768)
          mel           (F, n_mels) float32 mean/std-normalized log-mel
          duration      (T,)        int32   frames per token; sums to F
          pitch, energy (T,)        float32 phone-level, normalized (what the predictors learn)
          frame_f0      (F,)        float32 continuous F0, normalized (unvoiced frames interpolated)
          frame_uv      (F,)        float32 voicing 0/1
          frame_energy  (F,)        float32 normalized energy

T is the number of tokens of the utterance's symbol line (2 per syllable, 1 per break).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from compress.audio.config import FeatureConfig, load_feature_config
from compress.audio.normalize import MeanStd, load_kantts_stats
from compress.demo_voice.features import CorpusStats
from compress.errors import DataError

FORMAT_VERSION = 1
UTT_DIR = "utts"
METADATA = "metadata.jsonl"
STAT_NAMES = ("mel", "f0", "energy")
ARRAYS = ("wav", "mel", "duration", "pitch", "energy", "frame_f0", "frame_uv", "frame_energy")


@dataclass
class Utterance:
    """One utterance as numpy arrays plus its metadata row."""

    meta: dict
    wav: np.ndarray  # float32
    mel: np.ndarray
    duration: np.ndarray
    pitch: np.ndarray
    energy: np.ndarray
    frame_f0: np.ndarray
    frame_uv: np.ndarray
    frame_energy: np.ndarray

    @property
    def id(self) -> str:
        return self.meta["id"]

    @property
    def symbols(self) -> str:
        return self.meta["symbols"]


def utterance_path(root: Path, utt_id: str) -> Path:
    return Path(root) / UTT_DIR / f"{utt_id}.npz"


def write_utterance(root: Path, utt_id: str, arrays: dict[str, np.ndarray]) -> None:
    missing = set(ARRAYS) - set(arrays)
    if missing:
        raise DataError(f"utterance {utt_id} lacks {sorted(missing)}")
    np.savez(utterance_path(root, utt_id), **{name: arrays[name] for name in ARRAYS})


def wav_to_int16(wav: np.ndarray) -> np.ndarray:
    """KAN-TTS saves float waveforms as int16(32767 * x)."""
    return np.clip(np.round(wav * 32767.0), -32768, 32767).astype(np.int16)


def load_index(root: str | Path) -> list[dict]:
    """The metadata rows, in build order."""
    path = Path(root) / METADATA
    if not path.is_file():
        raise DataError(f"{root} is not a demo-voice dataset (no {METADATA})")
    with path.open(encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]


def load_utterance(root: str | Path, meta: dict | str) -> Utterance:
    """Arrays of one utterance; `meta` is a row of `load_index` or an utterance id."""
    if isinstance(meta, str):
        rows = {row["id"]: row for row in load_index(root)}
        if meta not in rows:
            raise DataError(f"no utterance {meta!r} in {root}")
        meta = rows[meta]
    path = utterance_path(Path(root), meta["id"])
    try:
        with np.load(path) as data:
            arrays = {name: data[name] for name in ARRAYS}
    except (OSError, KeyError, ValueError) as err:
        raise DataError(f"cannot read {path}: {err}") from None
    arrays["wav"] = arrays["wav"].astype(np.float32) / 32768.0
    return Utterance(meta=meta, **arrays)


def save_stats(root: Path, stats: CorpusStats, frames: int) -> None:
    from compress.audio.normalize import save_kantts_stats

    for name in STAT_NAMES:
        save_kantts_stats(getattr(stats, name), root, name)
    payload = {name: getattr(stats, name).to_json() for name in STAT_NAMES} | {"frames": frames}
    (Path(root) / "stats.json").write_text(json.dumps(payload, indent=1), encoding="utf-8")


def load_stats(root: str | Path) -> CorpusStats:
    """The normalization stats, read from the KAN-TTS text files (the values used to normalize)."""
    loaded: dict[str, MeanStd] = {name: load_kantts_stats(Path(root), name) for name in STAT_NAMES}
    return CorpusStats(**loaded)


def load_config(root: str | Path) -> FeatureConfig:
    return load_feature_config(Path(root) / "audio_config.yaml")
