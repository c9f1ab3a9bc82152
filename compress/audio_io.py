"""Reading mels and writing WAVs, safely: bad input is a one-line error, and a WAV appears
only complete (compress.files)."""

from __future__ import annotations

import io
import math
import os
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

from compress.errors import InputError
from compress.files import atomic_write_bytes, check_output_path, publish


def resample(wav: np.ndarray, rate: int, target: int) -> np.ndarray:
    if rate == target:
        return wav
    g = math.gcd(rate, target)
    return resample_poly(wav, target // g, rate // g).astype(np.float32)


def to_pcm16(wav: np.ndarray) -> np.ndarray:
    """Float [-1, 1] -> int16, no loudness change (clipped at full scale)."""
    return np.round(np.clip(wav, -1.0, 1.0) * 32767.0).astype(np.int16)


def wav_bytes(wav: np.ndarray, rate: int) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, to_pcm16(wav), rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def write_wav(path: str | Path, wav: np.ndarray, rate: int, target_rate: int | None = None) -> int:
    """Write 16-bit PCM at `rate`, or resampled to `target_rate`. Returns the rate written."""
    if not np.all(np.isfinite(wav)):
        raise InputError("the synthesized waveform is not finite")
    out_rate = target_rate or rate
    if out_rate <= 0:
        raise InputError(f"--sample-rate must be positive, got {out_rate}")
    atomic_write_bytes(path, wav_bytes(resample(wav, rate, out_rate), out_rate))
    return out_rate


def save_npy(path: str | Path, array: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    atomic_write_bytes(path, buffer.getvalue())


def read_mel(path: str | Path, n_mels: int) -> np.ndarray:
    """A (frames, n_mels) float32 mel from .npy; rejects other shapes and non-finite values."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"mel file not found: {path}")
    try:
        mel = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        raise InputError(f"{path} is not a .npy array ({err})") from None
    if mel.ndim != 2 or mel.shape[1] != n_mels or mel.shape[0] == 0:
        raise InputError(f"{path}: expected a (frames, {n_mels}) mel, got shape {mel.shape}")
    if not np.issubdtype(mel.dtype, np.floating):
        raise InputError(f"{path}: expected float values, got {mel.dtype}")
    if not np.all(np.isfinite(mel)):
        bad = int(np.argwhere(~np.isfinite(mel))[0][0])
        raise InputError(f"{path}: the mel is not finite (first bad frame {bad})")
    return mel.astype(np.float32)


class StreamingWavWriter:
    """Append 16-bit PCM chunks to a WAV as they arrive; the file appears only when complete.

    Use as a context manager: on an exception the temporary file is removed."""

    def __init__(self, path: str | Path, rate: int):
        self.path = check_output_path(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        os.close(fd)
        self.tmp = Path(tmp)
        self.samples = 0
        self.file = sf.SoundFile(self.tmp, mode="w", samplerate=rate, channels=1, format="WAV", subtype="PCM_16")

    def write(self, chunk: np.ndarray) -> None:
        if not np.all(np.isfinite(chunk)):
            raise InputError("the synthesized waveform is not finite")
        self.file.write(to_pcm16(chunk))
        self.samples += len(chunk)

    def __enter__(self) -> "StreamingWavWriter":
        return self

    def __exit__(self, kind, value, traceback) -> None:
        self.file.close()
        if kind is None:
            publish(self.tmp, self.path, 0o666)
        else:
            self.tmp.unlink(missing_ok=True)
