"""Sambert variance adaptor: pitch/energy/duration predictors and the length regulator."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from compress.models.arch import FsmnArch, SambertArch
from compress.models.layers import FsmnEncoder, Prenet, dur_inv_timescales


class FsmnLstmPredictor(nn.Module):
    """Phone-level pitch or energy: FSMN -> BLSTM -> Linear(., 1). Parallel over phones."""

    def __init__(self, d_in: int, fsmn: FsmnArch, lstm_units: int):
        super().__init__()
        self.fsmn = FsmnEncoder(d_in, fsmn)
        self.blstm = nn.LSTM(fsmn.d_memory, lstm_units, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * lstm_units, 1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        h = self.fsmn(x, mask)
        if mask is not None and bool(mask.any()):
            lengths = (~mask).sum(dim=1).cpu()
            packed = nn.utils.rnn.pack_padded_sequence(h, lengths, batch_first=True, enforce_sorted=False)
            h, _ = nn.utils.rnn.pad_packed_sequence(self.blstm(packed)[0], batch_first=True,
                                                    total_length=x.shape[1])
        else:
            h, _ = self.blstm(h)
        out = self.fc(h).squeeze(-1)
        return out if mask is None else out.masked_fill(mask, 0.0)


class DurationPredictor(nn.Module):
    """Autoregressive over phones: the previous log(d+1) goes through a prenet, joins the
    phone's condition, and a unidirectional LSTM predicts ReLU'd log(d+1)."""

    def __init__(self, d_cond: int, prenet_units: list[int], lstm_units: int, layers: int):
        super().__init__()
        self.prenet = Prenet(1, prenet_units)
        self.lstm = nn.LSTM(prenet_units[-1] + d_cond, lstm_units, num_layers=layers, batch_first=True)
        self.fc = nn.Linear(lstm_units, 1)

    def forward(self, prev_log_dur: torch.Tensor, cond: torch.Tensor, state=None):
        """Teacher-forced form. prev_log_dur (B, T, 1), cond (B, T, d_cond)."""
        h, state = self.lstm(torch.cat([self.prenet(prev_log_dur), cond], dim=-1), state)
        return F.relu(self.fc(h).squeeze(-1)), state

    def infer(self, cond: torch.Tensor) -> torch.Tensor:
        """Free-running: each phone's prediction is the next phone's input. (B, T)."""
        x = cond.new_zeros(cond.shape[0], 1, 1)
        state, outputs = None, []
        for i in range(cond.shape[1]):
            y, state = self.forward(x, cond[:, i : i + 1], state)
            outputs.append(y)
            x = y.unsqueeze(-1)
        return torch.cat(outputs, dim=1)


class DurPositionEncoder(nn.Module):
    """Position of each frame inside its phone, as interleaved sin/cos (padding frames: 0)."""

    def __init__(self, depth: int):
        super().__init__()
        self.inv_timescales = nn.Parameter(dur_inv_timescales(depth), requires_grad=False)

    def forward(self, dur_pos: torch.Tensor) -> torch.Tensor:
        """dur_pos (B, L) float -> (B, L, depth)."""
        angles = dur_pos[:, :, None] / self.inv_timescales
        out = torch.empty_like(angles)
        out[:, :, 0::2] = torch.sin(angles[:, :, 0::2])
        out[:, :, 1::2] = torch.cos(angles[:, :, 1::2])
        return out


@dataclass
class Regulated:
    """Length-regulated frame-level tensors, padded to a multiple of r frames."""

    index: torch.Tensor  # (B, L_pad) phone index of each frame (-1 on padding)
    dur_pos: torch.Tensor  # (B, L_pad) 1-based position inside the phone, 0 on padding
    lengths: torch.Tensor  # (B,) frames before padding (LR_length_rounded)

    def expand(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, C) phone-level -> (B, L_pad, C) frame-level, zeros on padding."""
        idx = self.index.clamp(min=0).unsqueeze(-1).expand(-1, -1, x.shape[-1])
        return torch.gather(x, 1, idx).masked_fill((self.index < 0).unsqueeze(-1), 0.0)


