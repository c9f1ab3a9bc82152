"""Finding voices on disk: KAN-TTS voice dirs, `voices/` roots, project checkpoints.

Only paths and YAML here, no torch: the frontend resolves speaker names through this module
and must start fast.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from compress.errors import VoiceLoadError

_CKPT_NAME = re.compile(r"^checkpoint_(\d+)\.pth$")
_PACKAGE_DIR = Path(__file__).resolve().parent.parent

# The embedded default voice (trained in-house, see compress/demo_voice); it ships with the
# package, so a missing one is a broken install, never a reason to fall back to another voice.
DEMO_VOICE = _PACKAGE_DIR / "voices" / "demo"


def default_voice(demo: Path = DEMO_VOICE) -> Path:
    """The voice used when no --voice is given: the embedded demo voice."""
    if (demo / "am").is_dir() or (demo / "arch.json").is_file():
        return demo
    raise VoiceLoadError(f"the embedded demo voice is missing: {demo} (reinstall, or pass --voice PATH)")


def is_project_checkpoint(path: Path) -> bool:
    return (Path(path) / "arch.json").is_file()


def resolve_voice_dir(path: str | Path | None, name: str | None = None) -> Path:
    """Turn what a user passed as --voice into one voice directory.

    Accepts a voice dir (am/ + voc/), a `voices/` root with voices.json (pick `name`, or the
    only voice), a model repo root holding `voices/`, or a project checkpoint / stage dir.
    """
    if path is None:
        return default_voice()
    root = Path(path)
    if not root.exists():
        raise VoiceLoadError(f"voice path does not exist: {root}")
    if is_project_checkpoint(root) or (root / "am").is_dir():
        if name is not None and (root / "am").is_dir() and root.name != name:
            raise VoiceLoadError(f"{root} is the voice {root.name!r}, not {name!r}")
        return root
    if (root / "voices" / "voices.json").is_file():
        root = root / "voices"
    if (root / "voices.json").is_file():
        return _pick_from_voices_json(root, name)
    raise VoiceLoadError(
        f"{root} is not a voice: expected am/ and voc/, a voices.json, or arch.json"
    )


def _pick_from_voices_json(root: Path, name: str | None) -> Path:
    try:
        names = json.loads((root / "voices.json").read_text(encoding="utf-8"))["voices"]
    except (ValueError, KeyError, TypeError) as err:
        raise VoiceLoadError(f"{root / 'voices.json'} is not a voices list: {err}") from None
    if not names:
        raise VoiceLoadError(f"{root / 'voices.json'} lists no voices")
    if name is None:
        if len(names) > 1:
            raise VoiceLoadError(f"{root} holds several voices; pick one of: {', '.join(names)}")
        name = names[0]
    if name not in names:
        raise VoiceLoadError(f"unknown voice {name!r}; {root} has: {', '.join(names)}")
    voice = root / name
    if not (voice / "am").is_dir():
        raise VoiceLoadError(f"voices.json lists {name!r} but {voice}/am is missing")
    return voice


def read_yaml(path: Path) -> dict:
    if not path.is_file():
        raise VoiceLoadError(f"missing config file: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise VoiceLoadError(f"{path} is not valid YAML{where}") from None
    if not isinstance(data, dict):
        raise VoiceLoadError(f"{path} does not hold a YAML mapping")
    return data


def latest_checkpoint(ckpt_dir: Path) -> Path:
    """`checkpoint_<N>.pth` with the highest N, as the KAN-TTS loaders pick it."""
    if not ckpt_dir.is_dir():
        raise VoiceLoadError(f"missing checkpoint folder: {ckpt_dir}")
    found = [(int(m.group(1)), p) for p in ckpt_dir.iterdir() if (m := _CKPT_NAME.match(p.name))]
    if not found:
        raise VoiceLoadError(f"no checkpoint_<N>.pth in {ckpt_dir}")
    return max(found)[1]


def speaker_list(voice: Path) -> list[str]:
    """Speaker names of a voice, from its acoustic-model config (or arch.json)."""
    voice = Path(voice)
    if is_project_checkpoint(voice):
        arch = json.loads((voice / "arch.json").read_text(encoding="utf-8"))
        return list(arch["speakers"])
    config = read_yaml(voice / "am" / "config.yaml")
    raw = (config.get("linguistic_unit") or {}).get("speaker_list")
    if not raw:
        raise VoiceLoadError(f"{voice}/am/config.yaml has no linguistic_unit.speaker_list")
    return [s.strip() for s in str(raw).split(",") if s.strip()]
