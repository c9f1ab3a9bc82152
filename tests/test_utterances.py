from compress.utterances import CHUNK_FRAMES, FIRST_CHUNK_FRAMES, stream_bounds


def test_stream_bounds_cover_the_mel_once():
    bounds = stream_bounds(70)
    assert bounds[0] == (0, FIRST_CHUNK_FRAMES) and bounds[1] == (FIRST_CHUNK_FRAMES, FIRST_CHUNK_FRAMES + CHUNK_FRAMES)
    assert [b for _, b in bounds[:-1]] == [a for a, _ in bounds[1:]] and bounds[-1][1] == 70
    assert stream_bounds(4) == [(0, 4)] and stream_bounds(0) == []
