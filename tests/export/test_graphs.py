"""Every exported graph computes in ONNX Runtime what its torch module computes."""

import numpy as np
import pytest
import torch

from compress.export import graphs

GRAPH_TOLERANCE = 1e-5  # max |ORT - torch| over every output of one graph call


def _inputs(voice, name: str, width: int = 3) -> dict[str, np.ndarray]:
    """Example inputs of a graph, at lengths other than the ones it was traced at."""
    am, rng = voice.am, np.random.default_rng(0)
    tokens, frames = 11, 5 * am.r
    ids = rng.integers(0, 3, size=(1, tokens)).astype(np.int64)
    text = {"text_aug": rng.standard_normal((1, tokens, am.arch.d_proj), dtype=np.float32),
            "spk": rng.standard_normal((1, tokens, am.arch.speaker_units), dtype=np.float32),
            "emo": rng.standard_normal((1, tokens, am.arch.emotion_units), dtype=np.float32)}
    if name == "encoder":
        return {"ling": rng.integers(0, 3, size=(1, tokens, 4)).astype(np.int64), "emotion": ids, "speaker": ids}
    if name == "duration_step":
        lstm = am.variance_adaptor.duration_predictor.lstm
        state = rng.standard_normal((lstm.num_layers, 1, lstm.hidden_size), dtype=np.float32)
        return {"prev_log_dur": np.full((1, 1, 1), 0.7, np.float32),
                "cond": rng.standard_normal((1, 1, am.arch.d_var_in), dtype=np.float32), "h": state, "c": state * 0.5}
    if name == "memory":
        index = np.concatenate([np.repeat(np.arange(tokens), 1), np.full(frames - tokens, -1)])[:frames][None]
        return {**text, "index": index.astype(np.int64),
                "dur_pos": np.where(index >= 0, 1.0, 0.0).astype(np.float32)}
    if name == "decoder_step":
        feeds = {"frame": rng.standard_normal((1, am.arch.num_mels), dtype=np.float32),
                 "memory_t": rng.standard_normal((1, am.arch.d_memory), dtype=np.float32),
                 "mask": np.zeros((1, 1, 2, 1, width + 1), np.float32)}
        feeds["mask"][..., 0, :, 0] = -np.inf
        for i, block in enumerate(am.mel_decoder.mel_dec.pnca):
            h, d = block.pnca_attn.arch.n_head, block.pnca_attn.arch.d_head
            for kind, w in (("past_k", width), ("past_v", width), ("mem_k", width + 1), ("mem_v", width + 1)):
                feeds[f"{kind}.{i}"] = rng.standard_normal((1, h, w, d), dtype=np.float32)
        return feeds
    dec = rng.standard_normal((1, frames, am.arch.num_mels), dtype=np.float32)
    if name == "postnet_fsmn":
        return {"dec": dec, "mask": (np.arange(frames) >= frames - 2)[None]}
    lstm = am.mel_postnet.lstm
    state = rng.standard_normal((1, 1, lstm.hidden_size), dtype=np.float32)
    return {"hidden": rng.standard_normal((1, frames, lstm.input_size), dtype=np.float32), "dec": dec,
            "h": state, "c": state}


WRAPPERS = {"encoder": graphs.EncoderGraph, "duration_step": graphs.DurationStepGraph, "memory": graphs.MemoryGraph,
            "decoder_step": graphs.DecoderStepGraph, "postnet_fsmn": graphs.PostnetFsmnGraph,
            "postnet_lstm": graphs.PostnetLstmGraph}


@pytest.mark.parametrize("name", list(WRAPPERS))
def test_acoustic_graph_matches_its_module(tiny_voice, onnx_tiny, name):
    feeds = _inputs(tiny_voice, name)
    got = onnx_tiny.sessions[name].run(None, feeds)
    with torch.no_grad():
        expected = WRAPPERS[name](tiny_voice.am)(*[torch.from_numpy(v) for v in feeds.values()])
    expected = expected if isinstance(expected, tuple) else (expected,)
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        assert a.shape == tuple(b.shape)
        assert float(np.abs(a - b.numpy()).max()) <= GRAPH_TOLERANCE


def test_decoder_step_takes_any_window_width(tiny_voice, onnx_tiny):
    """Nothing is baked to the traced width: a wider cache runs and shifts by one step."""
    feeds = _inputs(tiny_voice, "decoder_step", width=7)
    out, *present = onnx_tiny.sessions["decoder_step"].run(None, feeds)
    assert out.shape == (1, tiny_voice.am.r * tiny_voice.am.arch.num_mels)
    assert present[0].shape == feeds["past_k.0"].shape
    np.testing.assert_array_equal(present[0][:, :, :-1], feeds["past_k.0"][:, :, 1:])


def test_vocoder_graph_matches_the_vocoder_and_carries_its_state(tiny_voice, onnx_tiny):
    session = onnx_tiny.sessions["vocoder"]
    names = [i.name for i in session.get_inputs() if i.name.startswith("state.")]
    assert names, "a causal vocoder's graph takes its conv tails"
    mel = np.random.default_rng(1).standard_normal((1, tiny_voice.vocoder.arch.in_channels, 19), dtype=np.float32)
    with torch.no_grad():
        expected = tiny_voice.vocoder(torch.from_numpy(mel)).numpy()
    zeros = {i.name: np.zeros(i.shape, np.float32) for i in session.get_inputs() if i.name in names}
    wav, *tails = session.run(None, {"mel": mel, **zeros})
    assert float(np.abs(wav - expected).max()) <= GRAPH_TOLERANCE
    first, *tails = session.run(None, {"mel": mel[..., :7], **zeros})
    second, *_ = session.run(None, {"mel": mel[..., 7:], **dict(zip(names, tails))})
    joined = np.concatenate([first, second], axis=-1)
    assert float(np.abs(joined - expected).max()) <= GRAPH_TOLERANCE


def test_polyphase_graph_has_no_conv_transpose(tiny_voice):
    import onnx

    def ops(data):
        return {node.op_type for node in onnx.load_from_string(data).graph.node}

    assert "ConvTranspose" not in ops(graphs.vocoder_graph(tiny_voice.vocoder, polyphase=True))
    assert "ConvTranspose" in ops(graphs.vocoder_graph(tiny_voice.vocoder, polyphase=False))


def test_noncausal_vocoder_exports_without_state(noncausal_voice):
    import onnxruntime as ort

    session = ort.InferenceSession(graphs.vocoder_graph(noncausal_voice.vocoder, polyphase=True))
    assert [i.name for i in session.get_inputs()] == ["mel"]
    mel = np.random.default_rng(2).standard_normal((1, noncausal_voice.vocoder.arch.in_channels, 15), dtype=np.float32)
    with torch.no_grad():
        expected = noncausal_voice.vocoder(torch.from_numpy(mel)).numpy()
    assert float(np.abs(session.run(None, {"mel": mel})[0] - expected).max()) <= GRAPH_TOLERANCE


def test_every_graph_passes_the_full_onnx_checker(tiny_export):
    import json

    import onnx

    graphs_of = json.loads((tiny_export / "arch.json").read_text())["modes"][-1]["mode"]["graphs"]
    for file in graphs_of.values():
        model = onnx.load(tiny_export / file)
        onnx.checker.check_model(model, full_check=True)
        assert model.opset_import[0].version == graphs.OPSET
