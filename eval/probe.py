"""`python -m eval.probe`: the child process of eval.memory.probe.

Reads {"path", "lines", "speaker", "emotion"} as JSON on stdin, loads the run, synthesizes
the lines once and prints its memory figures as one JSON line. An export dir is opened as a
deployment opens it (ONNX Runtime, no torch: compress.backends).
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
    from compress.export.runtime import is_export_dir

    if not is_export_dir(request["path"]):  # an export runs without torch: its baseline has none
        import torch  # noqa: F401 - in the baseline, as every torch run pays it
    from compress.backends import open_voice

    baseline = status_bytes("VmRSS")
    voice, synthesis, _ = open_voice(request["path"])
    loaded = status_bytes("VmRSS")
    encoded = synthesis.encode_lines(voice, request["lines"], speaker=request["speaker"],
                                     emotion=request["emotion"])
    synthesis.synthesize(voice, encoded)
    gpu, device = _gpu_peak(voice)
    print(json.dumps({"peak_rss_bytes": peak_rss(), "baseline_rss_bytes": baseline,
                      "loaded_rss_bytes": loaded, "peak_gpu_bytes": gpu, "device": device}))


def _gpu_peak(voice) -> tuple[int | None, str]:
    """(peak GPU bytes or None, device) of a torch voice; an ONNX Runtime voice runs on CPU."""
    if not hasattr(voice, "am"):
        return None, "cpu"
    import torch

    device = next(voice.am.parameters()).device
    return (torch.cuda.max_memory_allocated(device) if device.type == "cuda" else None), device.type


if __name__ == "__main__":
    main()
