"""A voice: acoustic model + vocoder + symbol tables + audio config, however it was stored."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from compress.errors import ConfigMismatchError
from compress.models.hifigan import Generator
from compress.models.sambert import Sambert
from compress.models.symbols import SymbolTables


@dataclass(frozen=True)
class AudioConfig:
    """The KAN-TTS `audio_config` block; `raw` keeps every key for feature extraction."""

    sample_rate: int
    hop_length: int
    n_mels: int
    raw: dict

    @classmethod
    def from_kantts(cls, block: dict, where: str) -> "AudioConfig":
        try:
            return cls(int(block["sampling_rate"]), int(block["hop_length"]), int(block["n_mels"]), dict(block))
        except (KeyError, TypeError, ValueError):
            raise ConfigMismatchError(f"{where}: audio_config needs sampling_rate, hop_length and n_mels") from None


@dataclass
class Voice:
    am: Sambert
    vocoder: Generator
    tables: SymbolTables
    audio: AudioConfig
    source: Path
    # The KAN-TTS configs ({"am", "voc", "audio"}) when the voice came from (or can be
    # written back to) the released layout.
    kantts_configs: dict | None = None

    @property
    def sample_rate(self) -> int:
        return self.audio.sample_rate

    def modules(self) -> dict[str, torch.nn.Module]:
        """The voice's networks by prefix, as stored in a project checkpoint."""
        return {"am": self.am, "voc": self.vocoder}

    def parameter_count(self) -> int:
        return sum(p.numel() for m in self.modules().values() for p in m.parameters())

    def check(self) -> None:
        if self.am.arch.num_mels != self.vocoder.arch.input_channels:
            raise ConfigMismatchError(
                f"acoustic model makes {self.am.arch.num_mels} channels but the vocoder takes "
                f"{self.vocoder.arch.input_channels}")
        if (self.am.arch.f0_norm is None) != (not self.vocoder.arch.nsf):
            raise ConfigMismatchError("an NSF acoustic model needs an NSF vocoder and vice versa")


def load_state(model: torch.nn.Module, state: dict, what: str) -> None:
    """load_state_dict that names the first missing or mismatching key and both shapes."""
    expected = model.state_dict()
    for key, tensor in expected.items():
        if key not in state:
            raise ConfigMismatchError(f"{what} checkpoint lacks {key} (config expects {tuple(tensor.shape)})")
        got = state[key]
        if not isinstance(got, torch.Tensor):
            raise ConfigMismatchError(f"{what} checkpoint entry {key} is not a tensor")
        if tuple(got.shape) != tuple(tensor.shape):
            raise ConfigMismatchError(
                f"config does not match the {what} weights: {key} is {tuple(got.shape)} in the "
                f"checkpoint but {tuple(tensor.shape)} from the config")
    model.load_state_dict(
        {k: state[k].float() if state[k].is_floating_point() else state[k] for k in expected}, strict=True)


def assemble_voice(am_arch, voc_arch, tensors: dict[str, torch.Tensor], tables: SymbolTables,
                   audio: AudioConfig, source: Path, kantts_configs: dict | None = None) -> Voice:
    """Build the modules for two architectures and load "am.*" / "voc.*" tensors into them."""
    am, vocoder = Sambert(am_arch), Generator(voc_arch)
    load_state(am, {k[3:]: v for k, v in tensors.items() if k.startswith("am.")}, "acoustic model")
    load_state(vocoder, {k[4:]: v for k, v in tensors.items() if k.startswith("voc.")}, "vocoder")
    return Voice(am=am.eval(), vocoder=vocoder.eval(), tables=tables, audio=audio, source=Path(source),
                 kantts_configs=kantts_configs)


def load_voice(path: str | Path | None = None, name: str | None = None) -> Voice:
    """Load a KAN-TTS voice dir, a `voices/` root, or a project checkpoint / stage dir."""
    from compress.models.voice_dir import is_project_checkpoint, resolve_voice_dir

    voice_dir = resolve_voice_dir(path, name)
    if is_project_checkpoint(voice_dir):
        from compress.checkpoint import load_checkpoint

        voice = load_checkpoint(voice_dir)
    else:
        from compress.models.kantts_io import load_kantts_voice

        voice = load_kantts_voice(voice_dir)
    voice.check()
    return voice
