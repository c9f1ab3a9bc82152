from pathlib import Path

import numpy as np
import pytest

from compress.demo_voice.espeak import espeak_available

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "kantts-tiny" / "ref_io.npz"

needs_espeak = pytest.mark.skipif(
    not espeak_available(),
    reason="espeak-ng is not installed (sudo apt-get install -y espeak-ng)",
)


@pytest.fixture(scope="session")
def ref_lines() -> list[str]:
    """The two ttsfrd lines of the kantts-tiny reference: 音乐很好听 and 我们一起去北京."""
    with np.load(FIXTURE) as data:
        return [str(data["utt0.symbols"]), str(data["utt1.symbols"])]
