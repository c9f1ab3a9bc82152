"""The `sambert-compress` command line: a thin root that registers the command modules.

Typer owns argv; the commands parse options, call the library and print. Command modules
import torch inside their functions, so `--help` and the frontend stay fast. Known errors
(`CompressError`) become one line on stderr and exit code 2; set SAMBERT_COMPRESS_DEBUG=1
to see the traceback instead.
"""

import os
import sys

# OpenMP worker threads that spin while they wait make torch's default of two threads 3-10
# times slower whenever another process shares this 2-core CPU (measured: 56-token sentence,
# acoustic model 2.5-10 s spinning, 0.8-1.5 s sleeping). Set before torch is first imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import typer  # noqa: E402

from compress.commands import (  # noqa: E402
    bench, demo_voice, eval_voice, export, frontend, pipeline, profile, prune, qat, samples, sensitivity,
    serve, stages, synth,
)
from compress.errors import CompressError

app = typer.Typer(
    name="sambert-compress",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def root() -> None:
    """Make Sambert-HiFiGAN Chinese TTS voices smaller and faster, with proof."""


synth.register(app)
frontend.register(app)
stages.register(app)
samples.register(app)
demo_voice.register(app)
sensitivity.register(app)
prune.register(app)
qat.register(app)
export.register(app)
bench.register(app)
pipeline.register(app)
eval_voice.register(app)
profile.register(app)
serve.register(app)


def main() -> None:
    try:
        app()
    except CompressError as err:
        if os.environ.get("SAMBERT_COMPRESS_DEBUG"):
            raise
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
