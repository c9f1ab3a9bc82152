"""The `sambert-compress` command line: a thin root that registers the command modules.

Typer owns argv; the commands parse options, call the library and print. Known errors
(`CompressError`) become one line on stderr and exit code 2; set SAMBERT_COMPRESS_DEBUG=1
to see the traceback instead.
"""

import os
import sys

import typer

from compress.errors import CompressError

app = typer.Typer(
    name="sambert-compress",
    help="Make Sambert-HiFiGAN Chinese TTS voices smaller and faster, with proof.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register_commands() -> None:
    # Imported here so that `sambert-compress --help` stays fast and each module
    # keeps its heavy imports (torch) inside the command functions.
    from compress.commands import synth

    synth.register(app)


def main() -> None:
    _register_commands()
    try:
        app()
    except CompressError as err:
        if os.environ.get("SAMBERT_COMPRESS_DEBUG"):
            raise
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
