"""The project's frontend plugs in: its lines parse, and the pinyin read back from the phones is
the frontend's own pinyin (what espeak-ng is fed)."""

from compress.demo_voice.build import default_frontend
from compress.demo_voice.corpus import heldout_sentences, written_sentences
from compress.demo_voice.plan import SpeechPlan, Syllable


def test_pinyin_read_back_from_phones_is_the_frontends():
    from compress.frontend import analyze

    for sentence in written_sentences()[::8] + heldout_sentences()[::3]:
        for sub in analyze(sentence.text, "neutral", speaker="F7").sentences:
            plan = SpeechPlan.from_symbols(sub.symbols)
            spoken = [i.espeak_word if isinstance(i, Syllable) else i.pinyin for i in plan.items]
            assert spoken == list(sub.pinyin), sentence.text


def test_default_frontend_gives_bare_lines():
    lines = default_frontend("今天天气很好。我们一起去北京吧！")
    assert len(lines) == 2 and all(line.startswith("{") for line in lines)
