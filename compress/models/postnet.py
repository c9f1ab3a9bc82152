"""Sambert post-net: FSMN (shifted into the past) -> LSTM -> Linear, a residual on the mel."""

from __future__ import annotations

import torch
from torch import nn

from compress.models.arch import SambertArch
from compress.models.layers import FsmnEncoder


class PostNet(nn.Module):
    def __init__(self, arch: SambertArch):
        super().__init__()
        self.fsmn = FsmnEncoder(arch.num_mels, arch.postnet_fsmn)
        self.lstm = nn.LSTM(arch.postnet_fsmn.d_memory, arch.postnet_lstm, batch_first=True)
        self.fc = nn.Linear(arch.postnet_lstm, arch.num_mels)

    def forward(self, mel: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """The residual to add to the decoder's mel (B, L, num_mels)."""
        return self.fc(self.lstm(self.fsmn(mel, mask))[0])
