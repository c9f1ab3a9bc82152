"""Converting a change of the acoustic model's mel into dB, through the voice's own vocoder.

The acoustic model outputs mean/std-normalised log-mels; their dB scale lives in corpus
statistics a voice does not ship. The vocoder knows it, so it is measured:

1. Shape, per band: vocode the reference mel shifted up by SHIFT (normalised units) and take
   gain_b = mean over speech frames of (dB_b(shifted) - dB_b(reference)) / SHIFT. A vocoder
   that reproduces its input has gain_b = 100 * std_b (KAN-TTS scales a 100 dB range to 1).
2. Scale: a diagonal gain misses how a vocoder spreads a change across bands and frames, so
   it is calibrated once: smooth random perturbations of the reference mel (Gaussian noise
   smoothed over SMOOTH_FRAMES frames and SMOOTH_BANDS bands, RMS PERTURBATION_RMS) are both
   vocoded (the exact distance) and converted with the gain; the median ratio of the two
   scales the gain. Small perturbations keep this in the first-order regime the conversion
   is for; the ratios are reported, so their spread shows how well one scale fits.

The mel distance of a masked model is then the per-frame RMS over bands of
scale * gain_b * (mel_b - mel0_b), averaged over the reference's speech frames.

An NSF voice's acoustic model has two channels after the mel bands (F0, voicing): they are
neither shifted nor perturbed here and the mel distance does not see them; a change there
shows in the waveform distance (`am_distance=wave`).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from sensitivity import spectra

SHIFT = 0.1
PERTURBATION_RMS = 0.1
SMOOTH_FRAMES = 2.0
SMOOTH_BANDS = 3.0
DRAWS = 4  # perturbations per calibration utterance
SEED = 0


@dataclass
class MelGain:
    per_band: torch.Tensor  # (n_mels,) dB per normalised unit, scale included
    scale: float  # the calibration factor applied to the shift gain
    ratios: list[float]  # vocoded / converted distance of each calibration perturbation

    def distance(self, reference: torch.Tensor, test: torch.Tensor, speech: torch.Tensor) -> spectra.Partial:
        """Aligned mel distance of one utterance, (frames, channels) each: the mel bands."""
        bands = len(self.per_band)
        rms = spectra.frame_rms(self.per_band * test[:, :bands], self.per_band * reference[:, :bands])
        return spectra.Partial(float(rms[speech].sum()), int(speech.sum()))

    def to_dict(self) -> dict:
        return {"db_per_unit": self.per_band.tolist(), "scale": self.scale, "calibration_ratios": self.ratios}


def _kernel(sigma: float) -> torch.Tensor:
    radius = int(3 * sigma)
    x = torch.arange(-radius, radius + 1, dtype=torch.float32)
    w = torch.exp(-0.5 * (x / sigma) ** 2)
    return (w / w.sum())[None, None]


def smooth_noise(frames: int, bands: int, gen: torch.Generator) -> torch.Tensor:
    """(frames, bands) Gaussian noise, smoothed in time and frequency, with RMS PERTURBATION_RMS."""
    noise = torch.randn(frames, bands, generator=gen)
    kt, kf = _kernel(SMOOTH_FRAMES), _kernel(SMOOTH_BANDS)
    noise = F.conv1d(noise.T[:, None], kt, padding=kt.shape[-1] // 2)[:, 0].T
    noise = F.conv1d(noise[:, None], kf, padding=kf.shape[-1] // 2)[:, 0]
    return noise * PERTURBATION_RMS / noise.square().mean().sqrt().clamp(min=1e-12)


def _bands_only(change: torch.Tensor, u) -> torch.Tensor:
    """`change` with the channels past the spectrum's bands (an NSF voice's F0, voicing) zeroed."""
    out = change.clone()
    out[:, u.spectrum.shape[1]:] = 0
    return out


@torch.no_grad()
def measure_gain(synth, features: spectra.LogMelDb, utterances) -> MelGain:
    """The calibrated gain over the utterances (each with .mel, .spectrum, .speech, .frames);
    `synth` turns an acoustic-model output (frames, channels) into a waveform."""
    total, count = 0.0, 0
    for u in utterances:
        shifted = features(synth(u.mel + _bands_only(torch.full_like(u.mel, SHIFT), u)))
        total = total + (shifted - u.spectrum)[u.speech].sum(dim=0)
        count += int(u.speech.sum())
    shape = MelGain(total / (count * SHIFT), 1.0, [])
    gen, ratios = torch.Generator().manual_seed(SEED), []
    for u in utterances:
        for _ in range(DRAWS):
            mel = u.mel + _bands_only(smooth_noise(*u.mel.shape, gen), u)
            exact = spectra.frame_distance(u.spectrum, features(synth(mel)), u.speech).db
            converted = shape.distance(u.mel, mel, u.speech[: u.frames]).db
            if converted > 0:
                ratios.append(exact / converted)
    scale = float(torch.tensor(ratios).median()) if ratios else 1.0
    return MelGain(shape.per_band * scale, scale, ratios)
