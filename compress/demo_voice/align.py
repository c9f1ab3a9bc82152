"""From espeak-ng's events to token boundaries (samples) and token durations (mel frames).

What the events say (checked against the audio's energy, docs/features.md): a word event is emitted
where the word's audio begins — right after the previous word's end marker, or after a pause — so
it includes a stop's closure silence; each phoneme event marks where that phoneme's audio begins;
the phoneme `_|` (or a pause `_:`/`_`) right after a word's last phoneme marks where the word ends.
One syllable is one word, so:

    syllable k = [word event k, end marker of word k)
    initial    = [word event k, first phoneme of the final)   (empty for zero initials)
    final      = [first phoneme of the final, end marker)
    break      = the silence between two syllables (0 long when espeak made none)

The initial's phonemes: one for a consonant initial, one for y/w when espeak says a glide
(`j`, `;`, `w`), none for ga/ge/go or when espeak folds y/w into the vowel.

Frames follow the centred STFT: frame j is centred on sample j*hop, so a boundary at sample s
(counted from the trimmed start) is frame ceil(s / hop). As in KAN-TTS, the first token starts at
frame 0, the breaks after the last syllable (#4) get 0 frames and the last final takes the rest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from compress.demo_voice.espeak import EspeakEvent
from compress.demo_voice.plan import Break, SpeechPlan, Syllable
from compress.errors import AlignmentError

_GLIDES = {"y_c": {"j", ";"}, "w_c": {"w"}}
_ZERO_INITIALS = {"ga", "ge", "go"}


@dataclass(frozen=True)
class SyllableTiming:
    start: int
    final_start: int
    end: int


@dataclass
class _Word:
    start: int
    phones: list
    end: int | None = None


def _collect_words(events: tuple[EspeakEvent, ...]) -> list[_Word]:
    """Words in order, those without a real phoneme dropped (SSML tags can make empty words)."""
    words: dict[int, _Word] = {}
    current = None
    for event in events:
        if event.kind == "word":
            current = words.setdefault(event.number, _Word(event.sample, []))
        elif current is None:
            continue
        elif event.kind == "phoneme" and not event.phoneme.startswith("_"):
            if current.end is not None:
                raise AlignmentError(f"phoneme {event.phoneme!r} after the end of its word")
            current.phones.append((event.phoneme, event.sample))
        elif event.kind in ("phoneme", "end") and current.phones and current.end is None:
            current.end = event.sample
    return [words[number] for number in sorted(words) if words[number].phones]


def _initial_phone_count(syllable: Syllable, phones: list) -> int:
    initial = syllable.initial[0]
    if initial in _ZERO_INITIALS:
        return 0
    if initial in _GLIDES:
        return int(phones[0][0] in _GLIDES[initial])
    return 1


def syllable_timings(events: tuple[EspeakEvent, ...], plan: SpeechPlan, total: int) -> list[SyllableTiming]:
    """One timing per syllable, in the library's samples; `total` closes an unterminated last word."""
    words = _collect_words(events)
    syllables = plan.syllables
    if len(words) != len(syllables):
        raise AlignmentError(f"espeak-ng spoke {len(words)} words for {len(syllables)} syllables")
    timings = []
    for word, syllable in zip(words, syllables):
        skip = _initial_phone_count(syllable, word.phones)
        if len(word.phones) <= skip:
            raise AlignmentError(f"syllable {syllable.pinyin}: espeak-ng phonemes {word.phones} have no final")
        end = word.end if word.end is not None else total
        # Zero initials (ga/ge/go, y/w without a glide) get no time: the final starts the syllable.
        final_start = word.phones[skip][1] if skip else word.start
        timing = SyllableTiming(word.start, final_start, end)
        if not timing.start <= timing.final_start < timing.end:
            raise AlignmentError(f"syllable {syllable.pinyin}: times {timing} are not increasing")
        if timings and timing.start < timings[-1].end:
            raise AlignmentError(f"syllable {syllable.pinyin} starts before the previous one ends")
        timings.append(timing)
    return timings


def token_boundaries(plan: SpeechPlan, timings: list[SyllableTiming]) -> tuple[np.ndarray, int]:
    """(len(tokens) + 1) sample boundaries, and the samples of pauses that had no break token.

    A pause between two syllables goes to the break tokens between them (the first one); if there
    is none, the previous final absorbs it and it is counted.
    """
    bounds = [timings[0].start]
    unexpected = 0
    syllable_index = 0
    items = plan.items
    for index, item in enumerate(items):
        if isinstance(item, Break):
            following = _next_syllable_start(items, index, timings, syllable_index)
            bounds.append(max(bounds[-1], following if following is not None else bounds[-1]))
            continue
        timing = timings[syllable_index]
        if timing.start > bounds[-1]:
            if len(bounds) > 1:
                unexpected += timing.start - bounds[-1]
            bounds[-1] = timing.start
        bounds.extend([timing.final_start, timing.end])
        syllable_index += 1
    return np.asarray(bounds, dtype=np.int64), unexpected


def _next_syllable_start(items, index, timings, syllable_index) -> int | None:
    """Start of the syllable after break `index`, if the break is the first of its run."""
    if index > 0 and isinstance(items[index - 1], Break):
        return None
    for later in items[index + 1 :]:
        if isinstance(later, Syllable):
            return timings[syllable_index].start
    return None


def frame_durations(bounds: np.ndarray, plan: SpeechPlan, num_frames: int, hop: int) -> np.ndarray:
    """Token durations in frames from boundaries in samples counted from the trimmed start."""
    frames = np.array([math.ceil(b / hop) for b in bounds], dtype=np.int64)
    frames = np.clip(frames, 0, num_frames)
    frames[0] = 0
    frames[plan.final_token_indices[-1] + 1 :] = num_frames
    for index in range(1, len(frames)):
        # Tokens espeak gave no time (zero initials, breaks without a pause) keep 0 frames, even
        # where rounding or the leading/trailing clamps would hand them some.
        if bounds[index] == bounds[index - 1] and index <= plan.final_token_indices[-1]:
            frames[index] = frames[index - 1]
        frames[index] = max(frames[index], frames[index - 1])
    return np.diff(frames)
