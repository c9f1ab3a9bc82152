import numpy as np
import pytest

from compress.demo_voice.align import frame_durations, syllable_timings, token_boundaries
from compress.demo_voice.espeak import EspeakEvent
from compress.demo_voice.plan import SpeechPlan
from compress.errors import AlignmentError


def _line(*items):
    tokens = []
    for item in items:
        if item.startswith("#"):
            tokens.append("{" + item + "$tone_none$s_none$word_none$emotion_none$F7}")
        else:
            initial, final, tone = item.split(":")
            tokens.append("{" + f"{initial}$tone{tone}$s_begin$word_begin$emotion_neutral$F7" + "}")
            tokens.append("{" + f"{final}$tone{tone}$s_end$word_end$emotion_neutral$F7" + "}")
    return " ".join(tokens)


def _events(words, end):
    """words: (start, [(phoneme, sample), ...], end_marker, pause_end or None)."""
    out = []
    for number, (start, phones, marker, pause_end) in enumerate(words, start=1):
        out.append(EspeakEvent("word", start, 0, number=number))
        out += [EspeakEvent("phoneme", s, 0, phoneme=p) for p, s in phones]
        out.append(EspeakEvent("phoneme", marker, 0, phoneme="_|"))
        if pause_end is not None:
            out.append(EspeakEvent("phoneme", marker, 0, phoneme="_:"))
            out.append(EspeakEvent("phoneme", pause_end, 0, phoneme="_"))
    out.append(EspeakEvent("end", end, 0))
    return tuple(out)


# 安#1天气#3好#4: a zero initial, a stop closure, a pause at #3.
PLAN = SpeechPlan.from_symbols(_line("ga:an_c:1", "#1", "t_c:ian_c:1", "q_c:i_c:4", "#3", "h_c:ao_c:3", "#4"))
EVENTS = _events(
    [
        (0, [("a", 900), ("n", 3000)], 5000, None),
        (5000, [("th", 5900), ("iE", 6800), ("n", 8000)], 10000, None),
        (10000, [("tS;h", 10500), ("i", 11500)], 14000, 18000),
        (18000, [("X", 18300), ("Au", 19500)], 24000, 30000),
    ],
    end=30000,
)


def test_timings_follow_word_and_phoneme_events():
    timings = syllable_timings(EVENTS, PLAN, 30000)
    assert [(t.start, t.final_start, t.end) for t in timings] == [
        (0, 0, 5000), (5000, 6800, 10000), (10000, 11500, 14000), (18000, 19500, 24000)]


def test_boundaries_give_zero_initials_and_pauses_to_the_right_tokens():
    bounds, unexpected = token_boundaries(PLAN, syllable_timings(EVENTS, PLAN, 30000))
    # ga, an_c, #1, t_c, ian_c, q_c, i_c, #3, h_c, ao_c, #4
    assert bounds.tolist() == [0, 0, 5000, 5000, 6800, 10000, 11500, 14000, 18000, 19500, 24000, 24000]
    assert unexpected == 0


def test_frame_durations_sum_to_frames_and_the_last_final_takes_the_tail():
    bounds, _ = token_boundaries(PLAN, syllable_timings(EVENTS, PLAN, 30000))
    durations = frame_durations(bounds - 400, PLAN, num_frames=128, hop=200)
    assert durations.sum() == 128 and np.all(durations >= 0)
    assert durations[0] == 0 and durations[2] == 0 and durations[-1] == 0  # ga, #1, #4
    assert durations[7] == 20  # the #3 pause: samples 13600..17600 from the trimmed start
    assert durations[-2] == 128 - np.ceil((19500 - 400) / 200)


def test_a_pause_without_a_break_goes_to_the_previous_final_and_is_counted():
    plan = SpeechPlan.from_symbols(_line("t_c:ian_c:1", "h_c:ao_c:3", "#4"))
    events = _events([(0, [("th", 500), ("iE", 900)], 4000, 6000), (6000, [("X", 6200), ("Au", 7000)], 9000, None)], 9000)
    bounds, unexpected = token_boundaries(plan, syllable_timings(events, plan, 9000))
    assert bounds.tolist() == [0, 900, 6000, 7000, 9000, 9000] and unexpected == 2000


def test_word_count_mismatch_is_an_alignment_error():
    with pytest.raises(AlignmentError, match="3 words for 4 syllables"):
        syllable_timings(EVENTS[:-8] + (EVENTS[-1],), PLAN, 30000)


def test_empty_tokens_stay_empty_at_the_start():
    """A zero initial first in the line gets no frames even when espeak starts it after sample 0."""
    plan = SpeechPlan.from_symbols(_line("ge:er_c:4", "#1", "t_c:ian_c:1", "#4"))
    events = _events([(480, [("@r", 480)], 5000, None), (5000, [("th", 5600), ("iE", 6000)], 9000, None)], 9000)
    bounds, _ = token_boundaries(plan, syllable_timings(events, plan, 9000))
    durations = frame_durations(bounds, plan, num_frames=46, hop=200)
    assert durations.tolist() == [0, 25, 0, 5, 16, 0]
