"""Spectral losses."""


def test_an_stft_longer_than_the_segment_is_left_out():
    import torch

    from compress.train.spectral_losses import STFT_RESOLUTIONS, stft_loss

    torch.manual_seed(0)
    pred, target = torch.randn(2, 1600), torch.randn(2, 1600)
    with_long = stft_loss(pred, target, STFT_RESOLUTIONS + ((4096, 400, 2048),))
    assert torch.equal(with_long, stft_loss(pred, target, STFT_RESOLUTIONS))  # 4096 needs more than 1600 samples
    longer = torch.randn(2, 9000), torch.randn(2, 9000)
    assert not torch.equal(stft_loss(*longer, STFT_RESOLUTIONS + ((4096, 400, 2048),)), stft_loss(*longer))


def _tones(frequencies, amplitudes, samples=16000, rate=16000):
    import torch

    t = torch.arange(samples) / rate
    return sum(a * torch.sin(2 * torch.pi * f * t) for f, a in zip(frequencies, amplitudes))[None]


def test_the_low_band_loss_sees_a_hum_line_the_full_band_terms_barely_weigh():
    from compress.train.spectral_losses import low_band_loss, stft_loss

    import torch

    torch.manual_seed(0)  # a noise floor, as recordings have (pure tones leave bins at the log's floor)
    voice = _tones((113, 226, 339, 1500, 3000), (0.3, 0.2, 0.2, 0.2, 0.1)) + 1e-3 * torch.randn(1, 16000)
    hummed = voice + _tones((80, 160), (0.3, 0.3))  # lines at the 80 Hz hop rate
    high = voice + _tones((5000, 5080), (0.3, 0.3))  # the same energy far above the band
    assert low_band_loss(voice, voice, 600, 16000) == 0
    in_band, out_of_band = low_band_loss(hummed, voice, 600, 16000), low_band_loss(high, voice, 600, 16000)
    assert 20 * out_of_band < in_band
    full = stft_loss(hummed, voice, ((4096, 400, 2048),))
    assert in_band > 1.5 * full  # the same lines weigh more relative to the band than to the whole


def test_a_segment_shorter_than_the_low_band_fft_gets_a_shorter_one():
    import torch

    from compress.train.spectral_losses import low_band_loss

    torch.manual_seed(0)
    short = torch.randn(2, 1600)  # the 4096-point FFT needs more than 2048 samples
    assert torch.isfinite(low_band_loss(short, torch.randn(2, 1600), 400, 16000))
