"""The polyphase rewrite of ConvTranspose1d equals the original within float rounding."""

import pytest
import torch

from compress.export.polyphase import PolyphaseTransposedConv, polyphase_generator
from compress.models.hifigan import TransposedConv

ROUNDING = 1e-6  # float32 sums in another order


@pytest.mark.parametrize("causal", [True, False])
@pytest.mark.parametrize("kernel, stride", [(16, 8), (8, 4), (4, 2), (11, 5), (10, 2), (4, 4)])
def test_rewrite_equals_the_transposed_conv(causal, kernel, stride):
    torch.manual_seed(kernel * stride)
    original = TransposedConv(6, 5, kernel, stride, causal).eval()
    rewritten = PolyphaseTransposedConv(original).eval()
    x = torch.randn(2, 6, 13)
    with torch.no_grad():
        expected, got = original(x), rewritten(x)
    assert got.shape == expected.shape == (2, 5, 13 * stride)
    assert float((got - expected).abs().max()) <= ROUNDING
    assert not any(isinstance(m, torch.nn.ConvTranspose1d) for m in rewritten.modules())


@pytest.mark.parametrize("kernel, stride", [(16, 8), (11, 5)])
def test_rewrite_streams_with_the_same_state(kernel, stride):
    torch.manual_seed(1)
    original = TransposedConv(4, 3, kernel, stride, causal=True).eval()
    rewritten = PolyphaseTransposedConv(original).eval()
    assert rewritten.history == original.history
    x = torch.randn(1, 4, 17)
    with torch.no_grad():
        whole = original(x)
        state: dict = {}
        chunks = torch.cat([rewritten(x[..., a:b], state) for a, b in [(0, 1), (1, 6), (6, 17)]], dim=-1)
    assert float((chunks - whole).abs().max()) <= ROUNDING


def test_kernel_shorter_than_stride_is_refused():
    with pytest.raises(ValueError, match="needs kernel >= stride"):
        PolyphaseTransposedConv(TransposedConv(2, 2, 3, 4))


def test_rewritten_vocoder_computes_the_same_waveform(tiny_voice):
    generator = polyphase_generator(tiny_voice.vocoder)
    assert not any(isinstance(m, torch.nn.ConvTranspose1d) for m in generator.modules())
    torch.manual_seed(0)
    mel = torch.randn(1, tiny_voice.vocoder.arch.in_channels, 23)
    with torch.no_grad():
        expected, got = tiny_voice.vocoder(mel), generator(mel)
    assert float((got - expected).abs().max()) <= 1e-5
