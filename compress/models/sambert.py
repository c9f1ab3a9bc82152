"""The Sambert acoustic model (KAN-TTS `KanTtsSAMBERT`), inference and training forms.

Inference follows the released loaders: batch 1, no padding, durations either predicted
(free-running) or given. Every intermediate the reference stores can be traced for parity.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from compress.models.arch import SambertArch
from compress.models.decoder import MelDecoder
from compress.models.encoder import TextEncoder
from compress.models.layers import zero_masked
from compress.models.nsf import vocoder_input
from compress.models.postnet import PostNet
from compress.models.variance import VarianceAdaptor, round_durations


@dataclass
class AcousticOutput:
    """One utterance: the acoustic model's output, what the vocoder reads, and the prosody
    that produced them."""

    mel: torch.Tensor  # (frames, num_mels): the post-net output (the training target's space)
    durations: torch.Tensor  # (T,) int64 frames per token
    log_durations: torch.Tensor  # (T,) predicted log(d + 1)
    pitch: torch.Tensor  # (T,) predicted phone-level pitch (normalised)
    energy: torch.Tensor  # (T,)
    band_width: int
    trace: dict[str, torch.Tensor] = field(default_factory=dict)
    # (frames, num_mels): `mel` for plain voices; F0 in Hz and 0/1 voicing for NSF voices
    vocoder_input: torch.Tensor | None = None


def band_width(durations: torch.Tensor, r: int) -> int:
    """Decoder attention window, in steps: round-half-up of max duration / r."""
    return int(float(durations.max()) / r + 0.5)


def lfr(x: torch.Tensor, r: int, keep: int | None = None) -> torch.Tensor:
    """Group r frames into one step: (B, N*r, C) -> (B, N, r*C), or only the first `keep`."""
    b, length, c = x.shape
    grouped = x.reshape(b, length // r, r * c)
    return grouped if keep is None else grouped[..., :keep]


class Sambert(nn.Module):
    def __init__(self, arch: SambertArch):
        super().__init__()
        self.arch = arch
        self.text_encoder = TextEncoder(arch)
        self.spk_tokenizer = nn.Embedding(arch.tables["speaker"], arch.speaker_units)
        self.emo_tokenizer = nn.Embedding(arch.tables["emotion"], arch.emotion_units)
        self.variance_adaptor = VarianceAdaptor(arch)
        self.mel_decoder = MelDecoder(arch)
        self.mel_postnet = PostNet(arch)

    @property
    def r(self) -> int:
        return self.arch.outputs_per_step

    def memory(self, text, spk, emo) -> torch.Tensor:
        """Decoder memory (B, N, d_mem): r frames of text, the first frame's speaker, emotion."""
        return torch.cat(
            [lfr(text, self.r), lfr(spk, self.r, spk.shape[-1]), lfr(emo, self.r, emo.shape[-1])],
            dim=-1,
        )

    def prepare(self, ling, emo_ids, spk_ids, durations=None, speed=1.0, trace=None):
        """Everything before the decoder, for one utterance (batch 1).

        Returns (memory, band width, frames, AcousticOutput without mel)."""
        text_hid, encoded = self.text_encoder(ling)
        spk, emo = self.spk_tokenizer(spk_ids), self.emo_tokenizer(emo_ids)
        va = self.variance_adaptor
        pitch, energy, text_aug, cond = va.predict_prosody(text_hid, spk, emo)
        if durations is None:
            log_dur = va.duration_predictor.infer(cond)
            float_dur = (torch.exp(log_dur) - 1) / speed
            reps, bw = round_durations(float_dur), band_width(float_dur, self.r)
        else:
            log_dur = va.teacher_forced_durations(cond, durations)
            reps, bw = durations.long(), band_width(durations, self.r)
        layout, lr_text, lr_spk, lr_emo = va.regulate(reps, text_aug, spk, emo)
        memory = self.memory(lr_text, lr_spk, lr_emo)
        if trace is not None:
            trace.update({
                "text_encoder.ling_enc.out": encoded, "text_encoder.out": text_hid,
                "variance_adaptor.LR_text_outputs": lr_text,
                "variance_adaptor.LR_emo_outputs": lr_emo,
                "variance_adaptor.LR_spk_outputs": lr_spk, "mel_decoder.memory": memory,
            })
        out = AcousticOutput(
            mel=torch.empty(0), durations=reps[0], log_durations=log_dur[0],
            pitch=pitch[0], energy=energy[0], band_width=bw,
        )
        return memory, int(layout.lengths[0]), out

    def finish(self, dec_out: torch.Tensor, frames: int, trace=None) -> torch.Tensor:
        """Decoder output (1, N, r*num_mels) -> post-netted mel (frames, num_mels)."""
        dec = dec_out.reshape(1, -1, self.arch.num_mels)
        mask = torch.arange(dec.shape[1], device=dec.device)[None] >= frames
        dec = zero_masked(dec, mask)
        residual = self.mel_postnet(dec, mask)
        post = zero_masked(residual + dec, mask)
        if trace is not None:
            trace.update({
                "mel_decoder.out": dec_out, "dec_outputs_padded": dec,
                "mel_postnet.residual": residual, "postnet_outputs_padded": post,
            })
        return post[0, :frames]

    @torch.no_grad()
    def infer(self, ling, emo_ids, spk_ids, durations=None, speed: float = 1.0,
              trace: bool = False) -> AcousticOutput:
        """ling (1, T, 4), emo/spk (1, T) int64; durations (1, T) to fix them."""
        record = {} if trace else None
        memory, frames, out = self.prepare(ling, emo_ids, spk_ids, durations, speed, record)
        dec_out = self.mel_decoder.infer(memory, out.band_width, out.band_width)
        out.mel = self.finish(dec_out, frames, record)
        out.vocoder_input = vocoder_input(out.mel, self.arch.f0_norm)
        out.trace = record or {}
        return out

    def forward(self, ling, emo_ids, spk_ids, lengths, durations, pitch, energy, mel):
        """Teacher-forced training pass over a padded batch.

        lengths (B,) tokens; durations/pitch/energy (B, T) targets; mel (B, L, num_mels) with
        L a multiple of r and sum(durations) <= L. Returns a dict of predictions."""
        b, t = ling.shape[:2]
        mask = torch.arange(t, device=ling.device)[None] >= lengths[:, None]
        text_hid, _ = self.text_encoder(ling, mask)
        spk, emo = self.spk_tokenizer(spk_ids), self.emo_tokenizer(emo_ids)
        va = self.variance_adaptor
        pitch_pred, energy_pred, text_aug, cond = va.predict_prosody(
            text_hid, spk, emo, mask, pitch, energy
        )
        log_dur = va.teacher_forced_durations(cond, durations, mask)
        layout, lr_text, lr_spk, lr_emo = va.regulate(durations.long(), text_aug, spk, emo, mel.shape[1])
        memory = self.memory(lr_text, lr_spk, lr_emo)
        frame_mask = layout.index < 0
        step_mask = frame_mask[:, :: self.r]  # a step is padding when its first frame is
        bw = band_width(durations.masked_fill(mask, 0), self.r)
        dec = self.mel_decoder(memory, bw, bw, mel, step_mask).reshape(b, -1, self.arch.num_mels)
        dec = zero_masked(dec, frame_mask)
        post = zero_masked(self.mel_postnet(dec, frame_mask) + dec, frame_mask)
        return {
            "dec": dec, "post": post, "frame_mask": frame_mask, "log_durations": log_dur,
            "pitch": pitch_pred, "energy": energy_pred, "token_mask": mask,
        }
