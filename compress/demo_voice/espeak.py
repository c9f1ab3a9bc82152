"""espeak-ng through libespeak-ng (ctypes): audio plus the word and phoneme events with sample times.

The library is initialised once per process in synchronous mode with phoneme events on; every
`synthesize` call sets the voice and the four prosody parameters (so nothing leaks from one
utterance to the next), runs `espeak_Synth` (SSML when asked) and collects what the callback gets:
the 16-bit samples and the events. An event's `sample` is its position in the output, in samples at
the library's rate (22050 Hz for the Debian voices).

Word events carry the 1-based index of the word in the text (`number`); phoneme events carry the
phoneme mnemonic (`'tS;h'`, `'iE'`, and `'_|'`, `'_:'`, `'_'` for word ends and pauses).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import pickle
import shutil
import subprocess
import threading
from dataclasses import dataclass

import numpy as np

from compress.errors import DataError, EspeakUnavailableError

_LIBRARY_NAMES = ("libespeak-ng.so.1", "libespeak-ng.so", "espeak-ng")
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INIT_PHONEME_EVENTS = 0x0001
_INIT_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_SSML = 0x10
_POS_CHARACTER = 1
_EVENT_KINDS = {1: "word", 2: "sentence", 3: "mark", 4: "play", 5: "end", 6: "msg_end", 7: "phoneme"}
_PARAMETERS = {"rate": 1, "volume": 2, "pitch": 3, "range": 4}
DEFAULT_PARAMETERS = {"rate": 175, "volume": 100, "pitch": 50, "range": 50}
INSTALL_HINT = "install it with `sudo apt-get install -y espeak-ng` (Debian/Ubuntu)"


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


@dataclass(frozen=True)
class EspeakEvent:
    kind: str  # word, phoneme, end, sentence, ...
    sample: int  # position in the output, at the library's sample rate
    text_position: int  # 1-based character position in the input
    number: int = 0  # word events: 1-based word index
    phoneme: str = ""  # phoneme events: the mnemonic


@dataclass(frozen=True)
class Synthesis:
    audio: np.ndarray  # int16
    sample_rate: int
    events: tuple[EspeakEvent, ...]


def _load_library() -> ctypes.CDLL | None:
    names = list(_LIBRARY_NAMES)
    found = ctypes.util.find_library("espeak-ng")
    if found:
        names.append(found)
    for name in names:
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    return None


def espeak_available() -> bool:
    """True when libespeak-ng can be loaded (tests skip on False)."""
    return _load_library() is not None


def ensure_espeak(install: bool = True) -> None:
    """Make libespeak-ng loadable: install the Debian package when allowed and possible, else raise."""
    if espeak_available():
        return
    if install and shutil.which("apt-get"):
        prefix = [] if os.geteuid() == 0 else (["sudo", "-n"] if shutil.which("sudo") else None)
        if prefix is not None:
            for args in (["install", "-y", "espeak-ng"], ["update"], ["install", "-y", "espeak-ng"]):
                subprocess.run(prefix + ["apt-get", "-q", *args], capture_output=True, check=False,
                               env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
                if args[0] == "install" and espeak_available():
                    return
    raise EspeakUnavailableError(f"espeak-ng (libespeak-ng) is not installed; {INSTALL_HINT}")


class Espeak:
    """The process-wide libespeak-ng engine. Use `Espeak.shared()`; calls are serialized."""

    _shared: "Espeak | None" = None
    _lock = threading.Lock()

    def __init__(self):
        lib = _load_library()
        if lib is None:
            raise EspeakUnavailableError(f"espeak-ng (libespeak-ng) is not installed; {INSTALL_HINT}")
        self._lib = lib
        self._lib.espeak_Synth.argtypes = [
            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
            ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]
        self._lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self._lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        self.sample_rate = lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, None, _INIT_PHONEME_EVENTS | _INIT_DONT_EXIT
        )
        if self.sample_rate <= 0:
            raise EspeakUnavailableError("espeak-ng failed to initialise (is espeak-ng-data installed?)")
        self._chunks: list[np.ndarray] = []
        self._events: list[EspeakEvent] = []
        self._callback = _CALLBACK(self._collect)  # kept referenced: the library holds the pointer
        lib.espeak_SetSynthCallback(self._callback)

    @classmethod
    def shared(cls) -> "Espeak":
        with cls._lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def _collect(self, wav, count, events) -> int:
        if wav and count > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        index = 0
        while events[index].type != 0:
            self._events.append(_convert(events[index]))
            index += 1
        return 0

    def synthesize(self, text: str, voice: str, ssml: bool = False, **parameters: int) -> Synthesis:
        """Speak `text` with `voice` (e.g. 'cmn-latn-pinyin+f1'); parameters: rate, volume, pitch, range.

        espeak-ng keeps state from one synthesis to the next (its random generator and pitch
        flutter phase), so the same text comes out slightly different depending on what was said
        before. To make the output a function of the input alone, each call runs in a forked child
        of this process, whose engine has never synthesized anything.
        """
        unknown = set(parameters) - set(_PARAMETERS)
        if unknown:
            raise DataError(f"unknown espeak parameter(s) {sorted(unknown)}; valid: {sorted(_PARAMETERS)}")
        settings = {**DEFAULT_PARAMETERS, **parameters}
        flags = _CHARS_UTF8 | (_SSML if ssml else 0)
        with self._lock:
            run = _in_child if hasattr(os, "fork") else (lambda job, *args: job(*args))
            outcome = run(self._synthesize_here, text, voice, flags, settings)
        if isinstance(outcome, str):
            raise DataError(outcome)
        audio, events = outcome
        return Synthesis(np.frombuffer(audio, dtype=np.int16).copy(), self.sample_rate, events)

    def _synthesize_here(self, text: str, voice: str, flags: int, settings: dict) -> tuple | str:
        """(audio bytes, events), or an error message; no numpy math (safe after fork)."""
        if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
            return f"espeak-ng has no voice {voice!r}"
        for name, value in settings.items():
            self._lib.espeak_SetParameter(_PARAMETERS[name], int(value), 0)
        self._chunks, self._events = [], []
        data = text.encode("utf-8") + b"\0"
        status = self._lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, flags, None, None)
        if status != 0:
            return f"espeak_Synth failed with status {status}"
        return b"".join(chunk.tobytes() for chunk in self._chunks), tuple(self._events)


def _in_child(job, *args):
    """Run `job(*args)` in a forked child and return its (picklable) result."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never returns
        os.close(read_fd)
        try:
            payload = pickle.dumps(job(*args))
        except BaseException as err:  # report, do not unwind into the parent's code
            payload = pickle.dumps(f"espeak-ng synthesis failed: {err!r}")
        with os.fdopen(write_fd, "wb") as out:
            out.write(payload)
        os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as stream:
        payload = stream.read()
    _, status = os.waitpid(pid, 0)
    if not payload:
        return f"espeak-ng synthesis process died (wait status {status})"
    return pickle.loads(payload)


def _convert(event: _Event) -> EspeakEvent:
    kind = _EVENT_KINDS.get(event.type, str(event.type))
    number = event.id.number if kind in ("word", "sentence") else 0
    phoneme = event.id.string.decode("utf-8", "replace") if kind == "phoneme" else ""
    return EspeakEvent(kind, int(event.sample), int(event.text_position), number, phoneme)
