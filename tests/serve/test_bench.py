import itertools
import os

from compress.serve.bench import LoadResult, Sample, request_plan
from compress.serve.process import tree_rss_bytes

VOICE = {"name": "demo", "speakers": [{"name": "a", "emotions": ["neutral", "sad"]},
                                      {"name": "b", "emotions": ["neutral"]}]}


def test_the_plan_repeats_nothing_until_every_combination_was_asked():
    texts = ["一。", "二。", "三。"]
    plan = list(itertools.islice(request_plan(VOICE, texts), 9))
    keys = [(p["text"], p["speaker"], p["emotion"]) for p in plan]
    assert len(set(keys)) == 9 and all(p["stream"] and p["voice"] == "demo" for p in plan)
    assert keys[0] == ("一。", "a", "neutral") and keys[3] == ("二。", "a", "neutral")


def test_summary_counts_every_answer():
    samples = [Sample(200, t / 10, t / 100, 1000) for t in range(1, 11)] + [Sample(429, 0.01, None, 50),
                                                                            Sample(0, 1.0, None, 0),
                                                                            Sample(503, 0.2, None, 10)]
    summary = LoadResult("demo", 2, 5.0, samples).summary()
    assert (summary["requests"], summary["ok"], summary["rejected_429"], summary["dropped"]) == (13, 10, 1, 2)
    assert summary["statuses"] == {"200": 10, "429": 1, "0": 1, "503": 1}
    assert summary["requests_per_s"] == 2.0 and summary["p50_s"] == 0.55 and summary["p99_s"] == 0.991
    assert summary["ttfb_p50_s"] == 0.055


def test_memory_of_a_process_tree():
    assert tree_rss_bytes(os.getpid()) > 10 * 2**20
    assert tree_rss_bytes(2**22 + 12345) == 0  # no such process
