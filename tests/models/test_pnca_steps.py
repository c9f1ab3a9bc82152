"""The compiled decoder step computes exactly what its plain Python form computes."""

import torch

from compress.models import pnca_steps


def _decode(decoder, memory):
    with torch.no_grad():
        return torch.stack(list(pnca_steps.decode_steps(decoder, memory, 2, 3)), dim=1)


def test_compiled_step_matches_the_eager_function(tiny_voice, monkeypatch):
    decoder = tiny_voice.am.mel_decoder.mel_dec
    memory = torch.randn(1, 9, decoder.dec_in_proj.in_features - decoder.dec_in_proj.out_features,
                         generator=torch.Generator().manual_seed(0))
    compiled = _decode(decoder, memory)
    assert isinstance(pnca_steps._compiled_step(), torch.jit.ScriptFunction)  # the fast path is in use
    monkeypatch.setattr(pnca_steps, "_compiled_step", lambda: pnca_steps._decoder_step)
    assert torch.equal(compiled, _decode(decoder, memory))


def test_steps_run_on_one_thread_and_hand_back_the_callers_threads(tiny_voice):
    decoder = tiny_voice.am.mel_decoder.mel_dec
    memory = torch.randn(1, 4, decoder.dec_in_proj.in_features - decoder.dec_in_proj.out_features)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        seen = []
        with torch.no_grad():
            for _ in pnca_steps.decode_steps(decoder, memory, 1, 1):
                seen.append(torch.get_num_threads())  # what the consumer runs with between steps
        assert seen == [2] * 4
    finally:
        torch.set_num_threads(before)
