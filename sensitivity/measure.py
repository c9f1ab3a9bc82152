"""Measuring how much a (masked) voice's speech differs from the original, in dB.

The reference is computed once per calibration sentence: durations predicted by the
original model, then held fixed, so the masked voice's frames line up with the original's;
the mel, the waveform and its log-mel (spectra.py) are cached, with every intermediate a
later measurement can start from.

Where a measurement starts depends on the first layer the masked group writes to (its
producers): an encoder or pitch/energy group reruns the whole acoustic model, a decoder
group the decoder and post-net from the cached memory, a post-net group the post-net alone,
a vocoder group the vocoder from the stage (or residual block) it touches.

Acoustic-model groups are measured in one of two ways (`am_distance`):

* "mel" (default, fast): the mel change is converted to dB with a per-band gain of the
  voice's own vocoder, calibrated once against vocoded perturbations (mel_gain.py). No
  vocoder run per measurement.
* "wave" (exact, slower): every masked mel is vocoded and compared like a vocoder group.

The duration predictor does not act when durations are held fixed, so its groups are
measured differently: the masked model predicts its own durations (free-running, rounded as
KAN-TTS does), synthesis runs with those and is vocoded (in both modes: the changes are too
large for the mel conversion's first-order calibration), and the frames are aligned to the
reference by DTW (spectra.dtw_mean). Identical durations give exactly 0 dB without
synthesis; an empty output is measured as silence.

A masked distance depends only on the voice (its weights and architecture, as they were when
the Measurer was built), the calibration sentences, `am_distance`, the group and the removed
units, so it is kept for the life of the process under a digest of those. A pipeline's prune
then reads the curve points that its sensitivity step already measured on the same voice
(every point whose removed units are the same, i.e. all of them where both ranked by the same
Taylor importance) instead of measuring them again: on the demo voice the prune's curves took
87 s of its 911 s in the light pipeline before, 1.3 s when read back.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import torch

from compress.checkpoint import arch_document, weights_sha256
from compress.models.symbols import EncodedSymbols
from compress.models.variance import round_durations
from compress.models.nsf import vocoder_input
from compress.models.voice import Voice
from compress.synthesis import waveform
from compress.units.groups import UnitGroup
from sensitivity import spectra
from sensitivity.masking import live_tensors, masked
from sensitivity.mel_gain import measure_gain
from sensitivity.vocoder_stages import VocoderTrace, run_from, trace

# How acoustic-model groups are measured (the sensitivity and prune recipes' `am_distance`):
# mel = mel change through the vocoder's gain (fast), wave = vocode every point.
AM_DISTANCES = ("mel", "wave")
# Acoustic-model parts by the first parameter a group writes, in the order they run;
# "duration" comes first because its measurement reruns everything.
AM_PARTS = (("am.variance_adaptor.duration_predictor.", "duration"), ("am.mel_decoder.", "decoder"),
            ("am.mel_postnet.", "postnet"), ("am.", "prepare"))
AM_ORDER = ("duration", "prepare", "decoder", "postnet")

Progress = Callable[[str, int, int], None]

# (measurer digest, group name, removed units) -> dB, shared by every Measurer of the process
_MASKED_DISTANCES: dict[tuple, float] = {}


@dataclass(frozen=True)
class Start:
    """Where a measurement starts: ("am", part) or ("voc", stage, block or None)."""

    part: str
    stage: str | int
    block: int | None = None


def _voc_point(param: str, kernels: int, stages: int) -> tuple[int, int | None]:
    match = re.match(r"voc\.(conv_pre|conv_post|repeat_upsamples|transpose_upsamples|source_downs|conv_blocks)\.(\d+)?",
                     param)
    if match is None:
        raise ValueError(f"no vocoder stage for {param}")
    kind, number = match.group(1), match.group(2)
    if kind == "conv_pre":
        return -1, None
    if kind == "conv_post":
        return stages, None
    if kind == "conv_blocks":
        return int(number) // kernels, int(number) % kernels
    return int(number), None


def start_of(group: UnitGroup, voice: Voice) -> Start:
    producers = sorted({m.param for m in group.members if m.producer})
    parts = {p.split(".", 1)[0] for p in producers}
    if parts == {"am"}:
        found = {next(name for prefix, name in AM_PARTS if p.startswith(prefix)) for p in producers}
        return Start("am", min(found, key=AM_ORDER.index))
    if parts == {"voc"}:
        arch = voice.vocoder.arch
        points = {_voc_point(p, len(arch.resblock_kernel_sizes), len(arch.upsample_scales)) for p in producers}
        stage = min(s for s, _ in points)
        blocks = {b for s, b in points if s == stage}
        return Start("voc", stage, blocks.pop() if len(blocks) == 1 else None)
    raise ValueError(f"group {group.name} writes to both models or to neither")


@dataclass
class Utterance:
    inputs: tuple[torch.Tensor, torch.Tensor, torch.Tensor]  # ling, emo, spk (batch 1)
    durations: torch.Tensor  # (1, T) frames per token, as the original predicts them
    memory: torch.Tensor
    frames: int
    band_width: int
    dec_out: torch.Tensor
    mel: torch.Tensor  # (frames, n_mels)
    spectrum: torch.Tensor  # (frames + 1, n_mels) dB of the reference waveform
    speech: torch.Tensor  # (frames + 1,) bool
    vocoder: VocoderTrace


def predicted_durations(voice: Voice, inputs) -> torch.Tensor:
    """(1, T) durations of free-running synthesis, without running the decoder
    (the steps of Sambert.prepare up to the rounding)."""
    am, (ling, emo_ids, spk_ids) = voice.am, inputs
    text_hid, _ = am.text_encoder(ling)
    spk, emo = am.spk_tokenizer(spk_ids), am.emo_tokenizer(emo_ids)
    cond = am.variance_adaptor.predict_prosody(text_hid, spk, emo)[3]
    log_dur = am.variance_adaptor.duration_predictor.infer(cond)
    return round_durations(torch.exp(log_dur) - 1)


def _mel_with(voice: Voice, inputs, durations: torch.Tensor) -> torch.Tensor:
    memory, frames, out = voice.am.prepare(*inputs, durations)
    dec = voice.am.mel_decoder.infer(memory, out.band_width, out.band_width)
    return voice.am.finish(dec, frames)


class Measurer:
    """Distances of the voice in its current state from the original, over the calibration."""

    def __init__(self, voice: Voice, calibration: list[EncodedSymbols], am_distance: str = "mel",
                 progress: Progress | None = None):
        if am_distance not in AM_DISTANCES:
            raise ValueError(f"am_distance must be one of {', '.join(AM_DISTANCES)}, got {am_distance!r}")
        if not calibration:
            raise ValueError("no calibration sentences")
        self.voice, self.am_distance = voice, am_distance
        self.tensors = live_tensors(voice)
        self.features = spectra.LogMelDb(spectra.MelSettings.from_voice(voice))
        self.utterances = []
        for index, symbols in enumerate(calibration):
            self.utterances.append(self._reference(symbols))
            if progress:
                progress("reference outputs", index + 1, len(calibration))
        self.gain = measure_gain(lambda mel: waveform(voice, mel), self.features, self.utterances) \
            if am_distance == "mel" else None
        self.digest = _digest(voice, calibration, am_distance)

    @torch.no_grad()
    def _reference(self, symbols: EncodedSymbols) -> Utterance:
        am = self.voice.am
        inputs = tuple(torch.from_numpy(a)[None] for a in (symbols.ling, symbols.emotion, symbols.speaker))
        durations = predicted_durations(self.voice, inputs)
        memory, frames, out = am.prepare(*inputs, durations)
        dec_out = am.mel_decoder.infer(memory, out.band_width, out.band_width)
        mel = am.finish(dec_out, frames)
        wav, record = trace(self.voice.vocoder, self._vocoder_input(mel))
        spectrum = self.features(wav.reshape(-1))
        return Utterance(inputs, durations, memory, frames, out.band_width, dec_out, mel,
                         spectrum, spectra.speech_frames(spectrum), record)

    def _vocoder_input(self, mel: torch.Tensor) -> torch.Tensor:
        return vocoder_input(mel, self.voice.am.arch.f0_norm).T[None]

    def masked_distance(self, group: UnitGroup, removed: list[list[int]]) -> float:
        """dB distance with `removed` units of `group` silenced (the voice is restored after);
        measured once per process for the same voice, sentences and units (see the module)."""
        key = (self.digest, group.name, tuple(tuple(block) for block in removed))
        if key not in _MASKED_DISTANCES:
            with masked(self.tensors, group, removed):
                _MASKED_DISTANCES[key] = self.distance(group)
        return _MASKED_DISTANCES[key]

    @torch.no_grad()
    def distance(self, group: UnitGroup) -> float:
        """dB distance of the voice as it is now, assuming only `group`'s producers changed."""
        start = start_of(group, self.voice)
        total = spectra.Partial()
        for u in self.utterances:
            total = total.add(self._utterance(u, start))
        return total.db

    def _utterance(self, u: Utterance, start: Start) -> spectra.Partial:
        if start.part == "voc":
            wav = run_from(self.voice.vocoder, self._vocoder_input(u.mel), u.vocoder, start.stage, start.block)
            return spectra.frame_distance(u.spectrum, self.features(wav.reshape(-1)), u.speech)
        if start.stage == "duration":
            return self._duration_distance(u)
        am = self.voice.am
        if start.stage == "prepare":
            mel = _mel_with(self.voice, u.inputs, u.durations)
        elif start.stage == "decoder":
            mel = am.finish(am.mel_decoder.infer(u.memory, u.band_width, u.band_width), u.frames)
        else:
            mel = am.finish(u.dec_out, u.frames)
        return self._mel_distance(u, mel)

    def _mel_distance(self, u: Utterance, mel: torch.Tensor) -> spectra.Partial:
        if self.am_distance == "wave":
            test = self.features(waveform(self.voice, mel))
            return spectra.frame_distance(u.spectrum, test, u.speech)
        return self.gain.distance(u.mel, mel, u.speech[: u.frames])

    def _duration_distance(self, u: Utterance) -> spectra.Partial:
        durations = predicted_durations(self.voice, u.inputs)
        if torch.equal(durations, u.durations):
            return spectra.Partial(0.0, int(u.speech.sum()))
        if int(durations.sum()) == 0:
            return spectra.silence_distance(u.spectrum, u.speech)
        mel = _mel_with(self.voice, u.inputs, durations)
        floor = spectra.floor_db(u.spectrum)
        test = self.features(waveform(self.voice, mel)).clamp(min=floor)
        return spectra.dtw_mean(u.spectrum.clamp(min=floor), test, u.speech)


