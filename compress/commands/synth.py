"""`sambert-compress synth`: text, symbols or a mel in, a WAV out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from compress.commands.common import VoiceNameOption, VoiceOption, note
from compress.errors import InputError


def synth(
    out: Annotated[Path, typer.Option("--out", help="Output WAV (16-bit PCM).")],
    text: Annotated[Optional[str], typer.Option("--text", help="Chinese text.")] = None,
    symbols: Annotated[Optional[str], typer.Option("--symbols", help="ttsfrd-format symbols, one sub-sentence per line.")] = None,
    symbols_file: Annotated[Optional[Path], typer.Option("--symbols-file", help="File of ttsfrd-format lines.")] = None,
    mel_in: Annotated[Optional[Path], typer.Option("--mel-in", help="Vocode a (frames, channels) float32 .npy (NSF voices: mels, F0 in Hz, voicing).")] = None,
    mel_out: Annotated[Optional[Path], typer.Option("--mel-out", help="Also write the vocoder's input (NSF voices: with F0 in Hz and voicing).")] = None,
    speaker: Annotated[Optional[str], typer.Option("--speaker", help="Override the symbols' speaker.")] = None,
    emotion: Annotated[Optional[str], typer.Option("--emotion", help="Override the symbols' emotion.")] = None,
    speed: Annotated[float, typer.Option("--speed", help="Speaking-rate factor (2 = twice as fast).")] = 1.0,
    sample_rate: Annotated[Optional[int], typer.Option("--sample-rate", help="Resample the WAV to this rate.")] = None,
    stream: Annotated[bool, typer.Option("--stream", help="Write audio chunk by chunk as it is made.")] = False,
    seed: Annotated[Optional[int], typer.Option("--seed", help="Seed torch before each vocoder call (NSF voices draw noise and phases).")] = None,
    voice: VoiceOption = None,
    voice_name: VoiceNameOption = None,
) -> None:
    """Synthesize speech with a voice (KAN-TTS dir or stage dir)."""
    from compress.audio_io import read_mel, save_npy, write_wav
    from compress.files import check_output_path

    given = [name for name, value in (("--text", text), ("--symbols", symbols),
                                      ("--symbols-file", symbols_file), ("--mel-in", mel_in)) if value is not None]
    if len(given) != 1:
        raise InputError("give exactly one of --text, --symbols, --symbols-file, --mel-in"
                         + (f" (got {', '.join(given)})" if given else ""))
    check_output_path(out)
    if mel_out is not None:
        check_output_path(mel_out)
    if sample_rate is not None and sample_rate <= 0:
        raise InputError(f"--sample-rate must be positive, got {sample_rate}")
    if speed <= 0:
        raise InputError(f"--speed must be positive, got {speed}")
    if stream and sample_rate is not None:
        raise InputError("--stream writes at the voice's own rate; drop --sample-rate")

    loaded, synthesis, streaming = _open_voice(voice, voice_name)
    if stream:
        mel_in_array = None if mel_in is None else read_mel(mel_in, _mel_channels(loaded))
        encoded = None
        if mel_in is None:
            lines = _symbol_lines(text, symbols, symbols_file, loaded, speaker, emotion)
            encoded = synthesis.encode_lines(loaded, lines, speaker=speaker, emotion=emotion)
        _write_stream(out, mel_out, loaded, streaming, encoded, mel_in_array, speed, seed)
        return
    if mel_in is not None:
        mel = read_mel(mel_in, _mel_channels(loaded))
        wav = synthesis.vocode(loaded, mel, seed)
    else:
        lines = _symbol_lines(text, symbols, symbols_file, loaded, speaker, emotion)
        encoded = synthesis.encode_lines(loaded, lines, speaker=speaker, emotion=emotion)
        result = synthesis.synthesize(loaded, encoded, speed=speed, seed=seed)
        mel, wav = result.mel, result.wav
    if mel_out is not None:
        save_npy(mel_out, mel)
    rate = write_wav(out, wav, loaded.sample_rate, sample_rate)
    note(f"wrote {out} ({len(wav) / loaded.sample_rate:.2f} s, {rate} Hz)")


def _open_voice(voice, voice_name):
    """(voice, synthesis API, streaming API): an export dir runs in ONNX Runtime without
    importing torch, any other voice in torch (compress.backends)."""
    from compress.backends import open_voice

    return open_voice(voice, voice_name)


def _mel_channels(voice) -> int:
    """Mel channels the vocoder takes (an ONNX Runtime voice states them itself)."""
    return voice.n_mels if hasattr(voice, "sessions") else voice.vocoder.arch.input_channels


def _write_stream(out, mel_out, voice, streaming, encoded, mel, speed, seed) -> None:
    """Stream every sub-sentence into the WAV; report when the first audio was ready."""
    import time

    import numpy as np

    from compress.audio_io import StreamingWavWriter, save_npy

    start, first, mels = time.perf_counter(), None, []
    with StreamingWavWriter(out, voice.sample_rate) as writer:
        if mel is not None:
            chunks = ((None, wav) for wav in streaming.stream_mel(voice, mel, seed))
        else:
            chunks = _sentence_chunks(voice, streaming, encoded, speed, seed)
        for mel_chunk, wav in chunks:
            first = first if first is not None else time.perf_counter() - start
            writer.write(wav)
            if mel_chunk is not None:
                mels.append(mel_chunk)
    if mel_out is not None:
        save_npy(mel_out, np.concatenate(mels) if mels else mel)
    note(f"wrote {out} ({writer.samples / voice.sample_rate:.2f} s, {voice.sample_rate} Hz); "
         f"first audio after {first * 1000:.0f} ms")


def _sentence_chunks(voice, streaming, encoded, speed, seed):
    """(mel, wav) chunks of every sub-sentence, with the usual silence between them."""
    import numpy as np

    from compress.utterances import SENTENCE_GAP_S

    gap = np.zeros(int(round(SENTENCE_GAP_S * voice.sample_rate)), dtype=np.float32)
    for index, symbols in enumerate(encoded):
        if index:
            yield None, gap
        yield from streaming.stream_with_mel(voice, symbols, speed, seed=seed)


def _symbol_lines(text, symbols, symbols_file, voice, speaker, emotion):
    from compress.models.symbols import parse_lines

    if symbols_file is not None:
        if not symbols_file.is_file():
            raise InputError(f"symbols file not found: {symbols_file}")
        try:
            return parse_lines(symbols_file.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise InputError(f"{symbols_file} is not UTF-8 text") from None
    if symbols is not None:
        return parse_lines(symbols)
    return _text_lines(text, voice, speaker, emotion)


def _text_lines(text, voice, speaker, emotion):
    from compress.frontend import text_to_symbol_lines
    from compress.models.symbols import parse_tokens

    speakers = list(voice.tables.speakers)
    lines, warnings = text_to_symbol_lines(text, emotion or "neutral", speaker=speaker or speakers[0],
                                           speakers=speakers)
    for warning in warnings:
        note(f"warning: {warning}")
    return [parse_tokens(line) for line in lines]


def register(app: typer.Typer) -> None:
    app.command()(synth)
