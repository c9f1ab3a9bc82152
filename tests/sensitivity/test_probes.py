import copy

import numpy as np
import pytest
import torch
from torch import nn

from compress.models.hifigan import apply_weight_norm
from compress.synthesis import acoustic
from sensitivity.lstm_gates import lstm_gates, recorded_calls
from sensitivity.measure import Measurer
from sensitivity.probes import gate_activity, head_groups, head_probe, head_summary, vocoder_weights


def test_head_probe_gives_a_value_per_layer_and_head(tiny_voice, tiny_groups, tiny_calibration):
    measurer = Measurer(tiny_voice, tiny_calibration[:1])
    db = head_probe(measurer, list(tiny_groups.values()))
    assert list(db) == ["am.encoder.0.heads", "am.encoder.1.heads", "am.decoder.0.heads", "am.decoder.1.heads"]
    assert all(len(v) == 2 and all(d > 0 for d in v) for v in db.values())
    summary = head_summary(db, threshold_db=1e9)
    assert summary["last_encoder_share"] == summary["all_layers"] == 1.0
    summary = head_summary({"am.encoder.0.heads": [0.1, 0.5], "am.encoder.1.heads": [0.2, 0.2],
                            "am.encoder.2.heads": [1.0, 0.0], "am.decoder.0.heads": [0.9, 0.9]}, 0.3)
    assert summary["last_encoder_layers"] == ["am.encoder.1.heads", "am.encoder.2.heads"]
    assert summary["last_encoder_share"] == 0.75 and summary["decoder"] == 0.0
    assert summary["per_layer"]["am.encoder.0.heads"] == 0.5


def test_head_groups_are_in_model_order(tiny_groups):
    names = [g.name for g in head_groups(list(tiny_groups.values())[::-1])]
    assert names == ["am.encoder.0.heads", "am.encoder.1.heads", "am.decoder.0.heads", "am.decoder.1.heads"]


def test_recomputed_gates_give_the_lstm_outputs(tiny_voice, tiny_calibration):
    lstms = {n: m for n, m in tiny_voice.am.named_modules() if isinstance(m, nn.LSTM)}
    with recorded_calls(tiny_voice.am) as calls:
        acoustic(tiny_voice, tiny_calibration[1])
    assert set(calls) == set(lstms)
    assert len(calls["variance_adaptor.duration_predictor.lstm"]) == len(tiny_calibration[1])  # one per phone
    for name, records in calls.items():
        for call in records:
            gates, output = lstm_gates(lstms[name], call.input, call.state)
            torch.testing.assert_close(output, call.output, atol=1e-6, rtol=0)
            for acts in gates.values():
                assert acts.shape[2] == 4


def test_gates_of_a_stacked_bidirectional_lstm_with_state():
    torch.manual_seed(0)
    lstm = nn.LSTM(5, 6, num_layers=2, bidirectional=True, batch_first=True)
    x, state = torch.randn(2, 7, 5), (torch.randn(4, 2, 6), torch.randn(4, 2, 6))
    gates, output = lstm_gates(lstm, x, state)
    torch.testing.assert_close(output, lstm(x, state)[0], atol=1e-6, rtol=0)
    assert set(gates) == {"l0", "l0_reverse", "l1", "l1_reverse"}


def test_gate_activity_fractions(tiny_voice, tiny_calibration):
    result = gate_activity(tiny_voice, tiny_calibration)
    assert set(result["per_lstm"]) == {"am.variance_adaptor.pitch_predictor.blstm",
                                       "am.variance_adaptor.energy_predictor.blstm",
                                       "am.variance_adaptor.duration_predictor.lstm", "am.mel_postnet.lstm"}
    assert set(result["layers"]["am.variance_adaptor.duration_predictor.lstm"]) == {"l0", "l1"}
    assert set(result["layers"]["am.variance_adaptor.pitch_predictor.blstm"]) == {"l0", "l0_reverse"}
    values = [v for per in result["layers"].values() for g in per.values() for v in g.values()]
    assert all(0.0 <= v <= 1.0 for v in values) and 0 < np.mean(values) < 1
    assert result["decoder_side"] == result["per_lstm"]["am.mel_postnet.lstm"]


def test_weight_share_is_a_direct_count(tiny_voice):
    convs = [m.weight.detach() for m in tiny_voice.vocoder.modules()
             if isinstance(m, (nn.Conv1d, nn.ConvTranspose1d))]
    inside = sum(int((w.abs() <= 0.015).sum()) for w in convs)
    total = sum(w.numel() for w in convs)
    result = vocoder_weights(tiny_voice, 0.015)
    assert result["values"] == total and result["share"] == inside / total
    assert len(result["layers"]) == len(convs)
    for layer in result["layers"].values():
        assert sum(layer["histogram"]) + layer["below"] + layer["above"] == layer["values"]
    # a weight-normed copy reports the folded weights: the same figures
    normed = copy.copy(tiny_voice)
    normed.vocoder = apply_weight_norm(copy.deepcopy(tiny_voice.vocoder))
    again = vocoder_weights(normed, 0.015)
    assert again["share"] == pytest.approx(result["share"], abs=2.0 / total)
