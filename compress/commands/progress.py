"""Progress for long library calls that report `progress(phase, done, total)`.

On a terminal: one rich bar per phase on stderr. In a log (stderr not a terminal): a line
at every tenth of a phase instead, so long runs in CI still show that they move; the first
seconds stay quiet, so a quick run (or one that stops on bad input) logs nothing extra."""

from __future__ import annotations

import time
from contextlib import contextmanager

from compress.commands.common import note

QUIET_SECONDS = 3.0


@contextmanager
def progress_bars(labels: dict[str, str] | None = None):
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    labels = labels or {}
    console = Console(stderr=True)
    live = console.is_terminal
    bars = Progress(TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, disable=not live)
    tasks: dict[str, int] = {}
    logged: dict[str, int] = {}
    quiet_until = time.monotonic() + QUIET_SECONDS

    def update(phase: str, done: int, total: int) -> None:
        if phase not in tasks:
            tasks[phase] = bars.add_task(labels.get(phase, phase), total=total)
        bars.update(tasks[phase], completed=done, total=total)
        tenth = 10 * done // max(total, 1)
        if not live and tenth > logged.get(phase, 0) and time.monotonic() > quiet_until:
            logged[phase] = tenth
            note(f"{labels.get(phase, phase)}: {done}/{total}")

    with bars:
        yield update
