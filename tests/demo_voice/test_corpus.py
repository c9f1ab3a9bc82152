from compress.demo_voice import corpus


def test_written_and_heldout_sentences():
    written, held = corpus.written_sentences(), corpus.heldout_sentences()
    assert len(written) >= 250 and len(held) == 30
    assert all(8 <= len(s.text) <= 40 for s in written + held)
    assert len({s.text for s in written}) == len(written)
    assert not {s.text for s in written} & {s.text for s in held}
    assert len({s.domain for s in written}) >= 6


def test_generated_sentences_are_deterministic_and_sized():
    first = corpus.generated_sentences(30, seed=7)
    assert first == corpus.generated_sentences(30, seed=7)
    assert first != corpus.generated_sentences(30, seed=8)
    assert all(9 <= len(s.text) <= 31 and s.text.endswith("。") for s in first)
    assert len({s.id for s in first}) == 30


def test_training_sentences_start_with_the_written_ones():
    sentences = corpus.training_sentences(5, seed=1)
    assert [s.source for s in sentences[-5:]] == ["generated"] * 5
    assert sentences[0].id == "w0001"
