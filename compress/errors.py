"""Typed, user-facing errors.

Every error a user can cause (a bad file, a bad symbol, a bad recipe key) is raised as a
subclass of `CompressError`. The CLI prints its message on one line and exits non-zero;
anything else is a bug and keeps its traceback.
"""


class CompressError(Exception):
    """A known error caused by input: printed as one line, exit code 2."""


class VoiceLoadError(CompressError):
    """A voice or stage directory is missing, truncated or inconsistent."""


class ConfigMismatchError(VoiceLoadError):
    """A config does not match the weights it is loaded with."""


class SymbolError(CompressError):
    """A symbol sequence cannot be encoded with the voice's tables."""


class InputError(CompressError):
    """A command-line input (file, array, path, name) is unusable."""


class FrontendError(CompressError):
    """Text the Chinese frontend cannot turn into speech (empty, unspeakable, bad names)."""


class DataError(CompressError):
    """Training data cannot be made or read: a missing tool, a failed alignment, a bad dataset."""


class EspeakUnavailableError(DataError):
    """libespeak-ng is not installed (or cannot be loaded)."""


class AlignmentError(DataError):
    """Synthesized audio and its symbols cannot be aligned (events missing or inconsistent)."""


class FeatureError(DataError):
    """A feature cannot be computed from a waveform (silent, unvoiced, too short)."""
