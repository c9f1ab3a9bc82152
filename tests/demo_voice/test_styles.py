from compress.demo_voice.plan import SpeechPlan
from compress.demo_voice.styles import EMOTIONS, SPEAKERS, plan_ssml
from compress.emotions import CATEGORIES as KANTTS_EMOTIONS


def test_speakers_and_emotion_categories():
    assert set(SPEAKERS) == {"zhiyan", "zhibei"}
    assert {e.name: e.category for e in EMOTIONS.values()} == {
        "neutral": "emotion_neutral", "happy": "emotion_happy", "calm": "emotion_calm",
        "sad": "emotion_sad", "energetic": "emotion_excited"}
    assert all(e.category in KANTTS_EMOTIONS for e in EMOTIONS.values())


def test_ssml_has_one_word_per_syllable_and_pauses_only_at_inner_level_3(ref_lines):
    plan = SpeechPlan.from_symbols(ref_lines[1])
    ssml = plan_ssml(plan, EMOTIONS["sad"])
    body = ssml.split(">", 2)[2].rsplit("</prosody>", 1)[0]
    assert body == 'wo3 men5 yi4 qi3 qu4 <break time="300ms"/> bei3 jing1'
    assert 'rate="84%"' in ssml and ssml.startswith("<speak><prosody ")