def regulate(reps: torch.Tensor, r: int, total: int | None = None) -> Regulated:
    """Frame layout for integer repeats (B, T). Padded to a multiple of r, or to `total`."""
    lengths = reps.sum(dim=1)
    length = int(lengths.max()) if total is None else total
    padded = length + (-length) % r
    ends = torch.cumsum(reps, dim=1)  # (B, T)
    frames = torch.arange(padded, device=reps.device)
    # phone index = number of phone ends at or before the frame
    index = torch.searchsorted(ends, frames.expand(reps.shape[0], -1).contiguous(), right=True)
    valid = frames[None, :] < lengths[:, None]
    starts = ends - reps
    index = index.clamp(max=reps.shape[1] - 1)
    dur_pos = (frames[None, :] - torch.gather(starts, 1, index) + 1).float()
    return Regulated(
        index=index.masked_fill(~valid, -1),
        dur_pos=dur_pos.masked_fill(~valid, 0.0),
        lengths=lengths,
    )


class VarianceAdaptor(nn.Module):
    def __init__(self, arch: SambertArch):
        super().__init__()
        d_in = arch.d_var_in
        self.pitch_predictor = FsmnLstmPredictor(d_in, arch.pitch_fsmn, arch.pitch_lstm)
        self.energy_predictor = FsmnLstmPredictor(d_in, arch.energy_fsmn, arch.energy_lstm)
        self.duration_predictor = DurationPredictor(d_in, arch.dur_prenet, arch.dur_lstm, arch.dur_lstm_layers)
        self.dur_position_encoder = DurPositionEncoder(arch.d_proj)
        self.pitch_emb = nn.Conv1d(1, arch.d_proj, kernel_size=9, padding=4)
        self.energy_emb = nn.Conv1d(1, arch.d_proj, kernel_size=9, padding=4)
        self.r = arch.outputs_per_step

    def predict_prosody(self, text_hid, spk, emo, mask=None, pitch=None, energy=None):
        """Pitch and energy predictions, and text_hid augmented with (given or predicted) values.

        Returns (pitch_pred, energy_pred, text_aug, duration condition)."""
        var_in = torch.cat([text_hid, spk, emo], dim=-1)
        pitch_pred = self.pitch_predictor(var_in, mask)
        energy_pred = self.energy_predictor(var_in, mask)
        p = pitch_pred if pitch is None else pitch
        e = energy_pred if energy is None else energy
        text_aug = (
            text_hid
            + self.pitch_emb(p.unsqueeze(1)).transpose(1, 2)
            + self.energy_emb(e.unsqueeze(1)).transpose(1, 2)
        )
        cond = torch.cat([text_aug, spk, emo], dim=-1)
        return pitch_pred, energy_pred, text_aug, cond

    def teacher_forced_durations(self, cond, durations, mask=None) -> torch.Tensor:
        """log(d+1) predictions with the previous target durations as inputs."""
        prev = F.pad(durations[:, :-1].float(), (1, 0))
        log_dur, _ = self.duration_predictor(torch.log(prev + 1).unsqueeze(-1), cond)
        return log_dur if mask is None else log_dur.masked_fill(mask, 0.0)

    def regulate(self, reps, text_aug, spk, emo, total=None):
        """Frame-level text (with duration positions), speaker and emotion."""
        layout = regulate(reps, self.r, total)
        text = layout.expand(text_aug) + self.dur_position_encoder(layout.dur_pos)
        return layout, text, layout.expand(spk), layout.expand(emo)


def round_durations(durations: torch.Tensor) -> torch.Tensor:
    """KAN-TTS rounding of float frame counts: half up."""
    return (durations + 0.5).long()
