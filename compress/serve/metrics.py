"""Prometheus metrics of one server (its own registry, so several apps in one process stay apart)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

PREFIX = "sambert_serve"
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.08, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64)
RTF_BUCKETS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 4)


class Metrics:
    def __init__(self):
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(f"{PREFIX}_requests", "HTTP requests answered", ["route", "status"], registry=r)
        self.latency = Histogram(f"{PREFIX}_request_seconds", "Time from request to last byte", ["route"],
                                 buckets=LATENCY_BUCKETS, registry=r)
        self.first_audio = Histogram(f"{PREFIX}_first_audio_seconds", "Time from request to first audio byte",
                                     ["route"], buckets=LATENCY_BUCKETS, registry=r)
        self.rtf = Histogram(f"{PREFIX}_real_time_factor", "Synthesis time / audio duration", ["voice"],
                             buckets=RTF_BUCKETS, registry=r)
        self.audio_seconds = Counter(f"{PREFIX}_audio_seconds", "Seconds of audio synthesized", ["voice"], registry=r)
        self.cache = Counter(f"{PREFIX}_cache", "Cache lookups", ["result"], registry=r)
        self.queue_depth = Gauge(f"{PREFIX}_queue_depth", "Requests waiting for a worker", registry=r)
        self.busy = Gauge(f"{PREFIX}_busy_workers", "Workers synthesizing now", registry=r)
        self.errors = Counter(f"{PREFIX}_errors", "Requests that failed, by kind", ["kind"], registry=r)

    def render(self) -> bytes:
        return generate_latest(self.registry)
