"""A stand-in for a demo-voice dataset, without espeak-ng: real symbol lines, random mels,
and waveforms that are sines at the F0 the features record (voiced three frames in four)."""

from __future__ import annotations

import json

import numpy as np

from compress.audio.config import FeatureConfig, save_feature_config
from compress.audio.normalize import MeanStd
from compress.demo_voice import dataset
from compress.demo_voice.features import CorpusStats
from compress.models.symbols import parse_tokens

F0_MEAN, F0_STD = 170.0, 40.0
HOP, RATE = 200, 16000


def sine_at(f0_hz: np.ndarray, voiced: np.ndarray) -> np.ndarray:
    """A waveform whose frames are a sine at f0_hz where voiced and quiet noise where not."""
    per_sample = np.repeat(f0_hz, HOP)
    phase = 2 * np.pi * np.cumsum(per_sample) / RATE
    noise = np.random.default_rng(1).standard_normal(len(phase)) * 0.003
    return (0.3 * np.sin(phase) * np.repeat(voiced, HOP) + noise).astype(np.float32)


def write_dataset(root, lines: list[str], speakers=("zhiyan", "zhibei")) -> None:
    """One utterance per symbol line, the speakers taking turns."""
    rng = np.random.default_rng(0)
    (root / dataset.UTT_DIR).mkdir(parents=True)
    save_feature_config(FeatureConfig(), root / "audio_config.yaml")
    stats = CorpusStats(mel=MeanStd(np.full(80, 0.5), np.full(80, 0.2)), f0=MeanStd(np.array([F0_MEAN]), np.array([F0_STD])),
                        energy=MeanStd(np.array([1.0]), np.array([0.5])))
    rows = []
    for index, line in enumerate(lines):
        speaker = speakers[index % len(speakers)]
        symbols = line.replace("$F7}", f"${speaker}}}").replace("$M7}", f"${speaker}}}")
        tokens = len(parse_tokens(symbols))
        durations = rng.integers(3, 6, tokens).astype(np.int32)
        frames = int(durations.sum())
        frame_f0 = np.clip(rng.standard_normal(1) + 0.2 * rng.standard_normal(frames), -1.5, 1.5).astype(np.float32)
        voiced = (np.arange(frames) % 4 > 0).astype(np.float32)
        utt_id = f"u{index}"
        dataset.write_utterance(root, utt_id, {
            "wav": dataset.wav_to_int16(sine_at(frame_f0 * F0_STD + F0_MEAN, voiced)),
            "mel": rng.standard_normal((frames, 80)).astype(np.float32), "duration": durations,
            "pitch": rng.standard_normal(tokens).astype(np.float32), "energy": rng.standard_normal(tokens).astype(np.float32),
            "frame_f0": frame_f0, "frame_uv": voiced, "frame_energy": np.zeros(frames, np.float32)})
        rows.append({"id": utt_id, "symbols": symbols, "split": "train", "frames": frames, "speaker": speaker})
    dataset.save_stats(root, stats, frames=sum(r["frames"] for r in rows))
    (root / dataset.METADATA).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
