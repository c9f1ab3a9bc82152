"""NSF voices of other shapes, built from configs with random weights (no reference exists
for them: they check that nothing about kantts-nsf-tiny's dims is assumed)."""

from __future__ import annotations

import copy

import torch

from compress.models.arch import HifiGanArch, SambertArch
from compress.models.hifigan import Generator
from compress.models.sambert import Sambert
from compress.audio.config import FeatureConfig
from compress.models.voice import Voice
from compress.models.voice_dir import read_yaml
from tests.conftest import NSF_TINY

REFVOICE = NSF_TINY / "voices" / "refvoice"


def nsf_configs(causal: bool = True, norm_type: str = "mean_std") -> dict:
    """KAN-TTS configs of an NSF voice at 24 kHz with 40 mels, 3 harmonics, four stages of
    [8, 5, 3, 2] (hop 240) and 24 channels; non-causal when asked."""
    am = copy.deepcopy(read_yaml(REFVOICE / "am" / "config.yaml"))
    voc = copy.deepcopy(read_yaml(REFVOICE / "voc" / "config.yaml"))
    audio = dict(am["audio_config"], sampling_rate=24000, hop_length=240, n_mels=40)
    am["audio_config"] = voc["audio_config"] = audio
    am_params = am["Model"]["KanTtsSAMBERT"]["params"]
    am_params.update(num_mels=42, nsf_norm_type=norm_type, nsf_f0_global_minimum=40.0,
                     nsf_f0_global_maximum=600.0)
    gen = voc["Model"]["Generator"]["params"]
    gen.update(in_channels=40, channels=24, causal=causal, upsample_scales=[8, 5, 3, 2],
               upsample_kernal_sizes=[16, 10, 6, 4], nsf_params={"nb_harmonics": 3, "sampling_rate": 24000})
    return {"am": am, "voc": voc, "audio": {"audio_config": audio}}


def nsf_voice_from_configs(tables, configs: dict, seed: int = 0) -> Voice:
    """A voice with random weights (seeded) for `configs` and the given symbol tables."""
    torch.manual_seed(seed)
    am_arch = SambertArch.from_kantts(configs["am"]["Model"]["KanTtsSAMBERT"]["params"], tables.sizes(),
                                      (180.0, 35.0))
    voc_arch = HifiGanArch.from_kantts(configs["voc"]["Model"]["Generator"]["params"])
    voice = Voice(am=Sambert(am_arch).eval(), vocoder=Generator(voc_arch).eval(), tables=tables,
                  audio=FeatureConfig.for_voice(configs["audio"]["audio_config"], "test"),
                  source=REFVOICE, kantts_configs=configs)
    voice.check()
    return voice
