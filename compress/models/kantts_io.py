"""Reading and writing voices in the KAN-TTS / ModelScope layout (FORMAT.md §4).

    <voice>/audio_config.yaml
    <voice>/am/config.yaml   <voice>/am/ckpt/checkpoint_<N>.pth   {"model": state_dict, ...}
    <voice>/voc/config.yaml  <voice>/voc/ckpt/checkpoint_<N>.pth  {"model": {"generator": sd, ...}}
    <voice>/am/mvn.npy       NSF voices normalised by mean_std only: F0 mean and std, (2, 1)

Checkpoints are read with `weights_only=True`. Vocoder weights are stored weight-normed
(`weight_g`, `weight_v`); they are folded on load and unfolded on save.
"""

from __future__ import annotations

import pickle
import re
import zipfile
from pathlib import Path

import numpy as np
import torch
import yaml

from compress.audio.config import FeatureConfig
from compress.files import atomic_directory
from compress.errors import ConfigMismatchError, VoiceLoadError
from compress.models.arch import F0Norm, HifiGanArch, SambertArch
from compress.models.hifigan import Generator
from compress.models.sambert import Sambert
from compress.models.symbols import SymbolTables
from compress.models.voice import Voice, load_state
from compress.models.voice_dir import latest_checkpoint, read_yaml, speaker_list

# Embedding tables whose sizes come from the checkpoint, by symbol stream.
TABLE_KEYS = {
    "sy": "text_encoder.sy_emb.weight",
    "tone": "text_encoder.tone_emb.weight",
    "syllable_flag": "text_encoder.syllable_flag_emb.weight",
    "word_segment": "text_encoder.ws_emb.weight",
    "emotion": "emo_tokenizer.weight",
    "speaker": "spk_tokenizer.weight",
}

# The older ModelScope HiFi-GAN (jik876 style) names for the same tensors.
_LEGACY_VOCODER_KEYS = [
    (re.compile(r"^ups\.(\d+)\.deconv\."), r"transpose_upsamples.\1.1.deconv."),
    (re.compile(r"^repeat_ups\.(\d+)\.2\.conv1d\."), r"repeat_upsamples.\1.2.conv1d."),
    (re.compile(r"^resblocks\.(\d+)\."), r"conv_blocks.\1."),
]


def read_checkpoint(path: Path) -> dict:
    """torch.load without pickle code execution, with errors a user can act on."""
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, OSError, EOFError, pickle.UnpicklingError, zipfile.BadZipFile, ValueError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise VoiceLoadError(f"cannot read checkpoint {path}: truncated or not a safe "
                             f"PyTorch checkpoint ({first[:160]})") from None
    if not isinstance(data, dict) or "model" not in data:
        raise VoiceLoadError(f"checkpoint {path} has no 'model' entry (not a KAN-TTS trainer checkpoint)")
    return data


def load_kantts_voice(voice_dir: Path) -> Voice:
    voice_dir = Path(voice_dir)
    am_config = read_yaml(voice_dir / "am" / "config.yaml")
    voc_config = read_yaml(voice_dir / "voc" / "config.yaml")
    audio_path = voice_dir / "audio_config.yaml"
    audio_raw = read_yaml(audio_path) if audio_path.is_file() else {"audio_config": am_config.get("audio_config")}
    audio = FeatureConfig.for_voice(audio_raw.get("audio_config") or {}, str(audio_path))

    am_state = read_checkpoint(latest_checkpoint(voice_dir / "am" / "ckpt"))["model"]
    am, tables = build_sambert(am_config, am_state, speaker_list(voice_dir), read_f0_stats(voice_dir, am_config))
    voc_ckpt = read_checkpoint(latest_checkpoint(voice_dir / "voc" / "ckpt"))["model"]
    generator_state = voc_ckpt.get("generator") if isinstance(voc_ckpt, dict) else None
    if not isinstance(generator_state, dict):
        raise VoiceLoadError(f"{voice_dir}/voc checkpoint has no model.generator state_dict")
    vocoder = build_generator(voc_config, generator_state)
    if vocoder.arch.hop != audio.hop_length:
        raise ConfigMismatchError(
            f"vocoder upsamples by {vocoder.arch.hop} but audio_config hop_length is {audio.hop_length}")
    configs = {"am": am_config, "voc": voc_config, "audio": audio_raw}
    return Voice(am=am, vocoder=vocoder, tables=tables, audio=audio, source=voice_dir, kantts_configs=configs)


def _model_params(config: dict, name: str, where: str) -> dict:
    try:
        return config["Model"][name]["params"]
    except (KeyError, TypeError):
        raise ConfigMismatchError(f"{where} has no Model.{name}.params") from None


def read_f0_stats(voice_dir: Path, am_config: dict) -> tuple[float, float] | None:
    """(mean, std) of F0 from am/mvn.npy, for an NSF voice that has (or needs) one."""
    path = Path(voice_dir) / "am" / "mvn.npy"
    params = _model_params(am_config, "KanTtsSAMBERT", "am/config.yaml") or {}
    if not params.get("NSF", False) or not path.is_file():
        return None
    try:
        mvn = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        raise VoiceLoadError(f"{path} is not a .npy array ({err})") from None
    if mvn.size != 2 or not np.issubdtype(mvn.dtype, np.floating) or not np.all(np.isfinite(mvn)):
        raise VoiceLoadError(f"{path}: expected F0 mean and std, 2 finite floats, got {mvn.dtype} {mvn.shape}")
    mean, std = (float(v) for v in mvn.reshape(-1))
    return mean, std


