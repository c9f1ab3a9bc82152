"""`python -m eval.worker`: one throughput worker process (see eval.workers).

Protocol on stdin/stdout, one line each: the parent sends {"path", "lines", "speaker",
"emotion"} as JSON; the worker loads the voice with one intra-op thread (torch, or
ONNX Runtime for an export dir), synthesizes every
sentence once (warm-up) and answers `ready`; then for each item index it receives it
synthesizes that sentence and answers `done`. It exits when stdin closes.
"""

from __future__ import annotations

import json
import sys


def main() -> None:
    request = json.loads(sys.stdin.readline())
    from compress.backends import open_voice

    voice, synthesis, _ = open_voice(request["path"], threads=1)
    encoded = [synthesis.encode_lines(voice, item, speaker=request["speaker"], emotion=request["emotion"])
               for item in request["lines"]]
    for item in encoded:
        synthesis.synthesize(voice, item)
    print("ready", flush=True)
    for line in sys.stdin:
        synthesis.synthesize(voice, encoded[int(line)])
        print("done", flush=True)


if __name__ == "__main__":
    main()
