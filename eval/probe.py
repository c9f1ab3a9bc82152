"""`python -m eval.probe`: the child process of eval.memory.probe.

Reads {"path", "lines", "speaker", "emotion"} as JSON on stdin, loads the run, synthesizes
the lines once and prints its memory figures as one JSON line.
"""

from __future__ import annotations

import json
import resource
import sys


def status_bytes(field: str) -> int | None:
    """A `VmRSS`/`VmHWM` line of /proc/self/status in bytes; None without /proc."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def peak_rss() -> int:
    hwm = status_bytes("VmHWM")
    if hwm is not None:
        return hwm
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss is bytes on macOS, KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def main() -> None:
    request = json.loads(sys.stdin.read())
    import torch

    from compress import synthesis
    from compress.loading import load_voice

    baseline = status_bytes("VmRSS")
    voice = load_voice(request["path"])
    loaded = status_bytes("VmRSS")
    encoded = synthesis.encode_lines(voice, request["lines"], speaker=request["speaker"],
                                     emotion=request["emotion"])
    synthesis.synthesize(voice, encoded)
    device = next(voice.am.parameters()).device
    gpu = torch.cuda.max_memory_allocated(device) if device.type == "cuda" else None
    print(json.dumps({"peak_rss_bytes": peak_rss(), "baseline_rss_bytes": baseline,
                      "loaded_rss_bytes": loaded, "peak_gpu_bytes": gpu, "device": device.type}))


if __name__ == "__main__":
    main()
