import numpy as np
import pytest

from compress.audio import normalize as nz
from compress.errors import DataError


def test_accumulator_gives_population_mean_and_std_over_all_frames():
    rng = np.random.default_rng(0)
    chunks = [rng.normal(3.0, 2.0, size=(n, 4)) for n in (5, 17, 1)]
    acc = nz.MeanStdAccumulator(4)
    for chunk in chunks:
        acc.add(chunk)
    stats = acc.result()
    everything = np.concatenate(chunks)
    np.testing.assert_allclose(stats.mean, everything.mean(0), atol=5e-7)
    np.testing.assert_allclose(stats.std, everything.std(0), atol=5e-7)
    assert np.all(stats.mean == np.round(stats.mean, 6))


def test_zero_frames_stay_zero():
    stats = nz.MeanStd(np.array([100.0]), np.array([50.0]))
    out = nz.normalize_keep_zeros(np.array([0.0, 150.0, 100.0, 0.0]), stats)
    np.testing.assert_allclose(out, [0.0, 1.0, 0.0, 0.0])


def test_average_by_duration_skips_zero_frames_and_empty_tokens():
    frames = np.array([1.0, 0.0, 3.0, 5.0, 0.0, 0.0, 2.0])
    out = nz.average_by_duration(frames, np.array([0, 3, 2, 0, 1, 1]))
    np.testing.assert_allclose(out, [0.0, 2.0, 5.0, 0.0, 0.0, 2.0])
    with pytest.raises(DataError):
        nz.average_by_duration(frames, np.array([3, 3]))


def test_kantts_stats_files_round_trip(tmp_path):
    stats = nz.MeanStd(np.array([0.5, 0.25]), np.array([0.125, 1.5]))
    nz.save_kantts_stats(stats, tmp_path, "mel")
    assert (tmp_path / "mel_mean.txt").read_text().strip() == "0.500000 0.250000"
    again = nz.load_kantts_stats(tmp_path, "mel")
    np.testing.assert_array_equal(again.mean, stats.mean)
    np.testing.assert_array_equal(again.std, stats.std)
