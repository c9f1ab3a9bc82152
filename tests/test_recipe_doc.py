"""The recipe reference is generated: docs/recipes.md is what compress.recipe_doc writes, and
every key of every group has its meaning beside it in the group's YAML."""

from __future__ import annotations

from compress import recipe_doc


def test_the_reference_is_current():
    assert recipe_doc.DOC.read_text(encoding="utf-8") == recipe_doc.document(), \
        "docs/recipes.md is stale: run python -m compress.recipe_doc"


def test_every_key_is_documented():
    text = recipe_doc.document()
    missing = [line for line in text.splitlines() if recipe_doc.UNDOCUMENTED in line]
    assert not missing, missing


def test_every_group_and_key_is_listed():
    text = recipe_doc.document()
    for group, config_class in recipe_doc.groups():
        assert f"## {group}" in text
        for key, _ in recipe_doc.fields(config_class):
            assert f"| `{group}.{key}` |" in text, key
