"""manifest.json: the version-2 history, its checks, and the one upgrade path from version 1."""

import pytest

from compress.errors import VoiceLoadError
from compress.manifest import IMPORT, SCHEMA, import_record, new_manifest, upgrade


def v1(stage, parent_path, parent_sha, arch, weights, manifest=None, **extra):
    return {"schema": SCHEMA, "version": 1, "stage": stage, "changes": [{"group": stage}], "totals": {},
            "metrics": {"m": 1}, "config": {"k": 1}, "weights_sha256": weights,
            "parent": {"path": parent_path, "sha256": parent_sha, "arch": arch, "manifest": manifest}, **extra}


def test_version_1_chain_becomes_a_flat_history():
    root = v1("prune", "/voices/refvoice", "a" * 64, {"x": 1}, "b" * 64)
    child = v1("qat", "/runs/01-prune", "b" * 64, {"x": 2}, "c" * 64, manifest=root,
               revert={"file": "revert.safetensors", "tensors": 3})
    manifest = upgrade(child, "m.json")
    assert manifest["version"] == 2 and manifest["stage"] == "qat"
    history = manifest["history"]
    assert [e["stage"] for e in history] == [IMPORT, "prune", "qat"]
    assert history[0]["format"] == "unknown" and history[0]["source"] == "/voices/refvoice"
    assert [e["output_sha256"] for e in history] == ["a" * 64, "b" * 64, "c" * 64]
    assert [e.get("input_sha256") for e in history[1:]] == ["a" * 64, "b" * 64]
    assert history[2]["input_arch"] == {"x": 2} and history[1]["changes"] == [{"group": "prune"}]
    assert history[2]["files"] == {"revert.safetensors": None}


def test_new_manifest_starts_with_an_import_and_ends_with_the_weights():
    record = import_record("/v", "memory", "d" * 64, {"a": 1})
    manifest = new_manifest([record])
    assert manifest["stage"] == IMPORT and manifest["weights_sha256"] == "d" * 64
    assert upgrade(manifest, "m.json") == manifest
    with pytest.raises(ValueError):
        new_manifest([{"stage": "prune", "output_sha256": "e"}])


@pytest.mark.parametrize("change, message", [
    (lambda m: m.update(schema="other"), "is not a sambert-compress manifest"),
    (lambda m: m.update(version=7), "manifest version 7; this tool reads 1 and 2"),
    (lambda m: m.update(history=[]), "has no history"),
    (lambda m: m["history"][0].pop("output_sha256"), "history entry 0 .* lacks 'output_sha256'"),
    (lambda m: m["history"].append({"stage": "prune", "output_sha256": "d" * 64}), "entry 1 .*lacks 'input_sha256'"),
    (lambda m: m["history"][0].update(stage="prune"), "does not start with an import record"),
    (lambda m: m.update(weights_sha256="0"), "weights_sha256 differs"),
])
def test_malformed_manifests_are_refused_by_name(change, message):
    manifest = new_manifest([import_record("/v", "memory", "d" * 64, {})])
    change(manifest)
    with pytest.raises(VoiceLoadError, match=message):
        upgrade(manifest, "m.json")
