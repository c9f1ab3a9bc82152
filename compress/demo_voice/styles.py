"""The demo voice's speakers and emotions, and the SSML that renders a plan in one of them.

Speakers are espeak-ng voice variants with a base pitch (espeak's 0..100 pitch parameter).
Emotions are SSML `<prosody pitch range rate volume>` around the whole sub-sentence (espeak-ng
honours all four) plus the length of the pause written at #3 breaks. Each syllable is its own
word, so espeak's word events mark syllables; #1/#2 breaks are plain word gaps, #3 gets a
`<break time>`, #4 closes the sub-sentence.

Measured on the generated data (docs/features.md): median F0 happy/sad about 1.5, sad about 1.35
times slower than happy, zhiyan about 1.9 times zhibei's F0.
"""

from __future__ import annotations

from dataclasses import dataclass

from compress.demo_voice.plan import Break, SpeechPlan
from compress.emotions import ALIASES, STYLES
from compress.errors import DataError

_LANGUAGE = "cmn-latn-pinyin"


@dataclass(frozen=True)
class Speaker:
    name: str
    gender: str
    variant: str  # espeak-ng voice variant (espeak-ng-data/voices/!v); "" for the plain voice
    pitch: int  # espeak pitch parameter, 0..100 (50 is the variant's own)

    @property
    def voice(self) -> str:
        return f"{_LANGUAGE}+{self.variant}" if self.variant else _LANGUAGE


@dataclass(frozen=True)
class Emotion:
    name: str  # one of the seed's styles (compress/emotions.py)
    pitch: str  # SSML prosody values, relative
    range: str
    rate: str
    volume: str
    pause_ms: int  # silence written at a #3 break

    @property
    def category(self) -> str:
        """The KAN-TTS emotion symbol the model sees."""
        return ALIASES[self.name]

    def prosody_attributes(self) -> str:
        return f'pitch="{self.pitch}" range="{self.range}" rate="{self.rate}" volume="{self.volume}"'


SPEAKERS = {
    s.name: s
    for s in (
        # f1: no echo or breath noise (cleanest female variant); pitch 60 gives ~175 Hz neutral.
        Speaker("zhiyan", "female", "f1", 60),
        # The language's own (male) voice: DNSMOS P.808 3.73 on three test sentences, against
        # 3.40-3.49 for the male variants m1, m2, m3 and m7.
        Speaker("zhibei", "male", "", 50),
    )
}

# pitch, range, rate, volume, pause at #3 (ms) of each style
_PROSODY = {
    "neutral": ("+0%", "+0%", "100%", "+0%", 200),
    "happy": ("+40%", "+70%", "112%", "+10%", 160),
    "calm": ("-8%", "-35%", "92%", "-10%", 240),
    "sad": ("-25%", "-50%", "84%", "-25%", 300),
    "energetic": ("+18%", "+80%", "128%", "+25%", 120),
}
EMOTIONS = {name: Emotion(name, *_PROSODY[name]) for name in STYLES}


def get_speaker(name: str) -> Speaker:
    if name not in SPEAKERS:
        raise DataError(f"unknown demo speaker {name!r}; valid: {', '.join(SPEAKERS)}")
    return SPEAKERS[name]


def get_emotion(name: str) -> Emotion:
    if name not in EMOTIONS:
        raise DataError(f"unknown demo emotion {name!r}; valid: {', '.join(EMOTIONS)}")
    return EMOTIONS[name]


def plan_ssml(plan: SpeechPlan, emotion: Emotion) -> str:
    """SSML for espeak-ng: one word per syllable, pauses at #3, the emotion's prosody around it all."""
    words = []
    last = len(plan.items) - 1
    for index, item in enumerate(plan.items):
        if isinstance(item, Break):
            if item.level >= 3 and index != last:
                words.append(f'<break time="{emotion.pause_ms}ms"/>')
            continue
        words.append(item.espeak_word)
    body = " ".join(words)
    return f"<speak><prosody {emotion.prosody_attributes()}>{body}</prosody></speak>"
