"""The Chinese text frontend: text -> KAN-TTS (ttsfrd-format) symbols, in pure Python.

    from compress.frontend import analyze, text_to_symbol_lines
    lines, warnings = text_to_symbol_lines("今天天气很好。", "happy", speaker="F7")

`analyze` returns the full FrontendResult (normalized text, per sub-sentence pinyin and tokens,
warnings). Nothing here imports torch.
"""

from compress.frontend.emotions import accepted_names as emotion_names
from compress.frontend.emotions import resolve_emotion
from compress.frontend.pipeline import (
    BREAK_EMOTION,
    FrontendResult,
    SubSentence,
    analyze,
    text_to_symbol_lines,
)

__all__ = [
    "BREAK_EMOTION", "FrontendResult", "SubSentence", "analyze", "emotion_names",
    "resolve_emotion", "text_to_symbol_lines",
]
