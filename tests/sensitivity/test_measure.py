import pytest
import torch

from compress.checkpoint import voice_tensors
from compress.units.masking import mask_units
from compress.synthesis import acoustic
from sensitivity.masking import least_important, live_tensors, units_to_remove
from sensitivity.measure import Measurer, Start, predicted_durations, start_of
from sensitivity.vocoder_stages import run_from, trace


@pytest.fixture(scope="module")
def measurer(tiny_voice, tiny_calibration):
    return Measurer(tiny_voice, tiny_calibration[:1])


@pytest.mark.parametrize("name, start", [
    ("am.encoder.0.heads", Start("am", "prepare")), ("am.pitch.blstm", Start("am", "prepare")),
    ("am.duration.prenet.1", Start("am", "duration")), ("am.decoder.1.ffn", Start("am", "decoder")),
    ("am.decoder.prenet.0", Start("am", "decoder")), ("am.postnet.fsmn.memory", Start("am", "postnet")),
    ("voc.conv_pre", Start("voc", -1)), ("voc.stage.2", Start("voc", 2)),
    ("voc.stage.3.res.1.2", Start("voc", 3, 1)),
])
def test_start_points(tiny_voice, tiny_groups, name, start):
    assert start_of(tiny_groups[name], tiny_voice) == start


def test_vocoder_reruns_from_any_point_as_the_whole_generator(fresh_voice, tiny_groups):
    gen = fresh_voice.vocoder
    mel = torch.randn(1, 80, 12)
    _, record = trace(gen, mel)
    tensors = live_tensors(fresh_voice)
    with torch.no_grad():
        mask_units(tensors, tiny_groups["voc.stage.2.res.1.0"], [[0, 3]])
    assert torch.equal(run_from(gen, mel, record, 2, 1), gen(mel))
    with torch.no_grad():
        mask_units(tensors, tiny_groups["voc.stage.1"], [[1]])
    assert torch.equal(run_from(gen, mel, record, 1), gen(mel))
    assert torch.equal(run_from(gen, mel, record, -1), gen(mel))


def test_predicted_durations_are_those_of_synthesis(tiny_voice, tiny_calibration):
    s = tiny_calibration[1]
    inputs = tuple(torch.from_numpy(a)[None] for a in (s.ling, s.emotion, s.speaker))
    with torch.no_grad():
        assert torch.equal(predicted_durations(tiny_voice, inputs)[0], acoustic(tiny_voice, s).durations)


def test_unmasked_is_zero_and_the_voice_is_restored(measurer, tiny_voice, tiny_groups):
    before = {k: t.clone() for k, t in voice_tensors(tiny_voice).items()}
    for name in ("am.encoder.0.ffn", "am.duration.lstm", "am.decoder.0.heads", "am.postnet.lstm", "voc.stage.3"):
        group = tiny_groups[name]
        assert measurer.masked_distance(group, [[] for _ in range(group.blocks)]) == 0.0
        assert measurer.masked_distance(group, least_important(
            [[0.0] * group.block_size] * group.blocks, 1)) >= 0.0
    after = voice_tensors(tiny_voice)
    assert all(torch.equal(before[k], after[k]) for k in before)
    gain = measurer.gain
    assert gain.per_band.shape == (tiny_voice.am.arch.num_mels,) and torch.isfinite(gain.per_band).all()
    assert gain.scale > 0 and len(gain.ratios) == 4


@pytest.mark.parametrize("name", ["am.encoder.0.ffn", "am.pitch.blstm", "voc.stage.2"])
def test_whole_group_changes_more_than_a_tenth(measurer, tiny_groups, name):
    group = tiny_groups[name]
    scores = [[float(u) for u in range(group.block_size)]] * group.blocks
    tenth = measurer.masked_distance(group, least_important(scores, units_to_remove(0.1, group.block_size)))
    whole = measurer.masked_distance(group, group.all_units())
    assert whole > tenth >= 0.0


