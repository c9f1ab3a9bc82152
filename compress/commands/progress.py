"""Rich progress bars for long library calls that report `progress(phase, done, total)`."""

from __future__ import annotations

from contextlib import contextmanager


@contextmanager
def progress_bars(labels: dict[str, str] | None = None):
    """Yields a callback; each new phase gets its own bar on stderr (hidden when not a TTY)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    labels = labels or {}
    console = Console(stderr=True)
    bars = Progress(TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, disable=not console.is_terminal)
    tasks: dict[str, int] = {}

    def update(phase: str, done: int, total: int) -> None:
        if phase not in tasks:
            tasks[phase] = bars.add_task(labels.get(phase, phase), total=total)
        bars.update(tasks[phase], completed=done, total=total)

    with bars:
        yield update
