"""A multi-period discriminator (HiFi-GAN's MPD) with least-squares GAN losses.

Only used while training a vocoder; it never ships with a voice. Widths are arguments so a
CPU budget can afford it.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrizations


class PeriodDiscriminator(nn.Module):
    """Folds the waveform into (samples / period, period) and runs 2-D convs over time."""

    def __init__(self, period: int, channels: int = 32, layers: int = 4, max_channels: int = 256):
        super().__init__()
        self.period = period
        widths = [1] + [min(channels * 4**i, max_channels) for i in range(layers)]
        self.convs = nn.ModuleList(
            parametrizations.weight_norm(nn.Conv2d(c_in, c_out, (5, 1), (3, 1), padding=(2, 0)))
            for c_in, c_out in zip(widths[:-1], widths[1:])
        )
        self.post = parametrizations.weight_norm(nn.Conv2d(widths[-1], 1, (3, 1), padding=(1, 0)))

    def forward(self, wav: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        b, t = wav.shape
        if t % self.period:
            wav = F.pad(wav, (0, self.period - t % self.period), mode="reflect")
        x = wav.view(b, 1, -1, self.period)
        features = []
        for conv in self.convs:
            x = F.leaky_relu(conv(x), 0.1)
            features.append(x)
        return self.post(x).flatten(1), features


class MultiPeriodDiscriminator(nn.Module):
    def __init__(self, periods=(2, 3, 5, 7, 11), channels: int = 32, layers: int = 4):
        super().__init__()
        self.discriminators = nn.ModuleList(PeriodDiscriminator(p, channels, layers) for p in periods)

    def forward(self, wav: torch.Tensor):
        return [d(wav) for d in self.discriminators]

    def discriminator_loss(self, fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        loss = fake.new_zeros(())
        for (score_real, _), (score_fake, _) in zip(self(real), self(fake)):
            loss = loss + ((score_real - 1) ** 2).mean() + (score_fake**2).mean()
        return loss

    def generator_losses(self, fake, real, adv_weight: float, fmap_weight: float) -> dict[str, torch.Tensor]:
        adv = fake.new_zeros(())
        fmap = fake.new_zeros(())
        with torch.no_grad():
            real_out = self(real)
        for (score_fake, feats_fake), (_, feats_real) in zip(self(fake), real_out):
            adv = adv + ((score_fake - 1) ** 2).mean()
            fmap = fmap + sum(F.l1_loss(f, r) for f, r in zip(feats_fake, feats_real))
        return {"adv": adv * adv_weight, "fmap": fmap * fmap_weight}
