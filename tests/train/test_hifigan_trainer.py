import copy
import random

import librosa
import numpy as np
import torch

from compress.models.hifigan import Generator
from compress.train.discriminators import MultiPeriodDiscriminator
from compress.train.hifigan_trainer import VocoderTrainConfig, sample_segments, train_vocoder
from compress.train.spectral_losses import stft_loss

BASIS = torch.from_numpy(librosa.filters.mel(sr=16000, n_fft=512, n_mels=80)).float()


def log_mel(wav: torch.Tensor) -> torch.Tensor:
    spec = torch.stft(wav, 512, 200, 512, window=torch.hann_window(512), return_complex=True).abs()
    return torch.log(torch.matmul(BASIS, spec).clamp(min=1e-5))


def make_items(voice, count=3):
    rng = np.random.default_rng(0)
    items = []
    for _ in range(count):
        frames = 40
        mel = rng.standard_normal((frames, 80)).astype(np.float32)
        with torch.no_grad():
            wav = voice.vocoder(torch.from_numpy(mel).T[None]).reshape(-1).numpy()
        items.append({"mel": mel, "wav": wav})
    return items


def test_segments_align_mel_and_wav(tiny_voice):
    items = make_items(tiny_voice, 1)
    config = VocoderTrainConfig(batch_size=4, segment_frames=10, context_frames=3)
    mel, wav = sample_segments(items, config, 200, random.Random(1))
    assert mel.shape == (4, 80, 13) and wav.shape == (4, 2000)
    # a causal vocoder run on the segment reproduces the teacher's samples after the context
    for b in range(4):
        full = items[0]["mel"]
        start = next(s for s in range(full.shape[0]) if np.array_equal(full[s], mel[b, :, 3].numpy()))
        np.testing.assert_array_equal(wav[b].numpy(), items[0]["wav"][start * 200 : (start + 10) * 200])


def test_training_moves_a_perturbed_generator_back(tiny_voice):
    items = make_items(tiny_voice)
    student = copy.deepcopy(tiny_voice.vocoder)
    noise = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for p in student.parameters():
            p.mul_(1 + 0.3 * torch.randn(p.shape, generator=noise))
    mel, wav = sample_segments(items, VocoderTrainConfig(batch_size=3, segment_frames=24, context_frames=8),
                               200, random.Random(5))

    def error(model):
        with torch.no_grad():
            return float(stft_loss(model(mel)[:, 0, 1600:], wav))

    before = error(student)
    config = VocoderTrainConfig(steps=60, batch_size=3, segment_frames=16, lr=1e-3, log_every=10,
                                adversarial_from=45)
    log = train_vocoder(student, items, log_mel, config, MultiPeriodDiscriminator(channels=4, layers=2))
    assert not any("parametrizations" in k for k in student.state_dict())  # weight norm folded back
    assert isinstance(student, Generator) and not student.training
    assert "adv" in log.rows[-1] and "adv" not in log.rows[0]
    assert error(student) < 0.85 * before


def test_a_stopped_nsf_run_resumes_to_the_uninterrupted_result(nsf_voice, tmp_path):
    """NSF generator, weight-normed, with a discriminator: stopped after its checkpoint at
    step 2 and started again, it ends where an uninterrupted run ends."""
    import pytest

    from compress.train.resume import Resumable

    rng = np.random.default_rng(1)
    items = []
    for _ in range(2):
        mel = np.concatenate([rng.standard_normal((30, 80)), np.full((30, 1), 160.0), np.ones((30, 1))], 1)
        items.append({"mel": mel.astype(np.float32), "wav": rng.standard_normal(30 * 200).astype(np.float32) * 0.1})
    config = VocoderTrainConfig(steps=4, batch_size=2, segment_frames=8, context_frames=2, log_every=1,
                                adversarial_from=2, seed=2)

    def run(progress=None, resume=None):
        model = copy.deepcopy(nsf_voice.vocoder)
        torch.manual_seed(9)
        disc = MultiPeriodDiscriminator(channels=4, layers=2)
        return model, train_vocoder(model, items, log_mel, config, disc, progress, resume)

    whole, _ = run()

    def stop_at_3(step, row):
        if step == 3:
            raise KeyboardInterrupt

    resume = Resumable(tmp_path / "voc.ckpt", every=2)
    with pytest.raises(KeyboardInterrupt):
        run(stop_at_3, resume)
    resumed, log = run(resume=resume)
    assert [row["step"] for row in log.rows] == [1, 2, 3, 4]
    assert all(torch.equal(a, b) for a, b in zip(whole.state_dict().values(), resumed.state_dict().values()))


def test_the_low_band_term_is_logged_only_when_weighted_and_its_band_is_checked(tiny_voice):
    import pytest

    items = make_items(tiny_voice, count=2)
    for weight in (0.0, 5.0):
        model = copy.deepcopy(tiny_voice.vocoder)
        log = train_vocoder(model, items, log_mel, VocoderTrainConfig(
            steps=1, batch_size=2, segment_frames=16, log_every=1, low_band_weight=weight))
        assert ("low" in log.rows[0]) == bool(weight)
    with pytest.raises(ValueError, match="low_band_hz"):
        VocoderTrainConfig(low_band_hz=9000.0)
