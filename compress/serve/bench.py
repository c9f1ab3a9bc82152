"""The load benchmark of the server: N concurrent clients for M seconds against each served
voice on loopback, then a cached repeat.

Each client streams `/api/tts` answers (WAV) back to back, with sentences, speakers and
emotions taken in turn so that no request repeats another (the cache stays out of the load
figures, and the server's own count of cache hits says so). Every answer is counted by
status; anything but 200 or 429 (a 5xx, a reset connection) is "dropped".
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import requests

from compress.serve.process import tree_rss_bytes

CACHE_TEXT = "这句话只为缓存而说，第二次应该立刻回来。"  # not in any load text: its first ask is a miss


@dataclass
class Sample:
    status: int  # 0: no HTTP answer (connection error)
    latency_s: float
    first_byte_s: float | None
    audio_bytes: int


@dataclass
class LoadResult:
    voice: str
    clients: int
    seconds: float
    samples: list[Sample] = field(default_factory=list)
    cache_hits_during_load: float = 0.0

    def summary(self) -> dict:
        ok = [s for s in self.samples if s.status == 200]
        latencies = np.array([s.latency_s for s in ok]) if ok else np.zeros(1)
        ttfb = np.array([s.first_byte_s for s in ok if s.first_byte_s is not None]) if ok else np.zeros(1)
        statuses: dict[str, int] = {}
        for s in self.samples:
            statuses[str(s.status)] = statuses.get(str(s.status), 0) + 1
        dropped = sum(n for code, n in statuses.items() if code not in ("200", "429"))
        return {
            "voice": self.voice, "clients": self.clients, "seconds": round(self.seconds, 1),
            "requests": len(self.samples), "ok": len(ok), "rejected_429": statuses.get("429", 0),
            "dropped": dropped, "statuses": statuses,
            "requests_per_s": round(len(ok) / self.seconds, 3),
            "p50_s": round(float(np.percentile(latencies, 50)), 3),
            "p90_s": round(float(np.percentile(latencies, 90)), 3),
            "p99_s": round(float(np.percentile(latencies, 99)), 3),
            "ttfb_p50_s": round(float(np.percentile(ttfb, 50)), 3),
            "ttfb_p90_s": round(float(np.percentile(ttfb, 90)), 3),
            "cache_hits_during_load": self.cache_hits_during_load,
        }


def request_plan(voice: dict, texts: list[str]):
    """Endless distinct requests: every (sentence, speaker, emotion) once before any repeats."""
    styles = [(s["name"], e) for s in voice["speakers"] for e in s["emotions"]]
    for text, (speaker, emotion) in itertools.cycle(itertools.product(texts, styles)):
        yield {"voice": voice["name"], "text": text, "speaker": speaker, "emotion": emotion, "stream": True}


def timed_request(url: str, body: dict, headers: dict | None = None, timeout: float = 300) -> Sample:
    start = time.perf_counter()
    first, size = None, 0
    try:
        with requests.post(f"{url}/api/tts", json=body, headers=headers, stream=True, timeout=timeout) as response:
            for chunk in response.iter_content(None):
                size += len(chunk)
                if first is None and size > 44:
                    first = time.perf_counter() - start
            return Sample(response.status_code, time.perf_counter() - start, first, size)
    except requests.RequestException:
        return Sample(0, time.perf_counter() - start, None, size)


def cache_hits(url: str) -> float:
    for line in requests.get(f"{url}/metrics", timeout=10).text.splitlines():
        if line.startswith('sambert_serve_cache_total{result="hit"}'):
            return float(line.split()[-1])
    return 0.0


def load(url: str, voice: dict, texts: list[str], clients: int, seconds: float) -> LoadResult:
    plan = request_plan(voice, texts)
    lock = threading.Lock()
    result = LoadResult(voice["name"], clients, seconds)
    hits_before = cache_hits(url)
    stop_at = time.monotonic() + seconds

    def client():
        while time.monotonic() < stop_at:
            with lock:
                body = next(plan)
            sample = timed_request(url, body)
            with lock:
                result.samples.append(sample)
            if sample.status == 429:
                time.sleep(0.2)

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.monotonic() - started  # the last answers end after the deadline
    result.cache_hits_during_load = cache_hits(url) - hits_before
    return result


def cached_repeat(url: str, voice: dict, text: str = CACHE_TEXT, repeats: int = 10) -> dict:
    """A sentence asked once (a miss) and then again and again (hits): the hits' latency."""
    speaker = voice["speakers"][0]
    body = {"voice": voice["name"], "text": text, "speaker": speaker["name"], "emotion": speaker["emotions"][0]}
    first = timed_request(url, body)
    hits = []
    for _ in range(repeats):
        start = time.perf_counter()
        response = requests.post(f"{url}/api/tts", json=body, timeout=60)
        hits.append((time.perf_counter() - start, response.headers.get("x-cache")))
    return {"voice": voice["name"], "miss_s": round(first.latency_s, 3),
            "hit_p50_ms": round(1000 * float(np.median([h for h, _ in hits])), 1),
            "hit_max_ms": round(1000 * max(h for h, _ in hits), 1),
            "all_hits": all(tag == "hit" for _, tag in hits)}


def memory(process) -> int:
    return tree_rss_bytes(process.pid)