def build_sambert(config: dict, state: dict, speakers: list[str],
                  f0_stats: tuple[float, float] | None = None) -> tuple[Sambert, SymbolTables]:
    sizes = {}
    for stream, key in TABLE_KEYS.items():
        if key not in state:
            raise ConfigMismatchError(f"acoustic checkpoint lacks {key}")
        sizes[stream] = int(state[key].shape[0])
    tables = SymbolTables.build(speakers, sizes)
    arch = SambertArch.from_kantts(_model_params(config, "KanTtsSAMBERT", "am/config.yaml"), sizes, f0_stats)
    model = Sambert(arch)
    load_state(model, state, "acoustic model")
    return model.eval(), tables


def build_generator(config: dict, state: dict) -> Generator:
    arch = HifiGanArch.from_kantts(_model_params(config, "Generator", "voc/config.yaml"))
    if not arch.repeat_upsample:
        raise ConfigMismatchError("HiFi-GAN without repeat_upsample is not supported")
    model = Generator(arch)
    load_state(model, fold_weight_norm(rename_legacy_vocoder_keys(state)), "vocoder")
    return model.eval()


def rename_legacy_vocoder_keys(state: dict) -> dict:
    renamed = {}
    for key, value in state.items():
        for pattern, replacement in _LEGACY_VOCODER_KEYS:
            key = pattern.sub(replacement, key)
        renamed[key] = value
    return renamed


def fold_weight_norm(state: dict) -> dict:
    """Replace every weight_g/weight_v pair by weight = g * v / ||v|| (norm over dims 1..)."""
    folded = {}
    for key, value in state.items():
        if key.endswith(".weight_v"):
            continue
        if key.endswith(".weight_g"):
            base = key[: -len("_g")]
            v = state.get(base + "_v")
            if v is None:
                raise VoiceLoadError(f"vocoder checkpoint has {key} but no {base}_v")
            folded[base] = torch._weight_norm(v, value, 0)
        else:
            folded[key] = value
    return folded


def unfold_weight_norm(state: dict, conv_weights: set[str]) -> dict:
    """Plain conv weights -> (weight_g, weight_v) with v = w, g = ||w||: the same function.
    An all-zero output channel (a pruned unit padded back) gets v = 1 and g = 0: weight norm
    divides by ||v||, and 0 / 0 would load as NaN."""
    out = {}
    for key, value in state.items():
        if key in conv_weights:
            dims = tuple(range(1, value.dim()))
            norm = value.norm(dim=dims, keepdim=True)
            out[key + "_g"] = norm
            out[key + "_v"] = torch.where(norm == 0, torch.ones_like(value), value)
        else:
            out[key] = value
    return out


def save_kantts_voice(voice: Voice, out_dir: Path, steps: int = 0) -> Path:
    """Write `voice` in the released layout (uniform widths only: KAN-TTS configs cannot
    express per-layer widths). Written to a temp dir, then renamed into place."""
    if voice.kantts_configs is None:
        raise VoiceLoadError("this voice has no KAN-TTS configs to write")
    _check_uniform(voice)
    with atomic_directory(out_dir) as tmp:
        configs = voice.kantts_configs
        _write_yaml(tmp / "audio_config.yaml", configs["audio"])
        for part, cfg in (("am", configs["am"]), ("voc", configs["voc"])):
            (tmp / part / "ckpt").mkdir(parents=True)
            _write_yaml(tmp / part / "config.yaml", cfg)
        _write_f0_stats(tmp / "am" / "mvn.npy", voice.am.arch.f0_norm)
        am_state = {k: v.clone() for k, v in voice.am.state_dict().items()}
        conv_weights = {k for k, v in voice.vocoder.state_dict().items() if k.endswith(".weight") and v.dim() == 3}
        voc_state = unfold_weight_norm(voice.vocoder.state_dict(), conv_weights)
        torch.save({"model": am_state, "steps": steps, "optimizer": {}, "scheduler": {}},
                   tmp / "am" / "ckpt" / f"checkpoint_{steps}.pth")
        torch.save({"model": {"generator": voc_state, "discriminator": {}}, "steps": steps,
                    "optimizer": {}, "scheduler": {}}, tmp / "voc" / "ckpt" / f"checkpoint_{steps}.pth")
    return Path(out_dir)


def _write_f0_stats(path: Path, norm: F0Norm | None) -> None:
    if norm is not None and norm.norm_type == "mean_std":
        np.save(path, np.array([[norm.mean], [norm.std]], dtype=np.float32), allow_pickle=False)


def _check_uniform(voice: Voice) -> None:
    norm = voice.am.arch.f0_norm
    rebuilt = SambertArch.from_kantts(_model_params(voice.kantts_configs["am"], "KanTtsSAMBERT", "am config"),
                                      voice.am.arch.tables, None if norm is None else (norm.mean, norm.std))
    if rebuilt != voice.am.arch:
        raise ConfigMismatchError("a pruned acoustic model cannot be written as a KAN-TTS voice; "
                                  "save it as a project checkpoint")
    if HifiGanArch.from_kantts(_model_params(voice.kantts_configs["voc"], "Generator", "voc config")) != voice.vocoder.arch:
        raise ConfigMismatchError("a pruned vocoder cannot be written as a KAN-TTS voice; "
                                  "save it as a project checkpoint")


def _write_yaml(path: Path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
