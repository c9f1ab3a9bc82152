"""The teacher-forced (training) forms compute the same function as inference."""

import torch

from compress.models.decoder import band_masks
from compress.models.symbols import encode, parse_tokens
from tests.conftest import TINY

import numpy as np


def test_band_masks():
    x_mask, h_mask = band_masks(5, 1, 2)
    allowed_x = [[j for j in range(5) if not x_mask[0, i, j]] for i in range(5)]
    allowed_h = [[j for j in range(5) if not h_mask[0, i, j]] for i in range(5)]
    assert allowed_x == [[0], [0, 1], [1, 2], [2, 3], [3, 4]]
    assert allowed_h == [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4], [4]]


def test_training_forward_reproduces_inference(tiny_voice):
    """Feed inference's own decoder output back as the target: the parallel pass must give
    the same decoder and post-net output, for a batch with padding."""
    ref = np.load(TINY / "ref_io.npz")
    am = tiny_voice.am
    items = []
    for utt in ("utt0", "utt1"):
        enc = encode(tiny_voice.tables, parse_tokens(str(ref[f"{utt}.symbols"])))
        ling, emo, spk = (torch.from_numpy(a)[None] for a in (enc.ling, enc.emotion, enc.speaker))
        dur = torch.from_numpy(ref[f"{utt}.fixdur.duration_targets"])
        out = am.infer(ling, emo, spk, durations=dur, trace=True)
        items.append((ling[0], emo[0], spk[0], dur[0], out))
    t_max = max(len(i[0]) for i in items)
    l_max = max(i[4].trace["dec_outputs_padded"].shape[1] for i in items)

    def pad(x, n):
        return torch.nn.functional.pad(x, (0, 0) * (x.dim() - 1) + (0, n - x.shape[0]))

    batch = {
        "ling": torch.stack([pad(i[0], t_max) for i in items]),
        "emo_ids": torch.stack([pad(i[1], t_max) for i in items]),
        "spk_ids": torch.stack([pad(i[2], t_max) for i in items]),
        "lengths": torch.tensor([len(i[0]) for i in items]),
        "durations": torch.stack([pad(i[3], t_max) for i in items]),
        "pitch": torch.stack([pad(i[4].pitch, t_max) for i in items]),
        "energy": torch.stack([pad(i[4].energy, t_max) for i in items]),
        "mel": torch.stack([pad(i[4].trace["dec_outputs_padded"][0], l_max) for i in items]),
    }
    with torch.no_grad():
        res = am(**batch)
    for b, item in enumerate(items):
        frames = item[4].mel.shape[0]
        torch.testing.assert_close(res["dec"][b, :frames], item[4].trace["dec_outputs_padded"][0, :frames], atol=1e-5, rtol=0)
        torch.testing.assert_close(res["post"][b, :frames], item[4].mel, atol=1e-5, rtol=0)
        torch.testing.assert_close(res["log_durations"][b, : len(item[0])], item[4].log_durations, atol=1e-6, rtol=0)
        assert bool(res["frame_mask"][b, frames:].all()) and not bool(res["frame_mask"][b, :frames].any())
