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
