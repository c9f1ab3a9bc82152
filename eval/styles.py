"""One voice's styles: DNSMOS, median F0 and speaking rate per speaker x emotion.

Answers "do the emotions and speakers stay apart, and does every style sound clean?" on a
sentence list: each sentence is synthesized free-running for every (speaker, emotion) pair,
with the emotion applied to every non-break token. Definitions of the figures are in
eval.prosody and eval.dnsmos.
"""

from __future__ import annotations

from eval import dnsmos, inputs, prosody, render
from eval.features import at_analysis_rate


def measure_styles(voice, items: list, speakers: list[str], emotions: list[str], f0_method: str = "dio",
                   with_dnsmos: bool = True, progress=None) -> list[dict]:
    """One row per (speaker, emotion): sentences, audio_s, dnsmos_*, f0_median_hz, syllables_per_s."""
    for name in speakers:
        voice.tables.speaker_id(name)
    for name in emotions:
        voice.tables.emotion_id(name)
    rows, total, done = [], len(speakers) * len(emotions) * len(items), 0
    hop_s = voice.audio.hop_length / voice.sample_rate
    for speaker in speakers:
        for emotion in emotions:
            acc, scores, seconds = prosody.ProsodyAccumulator(f0_method), [], 0.0
            for item in items:
                encoded = inputs.encode_item(voice, item, speaker, emotion)
                free = render.render(voice, encoded)
                wav16 = at_analysis_rate(free.wav, free.sample_rate)
                acc.add(wav16, voice.tables, encoded, free.durations, hop_s)
                if with_dnsmos:
                    scores.append(dnsmos.score(wav16))
                seconds += free.seconds
                done += 1
                if progress:
                    progress("styles", done, total)
            rows.append(_row(speaker, emotion, acc.result(), scores, seconds))
    return rows


def _row(speaker, emotion, result, scores, seconds) -> dict:
    means = dnsmos.mean_scores(scores) if scores else {name: None for name in dnsmos.FIELDS}
    return {
        "speaker": speaker, "emotion": emotion, "sentences": result["sentences"], "audio_s": seconds,
        **{f"dnsmos_{name}": value for name, value in means.items()},
        "f0_median_hz": result["f0_median_hz"], "syllables_per_s": result["syllables_per_s"],
        "voiced_frames": result["voiced_frames"], "phone_seconds": result["phone_seconds"],
    }
