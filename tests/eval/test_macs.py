"""MACs of a synthesis split into acoustic model and vocoder (the counter itself: tests/units/test_compute.py)."""

from __future__ import annotations

import torch

from compress.units.compute import count
from eval import macs


def test_synthesis_macs_of_the_tiny_voice(tiny_voice):
    from compress import synthesis
    from eval import inputs
    from tests.eval.conftest import SYMBOLS

    item = inputs.read_symbols_file(SYMBOLS)[0]
    encoded = inputs.encode_item(tiny_voice, item, None, None)
    got = macs.synthesis_macs(tiny_voice, encoded)
    assert got["am"] > 0 and got["voc"] > got["am"] and got["audio_s"] > 0
    # the two halves add up to the count of both networks over the same calls
    with torch.no_grad(), count(torch.nn.ModuleList([tiny_voice.am, tiny_voice.vocoder])) as whole:
        for symbols in encoded:
            synthesis.vocode(tiny_voice, synthesis.acoustic(tiny_voice, symbols).mel)
    assert got["am"] + got["voc"] == whole["macs"]
