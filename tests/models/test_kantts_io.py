import shutil

import numpy as np
import pytest
import torch

from compress.errors import ConfigMismatchError, VoiceLoadError
from compress.models.kantts_io import fold_weight_norm, rename_legacy_vocoder_keys, save_kantts_voice
from compress.loading import load_voice
from tests.conftest import TINY

VOICE = TINY / "voices" / "refvoice"


@pytest.fixture
def voice_copy(tmp_path):
    dst = tmp_path / "refvoice"
    shutil.copytree(VOICE, dst)
    return dst


def am_ckpt(voice_dir):
    return next((voice_dir / "am" / "ckpt").glob("checkpoint_*.pth"))


def test_highest_checkpoint_number_wins(voice_copy, tiny_voice):
    ckpt = torch.load(am_ckpt(voice_copy), weights_only=True)
    ckpt["model"]["text_encoder.ling_proj.weight"] = torch.zeros_like(ckpt["model"]["text_encoder.ling_proj.weight"])
    torch.save(ckpt, voice_copy / "am" / "ckpt" / "checkpoint_99999.pth")
    torch.save({"model": {}}, voice_copy / "am" / "ckpt" / "checkpoint_5.pth")
    loaded = load_voice(voice_copy)
    assert float(loaded.am.text_encoder.ling_proj.weight.detach().abs().sum()) == 0.0


def test_truncated_checkpoint(voice_copy):
    path = am_ckpt(voice_copy)
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(VoiceLoadError, match="truncated or not a safe PyTorch checkpoint"):
        load_voice(voice_copy)


def test_missing_checkpoint(voice_copy):
    shutil.rmtree(voice_copy / "voc" / "ckpt")
    with pytest.raises(VoiceLoadError, match="missing checkpoint folder"):
        load_voice(voice_copy)


def test_pickled_code_is_refused(voice_copy):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    torch.save({"model": Evil()}, am_ckpt(voice_copy))
    with pytest.raises(VoiceLoadError, match="not a safe PyTorch checkpoint"):
        load_voice(voice_copy)


def test_config_mismatch_names_key_and_shapes(voice_copy):
    cfg = (voice_copy / "am" / "config.yaml").read_text()
    (voice_copy / "am" / "config.yaml").write_text(cfg.replace("encoder_ffn_inner_dim: 32", "encoder_ffn_inner_dim: 48"))
    with pytest.raises(ConfigMismatchError, match=r"text_encoder\.ling_enc\.fft\.0\.pos_ffn\.w_1\.weight "
                                                  r"is \(32, 16, 3\) in the checkpoint but \(48, 16, 3\)"):
        load_voice(voice_copy)


def test_missing_config_key(voice_copy):
    cfg = (voice_copy / "voc" / "config.yaml").read_text()
    (voice_copy / "voc" / "config.yaml").write_text(cfg.replace("upsample_scales:", "upsample_scalez:"))
    with pytest.raises(ConfigMismatchError, match="Model.Generator.params has no 'upsample_scales'"):
        load_voice(voice_copy)


def test_legacy_vocoder_names_load(voice_copy, tiny_voice):
    path = next((voice_copy / "voc" / "ckpt").glob("*.pth"))
    ckpt = torch.load(path, weights_only=True)
    old = {}
    for key, value in ckpt["model"]["generator"].items():
        key = key.replace("transpose_upsamples.", "ups.").replace(".1.deconv.", ".deconv.")
        key = key.replace("repeat_upsamples.", "repeat_ups.").replace("conv_blocks.", "resblocks.")
        old[key] = value
    assert rename_legacy_vocoder_keys(old).keys() == ckpt["model"]["generator"].keys()
    ckpt["model"]["generator"] = old
    torch.save(ckpt, path)
    loaded = load_voice(voice_copy)
    for a, b in zip(loaded.vocoder.state_dict().values(), tiny_voice.vocoder.state_dict().values()):
        assert torch.equal(a, b)


def test_fold_weight_norm_formula():
    v, g = torch.randn(4, 3, 5), torch.rand(4, 1, 1) + 0.5
    folded = fold_weight_norm({"c.weight_g": g, "c.weight_v": v, "c.bias": torch.zeros(4)})
    expected = g * v / v.flatten(1).norm(dim=1).view(4, 1, 1)
    torch.testing.assert_close(folded["c.weight"], expected)
    assert set(folded) == {"c.weight", "c.bias"}


def test_save_in_released_layout_and_reload(tmp_path, tiny_voice):
    out = save_kantts_voice(tiny_voice, tmp_path / "saved", steps=7)
    assert (out / "am" / "ckpt" / "checkpoint_7.pth").is_file()
    voc = torch.load(out / "voc" / "ckpt" / "checkpoint_7.pth", weights_only=True)
    assert "conv_pre.conv1d.weight_g" in voc["model"]["generator"]
    again = load_voice(out)
    mel = torch.randn(1, 80, 12)
    with torch.no_grad():
        np.testing.assert_allclose(again.vocoder(mel).numpy(), tiny_voice.vocoder(mel).numpy(), atol=1e-6)
    for a, b in zip(again.am.state_dict().values(), tiny_voice.am.state_dict().values()):
        assert torch.equal(a, b)


def test_voices_root_picks_by_name(tmp_path):
    from compress.models.voice_dir import resolve_voice_dir

    root = tmp_path / "voices"
    root.mkdir()
    shutil.copytree(VOICE, root / "a")
    shutil.copytree(VOICE, root / "b")
    (root / "voices.json").write_text('{"voices": ["a", "b"]}')
    assert resolve_voice_dir(root, "b") == root / "b"
    assert resolve_voice_dir(tmp_path, "a") == root / "a"
    with pytest.raises(VoiceLoadError, match="several voices; pick one of: a, b"):
        resolve_voice_dir(root)
    with pytest.raises(VoiceLoadError, match="unknown voice 'c'"):
        resolve_voice_dir(root, "c")
    with pytest.raises(VoiceLoadError, match="does not exist"):
        resolve_voice_dir(tmp_path / "nope")