def test_mel_distance_is_calibrated_to_the_vocoded_one(measurer, tiny_voice, tiny_calibration, tiny_groups):
    wave = Measurer(tiny_voice, tiny_calibration[:1], am_distance="wave")
    assert wave.gain is None
    for name in ("am.encoder.1.heads", "am.decoder.0.ffn", "am.pitch.fsmn.memory", "am.postnet.lstm"):
        group = tiny_groups[name]
        half = [list(range(group.block_size // 2))] * group.blocks
        exact, converted = wave.masked_distance(group, half), measurer.masked_distance(group, half)
        assert 0.5 < converted / exact < 2.0, (name, converted, exact)
    with pytest.raises(ValueError, match="am_distance"):
        Measurer(tiny_voice, tiny_calibration[:1], am_distance="nope")


def test_removal_counts():
    assert [units_to_remove(f, 8) for f in (0.0, 0.1, 0.5, 0.9, 1.0)] == [0, 1, 4, 7, 8]
    assert least_important([[0.3, 0.1, 0.2, 0.1]], 2) == [[1, 3]]
    assert least_important([[0.0, 0.0, 0.0]], 1) == [[2]]  # ties as the allocator breaks them


def test_nsf_vocoder_reruns_from_any_point_as_the_seeded_generator(nsf_voice):
    """The trace of an NSF vocoder keeps its excitation (drawn with the fixed seed): rerunning
    from any point gives what the whole generator gives with that seed."""
    from compress.models.nsf import fixed_draws

    gen = nsf_voice.vocoder
    x = torch.cat([torch.randn(1, 80, 12), torch.full((1, 1, 12), 210.0),
                   (torch.arange(12) % 3 > 0).float().view(1, 1, 12)], dim=1)
    wav, record = trace(gen, x)
    with torch.no_grad(), fixed_draws(0):
        whole = gen(x)
    assert record.excitation is not None and torch.equal(wav, whole)
    for stage, block in ((-1, None), (0, None), (2, 1), (4, None)):
        assert torch.equal(run_from(gen, x, record, stage, block), whole)


def test_nsf_measurer_is_deterministic(nsf_voice, tiny_calibration):
    """With the draws fixed, the NSF voice against itself is 0 dB for every kind of group."""
    from compress.units.voice_groups import voice_groups

    measurer = Measurer(nsf_voice, tiny_calibration[:1])
    groups = {g.name: g for g in voice_groups(nsf_voice.am.arch, nsf_voice.vocoder.arch)}
    for name in ("am.decoder.0.ffn", "voc.conv_pre", "voc.stage.1"):
        assert measurer.distance(groups[name]) == 0.0
    assert measurer.masked_distance(groups["voc.stage.1"], [[0, 1]]) > 0.0


def test_a_masked_distance_is_measured_once_per_voice_and_units(tiny_voice, fresh_voice, tiny_calibration,
                                                                tiny_groups, monkeypatch):
    """A second Measurer over the same voice content (the pipeline's prune after its
    sensitivity step, each with its own loaded voice) reads what the first measured; a voice
    whose weights differ is measured afresh."""
    group = tiny_groups["voc.stage.2"]
    removed = [list(range(group.block_size // 2))] * group.blocks
    value = Measurer(tiny_voice, tiny_calibration[:1]).masked_distance(group, removed)
    twin = Measurer(fresh_voice, tiny_calibration[:1])
    measured = []
    monkeypatch.setattr(Measurer, "distance", lambda self, g: measured.append(g.name) or -1.0)
    assert twin.masked_distance(group, removed) == value > 0.0 and not measured
    with torch.no_grad():
        next(fresh_voice.vocoder.parameters()).add_(0.01)
    assert Measurer(fresh_voice, tiny_calibration[:1]).masked_distance(group, removed) == -1.0
    assert measured == [group.name]
