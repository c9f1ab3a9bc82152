"""Recipes: Hydra composition of the YAML under `recipes/`, checked into typed configs.

Typer owns argv; whatever the user typed after the command that looks like `key=value`
(Hydra's override grammar) is composed here. Each group (`prune`, `bench`, ...) then fills
one config dataclass: an unknown key or a wrong type is an error that names the key and the
accepted keys, and the dataclass's own `__post_init__` checks the values.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import types
import typing
from pathlib import Path

from compress.errors import CompressError, InputError

# Package data (so that a wheel carries them); `recipes/` at the repository root links here.
RECIPES_DIR = Path(str(importlib.resources.files("compress") / "recipes"))


class RecipeError(CompressError):
    """A recipe name, override or value is not valid."""


def split_overrides(args: list[str]) -> tuple[list[str], list[str]]:
    """Positional words that are overrides (`a.b=c`, `+a=b`, `~a`) versus the rest."""
    overrides = [a for a in args if "=" in a or a.startswith("~")]
    return overrides, [a for a in args if a not in overrides]


def overrides_only(args: list[str] | None, example: str) -> list[str]:
    """The positional words of a command that takes nothing but overrides; any other word
    is an error that names it."""
    overrides, stray = split_overrides(list(args or []))
    if stray:
        raise InputError(f"unexpected argument {stray[0]!r}; recipe overrides look like {example}")
    return overrides


def compose(overrides: list[str], preset: str = "config", root: Path = RECIPES_DIR) -> dict:
    """The resolved recipe (`root/<preset>.yaml` with overrides) as plain containers."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.errors import HydraException
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    if not (root / f"{preset}.yaml").is_file():
        presets = sorted(p.stem for p in root.glob("*.yaml"))
        raise RecipeError(f"unknown recipe preset {preset!r}; available: {', '.join(presets)}")
    try:
        with initialize_config_dir(config_dir=str(root), version_base=None):
            cfg = hydra_compose(config_name=preset, overrides=list(overrides))
        return OmegaConf.to_container(cfg, resolve=True)
    except (HydraException, OmegaConfBaseException, ValueError) as err:
        raise RecipeError(_one_line(err)) from None


def _one_line(err: Exception) -> str:
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    message = lines[0] if lines else type(err).__name__
    options = [line for line in lines if line.startswith("Available options")]
    if options:
        index = lines.index(options[0])
        names = [line for line in lines[index + 1 :] if "provider=" not in line and "search path" not in line]
        message += f"; available: {', '.join(names)}"
    return f"recipe: {message}"


def build(cls, section: dict | None, where: str):
    """Fill dataclass `cls` from a recipe section, checking keys and types."""
    section = dict(section or {})
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(section) - set(known))
    if unknown:
        raise RecipeError(f"unknown recipe key {where}.{unknown[0]}; valid keys: {', '.join(sorted(known))}")
    hints = typing.get_type_hints(cls)
    values = {name: _coerce(value, hints[name], f"{where}.{name}") for name, value in section.items()}
    try:
        return cls(**values)
    except (ValueError, TypeError) as err:
        raise RecipeError(f"{where}: {err}") from None


def _coerce(value, hint, where: str):
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        for option in inner[:-1]:  # the first member the value fits; the last one's error otherwise
            try:
                return _coerce(value, option, where)
            except RecipeError:
                continue
        return _coerce(value, inner[-1], where)
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, dict):
            raise RecipeError(f"{where} must be a mapping, got {value!r}")
        return build(hint, value, where)
    if hint is bool:
        if not isinstance(value, bool):
            raise RecipeError(f"{where} must be true or false, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise RecipeError(f"{where} must be a number, got {value!r}")
        return float(value)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise RecipeError(f"{where} must be an integer, got {value!r}")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise RecipeError(f"{where} must be a string, got {value!r}")
        return value
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise RecipeError(f"{where} must be a list, got {value!r}")
        item = args[0] if args else typing.Any
        return [_coerce(v, item, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise RecipeError(f"{where} must be a mapping, got {value!r}")
        return dict(value)
    return value
