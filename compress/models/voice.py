"""A voice: acoustic model + vocoder + symbol tables + audio config, however it was stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch

from compress.audio.config import FeatureConfig
from compress.errors import ConfigMismatchError
from compress.models.hifigan import Generator
from compress.models.sambert import Sambert
from compress.models.symbols import SymbolTables


@dataclass
class Voice:
    am: Sambert
    vocoder: Generator
    tables: SymbolTables
    audio: FeatureConfig
    source: Path
    # The KAN-TTS configs ({"am", "voc", "audio"}) when the voice came from (or can be
    # written back to) the released layout.
    kantts_configs: dict | None = None
    # The modes that loading replays after building the float modules from the widths, in
    # order: [{"stage": name, "mode": {...}}] (module swaps, quantizer state; see compress/stage.py).
    modes: list[dict] = field(default_factory=list)
    # What a restored mode hands to a runtime other than torch (an export's ONNX files, by name).
    runtime: dict = field(default_factory=dict)

    @property
    def sample_rate(self) -> int:
        return self.audio.sampling_rate

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


def load_state(model: torch.nn.Module, state: dict, what: str, strict: bool = False) -> None:
    """load_state_dict that names the first missing or mismatching key and both shapes;
    `strict` also refuses a tensor the model does not have (naming it)."""
    expected = model.state_dict()
    if strict:
        extra = [key for key in state if key not in expected]
        if extra:
            raise ConfigMismatchError(f"{what} checkpoint has an unexpected tensor {extra[0]} "
                                      f"(not in the model its arch describes)")
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


def build_voice(am_arch, voc_arch, tables: SymbolTables, audio: FeatureConfig, source: Path,
                kantts_configs: dict | None = None) -> Voice:
    """The float modules of two architectures, not yet loaded (weights as initialized)."""
    return Voice(am=Sambert(am_arch).eval(), vocoder=Generator(voc_arch).eval(), tables=tables, audio=audio,
                 source=Path(source), kantts_configs=kantts_configs)


def load_tensors(voice: Voice, tensors: dict[str, torch.Tensor], strict: bool = True) -> Voice:
    """Load "am.*" / "voc.*" tensors into the voice's modules; with `strict`, a tensor under
    any other prefix or not in a module is an error naming it."""
    parts = {"am": ("acoustic model", voice.am), "voc": ("vocoder", voice.vocoder)}
    stray = [key for key in tensors if key.split(".", 1)[0] not in parts]
    if strict and stray:
        raise ConfigMismatchError(f"checkpoint has an unexpected tensor {stray[0]} (neither am.* nor voc.*)")
    for prefix, (what, module) in parts.items():
        cut = len(prefix) + 1
        load_state(module, {k[cut:]: v for k, v in tensors.items() if k.startswith(prefix + ".")}, what, strict)
    return voice


def assemble_voice(am_arch, voc_arch, tensors: dict[str, torch.Tensor], tables: SymbolTables,
                   audio: FeatureConfig, source: Path, kantts_configs: dict | None = None) -> Voice:
    """Build the float modules for two architectures and load every tensor into them (strictly)."""
    return load_tensors(build_voice(am_arch, voc_arch, tables, audio, source, kantts_configs), tensors)
