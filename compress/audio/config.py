"""The KAN-TTS `audio_config` block as a validated dataclass: the project's one audio-config type.

A voice's `audio_config.yaml` holds one mapping under the key `audio_config`. A loaded voice carries
it (`Voice.audio`), and feature extraction (mel, pitch, energy, trimming, normalization) reads every
setting from here, so a voice with another sample rate, hop or mel count gets its own features
without code changes. The defaults are the
16 kHz config of the released voices (`kantts/configs/audio_config_16k.yaml`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import yaml

from compress.errors import ConfigMismatchError

_NORM_TYPES = ("mean_std", "global")
# What a voice's networks are built for: a voice's block must write them, never take a default.
VOICE_KEYS = ("sampling_rate", "hop_length", "n_mels")


@dataclass(frozen=True)
class FeatureConfig:
    """Every `audio_config` key that feature extraction reads; unknown keys ride along in `extra`."""

    wav_normalize: bool = True
    trim_silence: bool = True
    trim_silence_threshold_db: float = 60.0
    preemphasize: bool = False
    sampling_rate: int = 16000
    hop_length: int = 200
    win_length: int = 1000
    n_fft: int = 2048
    n_mels: int = 80
    fmin: float = 0.0
    fmax: float = 8000.0
    phone_level_feature: bool = True
    norm_type: str = "mean_std"
    max_norm: float = 1.0
    symmetric: bool = False
    min_level_db: float = -100.0
    ref_level_db: float = 20.0
    num_workers: int = 16
    extra: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        problems = []
        if self.hop_length <= 0 or self.win_length <= 0:
            problems.append("hop_length and win_length must be positive")
        if self.win_length > self.n_fft:
            problems.append(f"win_length {self.win_length} is larger than n_fft {self.n_fft}")
        if not 0 <= self.fmin < self.fmax <= self.sampling_rate / 2:
            problems.append(f"need 0 <= fmin < fmax <= sampling_rate/2, got {self.fmin}, {self.fmax}")
        if self.norm_type not in _NORM_TYPES:
            problems.append(f"norm_type {self.norm_type!r} is not one of {', '.join(_NORM_TYPES)}")
        if self.min_level_db >= 0:
            problems.append("min_level_db must be negative")
        if problems:
            raise ConfigMismatchError("audio_config: " + "; ".join(problems))

    @property
    def frame_seconds(self) -> float:
        return self.hop_length / self.sampling_rate

    @classmethod
    def from_kantts(cls, block: dict, where: str = "audio_config") -> "FeatureConfig":
        """Build from the mapping under `audio_config` (as a voice's yaml has it); missing keys take
        the 16 kHz defaults."""
        if not isinstance(block, dict):
            raise ConfigMismatchError(f"{where}: audio_config is not a mapping")
        known = {f.name: f.type for f in fields(cls) if f.name != "extra"}
        values, extra = {}, {}
        for key, value in block.items():
            if key in known:
                values[key] = _coerce(key, value, cls.__dataclass_fields__[key].default, where)
            else:
                extra[key] = value
        return cls(**values, extra=extra)

    @classmethod
    def for_voice(cls, block: dict, where: str) -> "FeatureConfig":
        """A voice's block: as from_kantts, and the keys in VOICE_KEYS must be there."""
        missing = [k for k in VOICE_KEYS if not isinstance(block, dict) or k not in block]
        if missing:
            raise ConfigMismatchError(f"{where}: audio_config needs {', '.join(VOICE_KEYS)} "
                                      f"(missing: {', '.join(missing)})")
        return cls.from_kantts(block, where)

    def to_kantts(self) -> dict:
        """The mapping to write under `audio_config` (known keys first, then the extra ones)."""
        block = {k: v for k, v in asdict(self).items() if k != "extra"}
        block.update(self.extra)
        return block


def _coerce(key: str, value, default, where: str):
    """Cast a YAML value to the type of the field's default (YAML may give 60 for 60.0)."""
    kind = type(default)
    try:
        if kind is bool:
            if not isinstance(value, bool):
                raise TypeError
            return value
        return kind(value)
    except (TypeError, ValueError):
        raise ConfigMismatchError(f"{where}: {key} should be {kind.__name__}, got {value!r}") from None


def load_feature_config(path: str | Path) -> FeatureConfig:
    """Read a KAN-TTS `audio_config.yaml` (or an am/voc `config.yaml` that embeds the block)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise ConfigMismatchError(f"cannot read {path}: {err}") from None
    if not isinstance(data, dict) or "audio_config" not in data:
        raise ConfigMismatchError(f"{path}: no audio_config block")
    return FeatureConfig.from_kantts(data["audio_config"], str(path))


def save_feature_config(config: FeatureConfig, path: str | Path) -> None:
    """Write the config in the KAN-TTS layout: one `audio_config:` mapping."""
    text = "# Audio processing configs (KAN-TTS layout)\n" + yaml.safe_dump(
        {"audio_config": config.to_kantts()}, sort_keys=False, allow_unicode=True
    )
    Path(path).write_text(text, encoding="utf-8")
