"""Exported NSF voices: the numpy source, the original's outputs through ONNX Runtime, streams,
and an INT8 export of a qat stage."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from compress.export import driver
from compress.models import nsf_source
from compress.models.nsf import torch_draws
from compress.models.symbols import encode, parse_tokens
from tests.conftest import NSF_TINY
from tests.export.conftest import QAT_SMALL, export_voice

REF = np.load(NSF_TINY / "ref_io.npz", allow_pickle=False)


@pytest.fixture(scope="module")
def onnx_nsf(nsf_export):
    from compress.export.runtime import load_export

    return load_export(nsf_export)


def test_numpy_source_is_the_torch_source_with_the_same_draws(nsf_voice):
    module = nsf_voice.vocoder.source_module
    voc_in = REF["utt0.fixdur.vocoder_input"]
    f0 = torch.from_numpy(voc_in[:, -2]).view(1, 1, -1)
    voicing = torch.from_numpy(voc_in[:, -1]).view(1, 1, -1)
    samples = voc_in.shape[0] * module.hop
    torch.manual_seed(7)
    expected = module.excitation(f0, voicing, module.draw(1, samples))
    source = nsf_source.SineSource(module.harmonics, module.sample_rate, module.hop, samples, torch_draws(7))
    # in two calls: the phase carries over as in a stream
    cut = 25
    got = np.concatenate([source(voc_in[:cut, -2], voc_in[:cut, -1]), source(voc_in[cut:, -2], voc_in[cut:, -1])],
                         axis=-1)
    np.testing.assert_allclose(got, expected.numpy(), rtol=0, atol=2e-6)


def test_numpy_denorm_is_the_torch_denorm(nsf_voice):
    from compress.models.nsf import vocoder_input
    from dataclasses import asdict

    mel = REF["utt1.pred.postnet_outputs"]
    norm = nsf_voice.am.arch.f0_norm
    expected = vocoder_input(torch.from_numpy(mel), norm).numpy()
    np.testing.assert_array_equal(nsf_source.vocoder_input(mel, asdict(norm)), expected)


@pytest.mark.parametrize("mode", ["pred", "fixdur"])
def test_exported_nsf_voice_reproduces_the_original(onnx_nsf, mode):
    """The reference's vocoder inputs and waveforms (seed 0, drawn with torch as the original
    did) from the FP32 graphs in ONNX Runtime."""
    for utt in ("utt0", "utt1"):
        enc = encode(onnx_nsf.tables, parse_tokens(str(REF[f"{utt}.symbols"])))
        durations = [REF[f"{utt}.fixdur.duration_targets"][0]] if mode == "fixdur" else None
        result = driver.synthesize(onnx_nsf, [enc], durations=durations, seed=0, draws=torch_draws)
        np.testing.assert_allclose(result.sentences[0].mel, REF[f"{utt}.{mode}.postnet_outputs"], rtol=0, atol=1e-4)
        np.testing.assert_allclose(result.mel, REF[f"{utt}.{mode}.vocoder_input"], rtol=0, atol=1e-4)
        np.testing.assert_allclose(result.wav, REF[f"{utt}.{mode}.wav_seed0"].reshape(-1), rtol=0, atol=1e-4)


def test_exported_nsf_voice_streams_equal_to_whole_with_the_same_seed(onnx_nsf):
    enc = encode(onnx_nsf.tables, parse_tokens(str(REF["utt0.symbols"])))
    durations = REF["utt0.fixdur.duration_targets"][0]
    whole = driver.synthesize(onnx_nsf, [enc], durations=[durations], seed=3)
    chunks = list(driver.stream_with_mel(onnx_nsf, enc, durations=durations, seed=3))
    assert len(chunks) > 1
    np.testing.assert_allclose(np.concatenate([wav for _, wav in chunks]), whole.wav, rtol=0, atol=1e-5)
    np.testing.assert_allclose(np.concatenate([mel for mel, _ in chunks]), whole.mel, rtol=0, atol=1e-5)
    streamed_mel = np.concatenate(list(driver.stream_mel(onnx_nsf, whole.mel, seed=3)))
    np.testing.assert_allclose(streamed_mel, whole.wav, rtol=0, atol=1e-5)
    other = driver.synthesize(onnx_nsf, [enc], durations=[durations], seed=4)
    assert float(np.abs(other.wav - whole.wav).max()) > 1e-3  # the seed is what makes them equal


def test_nsf_export_records_its_parity_and_tensorrt_source_shapes(nsf_voice, tmp_path):
    """A qat stage of the NSF voice to both targets: the cpu vocoder runs QLinearConv, the
    source's convs among them; parity with the fake-quant voice is in the manifest; trtexec
    gets the source's shapes."""
    from compress import registry
    from compress.export import int8
    from compress.export.runtime import load_export, session_options
    from compress.files import read_json
    from compress.loading import load_voice
    from compress.quant.config import QatConfig
    from compress.stage import StageContext, run_stage

    run_stage(registry.get("qat"), nsf_voice, QatConfig(**QAT_SMALL), StageContext({}, []), tmp_path / "01-qat")
    path = export_voice(load_voice(tmp_path / "01-qat"), tmp_path / "02-export", target="both", int8_graphs="all",
                        activations="uint8", calib_sentences=2)
    manifest = read_json(path / "manifest.json")["history"][-1]
    parity = manifest["metrics"]["parity"]
    assert parity["cpu"]["relative_rms"] < 0.05, parity
    assert parity["tensorrt"]["relative_rms"] < 0.05, parity
    mode = read_json(path / "arch.json")["modes"][-1]["mode"]
    assert "source:1x8x" in mode["tensorrt"]["trtexec"]
    voice = load_export(path)
    ops = int8.optimized_op_types((path / "vocoder.onnx").read_bytes(), session_options({}, step=False))
    assert ops.get("QLinearConv", 0) > 0
    wav = driver.synthesize(voice, [encode(voice.tables, parse_tokens(str(REF["utt0.symbols"])))], seed=0).wav
    assert np.isfinite(wav).all() and np.abs(wav).max() > 1e-3
