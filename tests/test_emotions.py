"""The one emotion table: aliases land on real categories, and reading it pulls in no torch."""

import subprocess
import sys

from compress import emotions
from compress.models.symbols import SymbolTables
from tests.conftest import TESTS


def test_every_style_is_an_alias_of_a_category():
    assert tuple(emotions.ALIASES) == emotions.STYLES
    assert set(emotions.ALIASES.values()) <= set(emotions.CATEGORIES)
    assert emotions.ALIASES["energetic"] == "emotion_excited"
    assert sorted(emotions.CALIBRATION_ROTATION) == sorted(emotions.STYLES)


def test_the_symbol_tables_read_the_same_categories(tiny_voice):
    assert tiny_voice.tables.emotions == tuple(c for c in emotions.CATEGORIES if c in tiny_voice.tables.emotion)
    for style in emotions.STYLES:
        assert tiny_voice.tables.emotion[tiny_voice.tables.emotion_id(style)] == emotions.ALIASES[style]
    assert SymbolTables.__module__ == "compress.models.symbols"


def test_the_frontend_reads_it_without_torch():
    code = "import sys, compress.frontend, compress.emotions; assert 'torch' not in sys.modules, 'torch imported'"
    done = subprocess.run([sys.executable, "-c", code], cwd=TESTS.parent, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
