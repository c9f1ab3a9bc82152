"""What a built dataset measures: size, time, rejections, F0 per speaker x emotion, speaking rate.

The numbers issue 4 asks the trained voice to keep are computed the same way on the data, so that
the data can be checked to carry them with margin: median F0 of happy over sad (per speaker),
speaking rate of happy over sad (syllables per second of trimmed audio), and the two speakers'
median F0 ratio.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass

import numpy as np


@dataclass
class DataReport:
    jobs: int
    utterances: int
    hours: float
    rejected: dict[str, int]
    rejected_examples: dict[str, list[str]]
    timings: dict[str, float]
    gain: float
    f0_median_hz: dict[str, dict[str, float]]  # speaker -> emotion -> Hz
    syllables_per_second: dict[str, float]  # emotion -> rate
    speaker_f0_hz: dict[str, float]
    tonal_syllables: int  # distinct pinyin-with-tone in the data
    unexpected_pause_utterances: int

    @classmethod
    def measure(cls, rows: list[dict], rejected: dict[str, list[str]], jobs: int,
                timings: dict[str, float], gain: float) -> "DataReport":
        cells, speakers = defaultdict(list), defaultdict(list)
        syllables, seconds = defaultdict(int), defaultdict(float)
        tonal = set()
        for row in rows:
            if row["f0_median_hz"] > 0:
                cells[(row["speaker"], row["emotion"])].append(row["f0_median_hz"])
                speakers[row["speaker"]].append(row["f0_median_hz"])
            syllables[row["emotion"]] += row["syllables"]
            seconds[row["emotion"]] += row["seconds"]
            tonal.update(p for p in row["pinyin"].split() if not p.startswith("#"))
        f0 = defaultdict(dict)
        for (speaker, emotion), values in sorted(cells.items()):
            f0[speaker][emotion] = round(float(np.median(values)), 1)
        return cls(
            jobs=jobs,
            utterances=len(rows),
            hours=round(sum(r["seconds"] for r in rows) / 3600, 3),
            rejected={reason: len(ids) for reason, ids in rejected.items()},
            rejected_examples={reason: ids[:3] for reason, ids in rejected.items()},
            timings=timings,
            gain=round(gain, 4),
            f0_median_hz=dict(f0),
            syllables_per_second={e: round(syllables[e] / seconds[e], 3) for e in sorted(seconds)},
            speaker_f0_hz={s: round(float(np.median(v)), 1) for s, v in sorted(speakers.items())},
            tonal_syllables=len(tonal),
            unexpected_pause_utterances=sum(1 for r in rows if r["unexpected_pause_s"] > 0),
        )

    @property
    def rejected_fraction(self) -> float:
        total = self.utterances + sum(self.rejected.values())
        return sum(self.rejected.values()) / total if total else 0.0

    def ratios(self) -> dict[str, float]:
        """The issue-4 ratios on the data (per speaker for happy/sad F0)."""
        out = {}
        for speaker, by_emotion in self.f0_median_hz.items():
            if "happy" in by_emotion and "sad" in by_emotion:
                out[f"f0_happy_over_sad[{speaker}]"] = round(by_emotion["happy"] / by_emotion["sad"], 3)
        rate = self.syllables_per_second
        if "happy" in rate and "sad" in rate:
            out["sad_slower_than_happy"] = round(rate["happy"] / rate["sad"], 3)
        f0 = sorted(self.speaker_f0_hz.values())
        if len(f0) == 2:
            out["speaker_f0_ratio"] = round(f0[1] / f0[0], 3)
        return out

    def to_json(self) -> dict:
        return asdict(self) | {"ratios": self.ratios(), "rejected_fraction": round(self.rejected_fraction, 4)}

    def summary_lines(self) -> list[str]:
        """Human-readable summary (the CLI prints it)."""
        lines = [
            f"{self.utterances} utterances ({self.hours:.2f} h) from {self.jobs} jobs in "
            f"{self.timings.get('total_s', 0):.0f} s; rejected {sum(self.rejected.values())} "
            f"({100 * self.rejected_fraction:.1f}%)",
        ]
        lines += [f"  rejected {n}: {reason}" for reason, n in sorted(self.rejected.items())]
        for speaker, by_emotion in self.f0_median_hz.items():
            cells = ", ".join(f"{e} {hz:.0f}" for e, hz in by_emotion.items())
            lines.append(f"  median F0 (Hz) {speaker}: {cells}")
        rates = ", ".join(f"{e} {r:.2f}" for e, r in self.syllables_per_second.items())
        lines.append(f"  syllables/s: {rates}")
        lines.append("  " + ", ".join(f"{k} {v}" for k, v in self.ratios().items()))
        return lines
