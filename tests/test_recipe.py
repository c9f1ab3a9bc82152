from dataclasses import dataclass, field

import pytest

from compress.errors import InputError
from compress.recipe import RecipeError, build, compose, overrides_only, split_overrides


@dataclass
class Inner:
    steps: int = 10


@dataclass
class Example:
    target: float = 0.5
    protect: list[str] = field(default_factory=list)
    inner: Inner = field(default_factory=Inner)
    name: str | None = None

    def __post_init__(self):
        if not 0 < self.target <= 1:
            raise ValueError(f"target must be in (0, 1], got {self.target}")


@pytest.fixture
def root(tmp_path):
    (tmp_path / "grp").mkdir()
    (tmp_path / "config.yaml").write_text("defaults:\n  - grp: default\n  - _self_\n")
    (tmp_path / "grp" / "default.yaml").write_text("target: 0.62\nprotect: []\ninner:\n  steps: 3\n")
    (tmp_path / "grp" / "none.yaml").write_text("target: 1.0\n")
    return tmp_path


def test_compose_and_build(root):
    recipe = compose(["grp.target=0.4", "grp.inner.steps=7"], root=root)
    config = build(Example, recipe["grp"], "grp")
    assert config == Example(target=0.4, protect=[], inner=Inner(steps=7))
    assert build(Example, compose(["grp=none"], root=root)["grp"], "grp").target == 1.0


@pytest.mark.parametrize("overrides, message", [
    (["grp.targt=1"], "Could not override 'grp.targt'"),
    (["+grp.targt=1"], "unknown recipe key grp.targt; valid keys: inner, name, protect, target"),
    (["grp.target=abc"], "grp.target must be a number, got 'abc'"),
    (["grp.target=1.5"], r"grp: target must be in \(0, 1\], got 1.5"),
    (["grp.inner.steps=2.5"], "grp.inner.steps must be an integer"),
    (["grp=nope"], "available: default, none"),
    (["grp.target"], "recipe:"),
])
def test_errors_name_the_key(root, overrides, message):
    with pytest.raises(RecipeError, match=message):
        build(Example, compose(overrides, root=root)["grp"], "grp")


def test_unknown_preset(root):
    with pytest.raises(RecipeError, match="unknown recipe preset 'fast'; available: config"):
        compose([], preset="fast", root=root)


def test_split_overrides():
    assert split_overrides(["a", "x.y=1", "b", "+z=2", "~w"]) == (["x.y=1", "+z=2", "~w"], ["a", "b"])


def test_overrides_only_names_the_stray_word():
    assert overrides_only(["x.y=1", "~w"], "p.key=value") == ["x.y=1", "~w"]
    assert overrides_only(None, "p.key=value") == []
    with pytest.raises(InputError, match="unexpected argument 'oops'; recipe overrides look like p.key=value"):
        overrides_only(["x.y=1", "oops"], "p.key=value")
