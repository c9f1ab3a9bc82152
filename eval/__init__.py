"""Side-by-side benchmark of TTS runs: speed, memory and size, speech quality, and a gate.

    corpus / inputs   the benchmark sentences and how they become symbols
    runs              a run = one voice (KAN-TTS dir, voices/ root or stage dir) under a name
    render            synthesis of one sentence by one run: free-running or with given durations
    quality, dnsmos,  waveform metrics (MCD, F0, PESQ, STOI), DNSMOS P.808, F0 and speaking rate
      prosody
    speed, workers    interleaved latency, first audio, throughput under concurrency
    memory, macs      peak RSS of a fresh process, size on disk, multiply-accumulates
    bench             the whole measurement, returned as plain values
    report, plots     bench.json, bench.md, PNG plots and WAV samples
    gate              thresholds relative to the reference run
    styles            per speaker x emotion DNSMOS, F0 and speaking rate of one voice

The library returns values and raises `compress.errors.CompressError` subclasses; progress is
reported through a callback, and printing is left to the CLI (`compress/commands/bench.py`).
"""
