"""The two request bodies (the seed's /api/tts and OpenAI's /v1/audio/speech) checked against
the served voices and turned into one `SpeechRequest`.

Every problem is a `RequestError` naming the field, with the valid values where there is a
list of them: the server answers it as 4xx `{"error": ..., "field": ...}`.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

from compress.errors import FrontendError, InputError
from compress.frontend.emotions import accepted_names, resolve_emotion
from compress.serve.catalog import short_name
from compress.serve.encoding import OPUS_RATES, supported_formats

SPEED_RANGE = (0.25, 4.0)  # OpenAI's range, used by both endpoints
RATE_RANGE = (8000, 48000)
OPENAI_PCM_RATE = 24000  # OpenAI's pcm is 24 kHz s16le, and its clients assume it


class RequestError(InputError):
    def __init__(self, field: str | None, message: str, status: int = 400):
        super().__init__(f"{field}: {message}" if field else message)
        self.field, self.status = field, status


@dataclass(frozen=True)
class SpeechRequest:
    voice: str
    text: str
    speaker: str
    emotion: str  # the category, e.g. emotion_happy
    speed: float
    format: str
    sample_rate: int
    stream: bool


async def read_json(request, limit: int) -> dict:
    """The body as a JSON object, refusing more than `limit` bytes before reading them all."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise RequestError("body", f"{declared} bytes; the limit is {limit}", 413)
    body = bytearray()
    async for part in request.stream():
        body += part
        if len(body) > limit:
            raise RequestError("body", f"more than {limit} bytes", 413)
    try:
        data = json.loads(bytes(body).decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise RequestError("body", f"malformed JSON ({err})") from None
    if not isinstance(data, dict):
        raise RequestError("body", "expected a JSON object")
    return data


class VoiceIndex:
    """The served voices' descriptions, by name, for checking requests."""

    def __init__(self, descriptions: list[dict], max_chars: int):
        self.voices = {d["name"]: d for d in descriptions}
        self.default = descriptions[0]["name"]
        self.max_chars = max_chars

    def voice(self, field: str, name) -> dict:
        if name is None:
            return self.voices[self.default]
        if not isinstance(name, str) or name not in self.voices:
            raise RequestError(field, f"unknown model {name!r}; valid: {', '.join(self.voices)}")
        return self.voices[name]

    def speaker(self, field: str, voice: dict, name) -> dict:
        speakers = {s["name"]: s for s in voice["speakers"]}
        if name is None:
            return voice["speakers"][0]
        if isinstance(name, dict):  # OpenAI's custom-voice form {"id": ...}
            name = name.get("id")
        if not isinstance(name, str) or name not in speakers:
            raise RequestError(field, f"unknown speaker {name!r} of {voice['name']}; valid: {', '.join(speakers)}")
        return speakers[name]

    def text(self, field: str, value) -> str:
        if not isinstance(value, str) or not value.strip():
            raise RequestError(field, "the text is empty" if isinstance(value, str) or value is None
                               else f"expected a string, got {type(value).__name__}")
        if len(value) > self.max_chars:
            raise RequestError(field, f"{len(value)} characters; the limit is {self.max_chars}", 413)
        return value


def emotion(field: str, speaker: dict, name) -> str:
    trained = speaker["emotions"]
    if name is None:
        name = "neutral" if "neutral" in trained else trained[0]
    if not isinstance(name, str):
        raise RequestError(field, f"expected a string, got {type(name).__name__}")
    try:
        category = resolve_emotion(name)
    except FrontendError:
        raise RequestError(field, f"unknown emotion {name!r}; valid for {speaker['name']}: {', '.join(trained)}") from None
    if short_name(category) not in trained:
        raise RequestError(field, f"speaker {speaker['name']} was not trained on {short_name(category)!r}; "
                                  f"valid: {', '.join(trained)}")
    return category


def emotion_from_instructions(speaker: dict, instructions) -> str | None:
    """OpenAI's free-text `instructions`, read as a style: the one emotion name they mention."""
    if instructions is None or (isinstance(instructions, str) and not instructions.strip()):
        return None
    if not isinstance(instructions, str):
        raise RequestError("instructions", f"expected a string, got {type(instructions).__name__}")
    words = set(re.findall(r"[a-z_]+", instructions.lower()))
    named = [n for n in accepted_names() if n in words]
    if len(named) != 1:
        raise RequestError("instructions", f"name one emotion of {speaker['name']} "
                                           f"({', '.join(speaker['emotions'])}), e.g. \"{speaker['emotions'][0]}\"")
    return named[0]


def speed(field: str, value) -> float:
    if value is None:
        return 1.0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise RequestError(field, f"expected a number, got {value!r}")
    lo, hi = SPEED_RANGE
    if not lo <= value <= hi:
        raise RequestError(field, f"{value} is out of range [{lo}, {hi}]")
    return float(value)


def audio_format(field: str, value, allowed: tuple[str, ...]) -> str:
    usable = [f for f in allowed if f in supported_formats()]
    if not isinstance(value, str) or value not in usable:
        why = " (this machine's libsndfile cannot encode it)" if value in allowed else ""
        raise RequestError(field, f"unknown format {value!r}{why}; valid: {', '.join(usable)}")
    return value


def sample_rate(field: str, value, voice: dict) -> int:
    if value is None:
        return voice["sample_rate"]
    if isinstance(value, bool) or not isinstance(value, int) or not RATE_RANGE[0] <= value <= RATE_RANGE[1]:
        raise RequestError(field, f"expected an integer in [{RATE_RANGE[0]}, {RATE_RANGE[1]}], got {value!r}")
    return value


def unknown_fields(body: dict, known: set[str]) -> None:
    extra = sorted(set(body) - known)
    if extra:
        raise RequestError(extra[0], f"unknown field; valid: {', '.join(sorted(known))}")


TTS_FIELDS = {"text", "speaker", "emotion", "speed", "output_format", "voice", "sample_rate", "stream"}
OPENAI_FIELDS = {"model", "input", "voice", "speed", "response_format", "instructions", "emotion", "stream_format"}


def parse_tts(body: dict, index: VoiceIndex) -> SpeechRequest:
    """The seed's request: 16-bit WAV (or raw PCM) at the voice's rate unless sample_rate says."""
    unknown_fields(body, TTS_FIELDS)
    voice = index.voice("voice", body.get("voice"))
    speaker = index.speaker("speaker", voice, body.get("speaker"))
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise RequestError("stream", f"expected true or false, got {stream!r}")
    return SpeechRequest(voice["name"], index.text("text", body.get("text")), speaker["name"],
                         emotion("emotion", speaker, body.get("emotion")), speed("speed", body.get("speed")),
                         audio_format("output_format", body.get("output_format", "wav"), ("wav", "pcm")),
                         sample_rate("sample_rate", body.get("sample_rate"), voice), stream)


def parse_openai(body: dict, index: VoiceIndex) -> SpeechRequest:
    """OpenAI's contract; pcm is 24 kHz, the other formats carry the voice's own rate."""
    unknown_fields(body, OPENAI_FIELDS)
    for field in ("model", "input", "voice"):
        if body.get(field) is None:
            raise RequestError(field, "required")
    voice = index.voice("model", body["model"])
    speaker = index.speaker("voice", voice, body["voice"])
    text = index.text("input", body["input"])
    style = body.get("emotion")
    field = "emotion"
    if style is None:
        style, field = emotion_from_instructions(speaker, body.get("instructions")), "instructions"
    fmt = audio_format("response_format", body.get("response_format", "mp3"), ("wav", "pcm", "flac", "mp3", "opus"))
    rate = OPENAI_PCM_RATE if fmt == "pcm" else voice["sample_rate"]
    if fmt == "opus" and rate not in OPUS_RATES:
        rate = 48000
    if body.get("stream_format", "audio") != "audio":
        raise RequestError("stream_format", f"{body['stream_format']!r} is not served; valid: audio")
    return SpeechRequest(voice["name"], text, speaker["name"], emotion(field, speaker, style),
                         speed("speed", body.get("speed")), fmt, rate, fmt in ("wav", "pcm"))