def _digest(voice: Voice, calibration: list[EncodedSymbols], am_distance: str) -> str:
    """sha256 of what a masked distance depends on besides the group and the units."""
    digest = hashlib.sha256(json.dumps([weights_sha256(voice), arch_document(voice), am_distance],
                                       sort_keys=True, default=str).encode("utf-8"))
    for symbols in calibration:
        for array in (symbols.ling, symbols.emotion, symbols.speaker):
            digest.update(f"{array.dtype}{array.shape}".encode("utf-8") + array.tobytes())
    return digest.hexdigest()


@torch.no_grad()
def voice_distance(reference: Voice, other: Voice, calibration: list[EncodedSymbols]) -> float:
    """dB distance of another voice (a pruned copy, say) from `reference`, with the reference's
    durations held fixed for both, over the calibration sentences."""
    features = spectra.LogMelDb(spectra.MelSettings.from_voice(reference))
    total = spectra.Partial()
    for symbols in calibration:
        inputs = tuple(torch.from_numpy(a)[None] for a in (symbols.ling, symbols.emotion, symbols.speaker))
        durations = predicted_durations(reference, inputs)
        spectrum = features(waveform(reference, _mel_with(reference, inputs, durations)))
        test = features(waveform(other, _mel_with(other, inputs, durations)))
        total = total.add(spectra.frame_distance(spectrum, test, spectra.speech_frames(spectrum)))
    return total.db
