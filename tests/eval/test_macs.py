"""MAC counting: operator-level counts plus LSTMs by hook, checked against hand counts."""

from __future__ import annotations

import torch
from torch import nn

from eval import macs


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 16)
        self.conv = nn.Conv1d(16, 4, kernel_size=3, padding=1)
        self.up = nn.ConvTranspose1d(4, 2, kernel_size=4, stride=2)
        self.lstm = nn.LSTM(2, 5, num_layers=2, batch_first=True, bidirectional=True)

    def forward(self, x):  # x (1, T, 8)
        h = self.fc(x).transpose(1, 2)
        h = self.up(self.conv(h))
        out, _ = self.lstm(h.transpose(1, 2))
        return torch.matmul(out, out.transpose(1, 2))


def test_counts_match_hand_counts():
    t = 10
    model = Small().eval()
    with torch.no_grad(), macs.count(model) as found:
        model(torch.randn(1, t, 8))
    up_len = (t - 1) * 2 + 4
    lstm = (4 * 5 * (2 + 5) + 4 * 5 * (10 + 5)) * 2 * up_len
    expected = t * 8 * 16 + t * 16 * 4 * 3 + t * 4 * 2 * 4 + lstm + up_len * up_len * 10
    assert found["lstm_macs"] == lstm
    assert found["macs"] == expected


def test_synthesis_macs_of_the_tiny_voice(tiny_voice):
    from eval import inputs
    from tests.eval.conftest import SYMBOLS

    item = inputs.read_symbols_file(SYMBOLS)[0]
    got = macs.synthesis_macs(tiny_voice, inputs.encode_item(tiny_voice, item, None, None))
    assert got["am"] > 0 and got["voc"] > got["am"] and got["audio_s"] > 0
