"""NSF voices: F0 de-normalisation, the source's draws, and NSF voices of other shapes."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.distributions import Normal, Uniform

from compress.errors import ConfigMismatchError, VoiceLoadError
from compress.models.arch import F0Norm, HifiGanArch
from compress.models.kantts_io import save_kantts_voice
from compress.models.nsf import NOISE_STD, vocoder_input
from compress.loading import load_voice
from compress.synthesis import vocode
from tests.conftest import NSF_TINY
from tests.models.nsf_build import nsf_configs, nsf_voice_from_configs


def test_vocoder_input_denormalises_f0_and_binarizes_voicing():
    mel = torch.tensor([[0.5, -1.0, 0.59], [0.25, 2.0, 0.6], [-3.0, -4.0, 0.9]])
    got = vocoder_input(mel, F0Norm("mean_std", mean=150.0, std=40.0))
    torch.testing.assert_close(got[:, 0], mel[:, 0], rtol=0, atol=0)  # mel channels untouched
    # F0 = x * std + mean, raised to 30 Hz; voicing 1 from 0.6 up
    torch.testing.assert_close(got[:, 1], torch.tensor([110.0, 230.0, 30.0]))
    torch.testing.assert_close(got[:, 2], torch.tensor([0.0, 1.0, 1.0]))
    got = vocoder_input(mel, F0Norm("global", minimum=40.0, maximum=600.0))
    torch.testing.assert_close(got[:, 1], torch.tensor([30.0, 40.0 + 2.0 * 560.0, 30.0]))
    assert vocoder_input(mel, None) is mel  # plain voices pass through


@pytest.mark.parametrize("hop", [120, 200, 240, 256, 300, 480])
def test_nearest_repetition_is_the_originals_interpolation(hop):
    f0 = torch.rand(1, 1, 3000) * 400
    expected = F.interpolate(f0, scale_factor=float(hop), mode="nearest")
    assert torch.equal(f0.repeat_interleave(hop, -1), expected)


def test_draws_are_made_in_the_originals_order(nsf_voice):
    source = nsf_voice.vocoder.source_module
    torch.manual_seed(3)
    draws = source.draw(2, 500)
    torch.manual_seed(3)
    phases = Uniform(low=-np.pi, high=np.pi).sample((2, source.harmonics, 1))
    noise = Normal(loc=0.0, scale=NOISE_STD).sample((2, source.harmonics, 500))
    assert torch.equal(draws.phases[:, 1:], phases[:, 1:])
    assert torch.equal(draws.phases[:, 0], torch.zeros(2, 1))  # the fundamental starts at phase 0
    assert torch.equal(draws.noise, noise)


def test_seed_makes_the_waveform_reproducible(nsf_voice):
    ref = np.load(NSF_TINY / "ref_io.npz", allow_pickle=False)
    mel = ref["utt0.pred.vocoder_input"]
    first, again, other = vocode(nsf_voice, mel, seed=5), vocode(nsf_voice, mel, seed=5), vocode(nsf_voice, mel, seed=6)
    assert np.array_equal(first, again)
    assert float(np.abs(first - other).max()) > 1e-3


@pytest.mark.parametrize("causal,norm_type", [(True, "mean_std"), (False, "global"), (False, "mean_std")])
def test_other_shapes_build_run_and_round_trip(nsf_voice, tmp_path, causal, norm_type):
    """24 kHz, 40 mels, 3 harmonics, stages [8, 5, 3, 2], causal or not: built from the configs,
    it synthesizes frames * hop samples, and written as a KAN-TTS voice it loads back the same."""
    voice = nsf_voice_from_configs(nsf_voice.tables, nsf_configs(causal, norm_type))
    arch = voice.vocoder.arch
    assert arch.input_channels == 42 and arch.source_rates == [30, 6, 2, 1] and arch.causal == causal
    assert [d.conv1d.out_channels for d in voice.vocoder.source_downs] == arch.stage_channels[1:]
    ling = torch.tensor([[[3, 1, 1, 1], [5, 2, 2, 2], [7, 3, 1, 3]]])
    ids = torch.ones(1, 3, dtype=torch.long)
    out = voice.am.infer(ling, ids, ids, durations=torch.tensor([[4, 5, 6]]))
    assert out.vocoder_input.shape == (15, 42)
    assert set(out.vocoder_input[:, -1].tolist()) <= {0.0, 1.0} and float(out.vocoder_input[:, -2].min()) >= 30.0
    wav = vocode(voice, out.vocoder_input, seed=0)
    assert wav.shape == (15 * 240,) and np.all(np.isfinite(wav))

    save_kantts_voice(voice, tmp_path / "voice")
    assert (tmp_path / "voice" / "am" / "mvn.npy").is_file() == (norm_type == "mean_std")
    loaded = load_voice(tmp_path / "voice")
    assert loaded.am.arch == voice.am.arch and loaded.vocoder.arch == arch
    again = loaded.am.infer(ling, ids, ids, durations=torch.tensor([[4, 5, 6]]))
    assert torch.equal(again.vocoder_input, out.vocoder_input)
    np.testing.assert_allclose(vocode(loaded, again.vocoder_input, seed=0), wav, atol=1e-5, rtol=0)


def test_non_causal_nsf_with_odd_downsampling_is_refused():
    params = nsf_configs(causal=False)["voc"]["Model"]["Generator"]["params"]
    params.update(upsample_scales=[4, 5, 3, 3], upsample_kernal_sizes=[8, 10, 6, 6])
    with pytest.raises(ConfigMismatchError, match="even downsampling rates"):
        HifiGanArch.from_kantts(params)
    params["causal"] = True
    assert HifiGanArch.from_kantts(params).source_rates == [45, 9, 3, 1]


def test_missing_or_bad_mvn_is_a_clear_error(tmp_path):
    voice = tmp_path / "voices"
    shutil.copytree(NSF_TINY / "voices", voice)
    mvn = voice / "refvoice" / "am" / "mvn.npy"
    np.save(mvn, np.array([1.0, 2.0, 3.0], dtype=np.float32))
    with pytest.raises(VoiceLoadError, match="mvn.npy: expected F0 mean and std"):
        load_voice(voice)
    mvn.unlink()
    with pytest.raises(ConfigMismatchError, match="needs am/mvn.npy"):
        load_voice(voice)


def test_nsf_acoustic_model_needs_an_nsf_vocoder(nsf_voice, tiny_voice):
    from dataclasses import replace

    mixed = replace(nsf_voice, vocoder=tiny_voice.vocoder)
    with pytest.raises(ConfigMismatchError):
        mixed.check()
