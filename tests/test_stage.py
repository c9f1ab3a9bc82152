"""The stage contract with stand-in stages, so that save, load, revert and diff are tested
independently of any real stage:

- NudgeAndPrune: a fixed pruning plan plus a weight nudge (new widths, no mode);
- RangedConv: swaps a conv for a subclass with a quantizer-like `amax` buffer (a mode);
- WriteArtifact: declares an extra file that loading hands to a runtime (a mode + artifact).
"""

import json
import random
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from compress import registry
from compress.checkpoint import load_checkpoint, serialize, sha256, voice_tensors, weights_sha256
from compress.errors import CompressError
from compress.loading import load_voice
from compress.prune.surgery import remove
from compress.units.voice_groups import voice_groups
from compress.registry import StageEntry
from compress.stage import Stage, StageContext, StageRecord, StageResult, revert, run_stage
from tests.conftest import SHARED_16K, TINY

VOICE_DIR = TINY / "voices" / "refvoice"


@dataclass
class NudgeConfig:
    amount: float = 0.5

    def __post_init__(self):
        if not 0 < self.amount < 10:
            raise ValueError(f"amount must be in (0, 10), got {self.amount}")


class NudgeAndPrune(Stage):
    name = "test-prune"

    def apply(self, voice, config, ctx):
        groups = {g.name: g for g in voice_groups(voice.am.arch, voice.vocoder.arch)}
        rng = random.Random(len(voice_tensors(voice)) + voice.parameter_count())
        plan = {n: [sorted(rng.sample(range(g.block_size), max(1, g.block_size // 2))) for _ in range(g.blocks)]
                for n, g in groups.items() if n.startswith(("am.encoder", "voc.stage.1"))}
        small = remove(voice, groups, plan)
        with torch.no_grad():
            small.am.mel_postnet.fc.bias.add_(config.amount)  # a change that keeps the shape
        changes = [{"group": n, "kept": len(k[0])} for n, k in plan.items()]
        return StageResult(small, StageRecord(changes=changes, metrics={"x": 1.0}, report="# test\n"))


class RangedConv1d(torch.nn.Conv1d):
    """A Conv1d that also carries a per-channel range, as a quantized conv would."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.register_buffer("amax", torch.zeros(self.out_channels))


def _swap_conv_pre(voice) -> RangedConv1d:
    old = voice.vocoder.conv_pre.conv1d
    new = RangedConv1d(old.in_channels, old.out_channels, old.kernel_size, dilation=old.dilation)
    voice.vocoder.conv_pre.conv1d = new
    return new


class RangedConv(Stage):
    name = "test-ranged"

    def apply(self, voice, config, ctx):
        import copy

        made = copy.deepcopy(voice)
        weight, bias = made.vocoder.conv_pre.conv1d.weight.detach(), made.vocoder.conv_pre.conv1d.bias.detach()
        new = _swap_conv_pre(made)
        with torch.no_grad():
            new.weight.copy_(weight * 0.99)
            new.bias.copy_(bias)
            new.amax.copy_(weight.abs().amax(dim=(1, 2)))
        return StageResult(made, StageRecord(report="# ranged\n"), mode={"swapped": ["voc.conv_pre.conv1d"]})

    def restore(self, voice, mode, stage_dir):
        assert mode == {"swapped": ["voc.conv_pre.conv1d"]}
        _swap_conv_pre(voice)
        return voice


class WriteArtifact(Stage):
    name = "test-artifact"

    def apply(self, voice, config, ctx):
        table = json.dumps({"scale": config.amount}).encode()
        return StageResult(voice, StageRecord(report="# artifact\n"), mode={"artifact": "table.json"},
                           artifacts={"table.json": table})

    def restore(self, voice, mode, stage_dir):
        voice.runtime["table"] = json.loads((Path(stage_dir) / mode["artifact"]).read_text())
        return voice


ENTRIES = [StageEntry(cls.name, NudgeConfig, "test", cls()) for cls in (NudgeAndPrune, RangedConv, WriteArtifact)]


@pytest.fixture(autouse=True, scope="module")
def stand_in_stages():
    for entry in ENTRIES:
        registry.register(entry)
    yield
    for entry in ENTRIES:
        registry.unregister(entry.name)


def run(name, voice, out, amount=0.5):
    ctx = StageContext(recipe={"test": {"amount": amount}}, overrides=["a=1"], seed=0)
    path, _ = run_stage(registry.get(name), voice, NudgeConfig(amount), ctx, out)
    return path


def original_states(voice_dir: Path) -> dict:
    am = next((voice_dir / "am" / "ckpt").glob("*.pth"))
    voc = next((voice_dir / "voc" / "ckpt").glob("*.pth"))
    return {"am": torch.load(am, weights_only=True)["model"],
            "voc": torch.load(voc, weights_only=True)["model"]["generator"]}


def assert_same_states(a: dict, b: dict) -> None:
    for part in ("am", "voc"):
        assert list(a[part]) == list(b[part]), part
        for key, tensor in a[part].items():
            assert b[part][key].dtype == tensor.dtype and torch.equal(b[part][key], tensor), key


@pytest.fixture(scope="module")
def stage_dir(tmp_path_factory):
    return run("test-prune", load_voice(VOICE_DIR), tmp_path_factory.mktemp("s") / "01-test")


@pytest.fixture(scope="module")
def second_dir(stage_dir):
    return run("test-prune", load_voice(stage_dir), stage_dir.parent / "02-test", amount=0.25)


def test_stage_dir_layout_and_manifest(stage_dir, tiny_voice):
    names = sorted(p.name for p in stage_dir.iterdir())
    assert names == ["arch.json", "import.safetensors", "manifest.json", "model.safetensors", "report.md",
                     "revert.safetensors"]
    manifest = json.loads((stage_dir / "manifest.json").read_text())
    assert manifest["version"] == 2 and manifest["stage"] == "test-prune"
    root, entry = manifest["history"]
    assert root["stage"] == "import" and root["format"] == "kantts" and root["source"] == str(VOICE_DIR.resolve())
    assert root["files"]["am/config.yaml"] == sha256((VOICE_DIR / "am" / "config.yaml").read_bytes())
    assert root["output_sha256"] == entry["input_sha256"] == weights_sha256(tiny_voice)
    assert entry["output_sha256"] == manifest["weights_sha256"]
    assert entry["config"] == {"type": "test-prune", "version": 1, "values": {"amount": 0.5}}
    assert entry["overrides"] == ["a=1"] and entry["dir"] == str(stage_dir.resolve())
    for name, digest in entry["files"].items():
        assert sha256((stage_dir / name).read_bytes()) == digest, name
    assert entry["totals"]["params_after"] < entry["totals"]["params_before"]
    assert load_checkpoint(stage_dir).parameter_count() == entry["totals"]["params_after"]


def test_revert_writes_the_original_kantts_checkpoints(tmp_path, stage_dir, cli):
    res = cli("revert", "--voice", stage_dir, "--out", tmp_path / "parent")
    assert res.code == 0, res.stderr
    assert_same_states(original_states(VOICE_DIR), original_states(tmp_path / "parent"))
    for name in ("audio_config.yaml", "am/config.yaml", "voc/config.yaml"):
        assert (tmp_path / "parent" / name).read_bytes() == (VOICE_DIR / name).read_bytes()
    assert weights_sha256(load_voice(tmp_path / "parent")) == weights_sha256(load_voice(VOICE_DIR))


def test_revert_as_project_gives_the_voice_as_loaded(tmp_path, stage_dir, tiny_voice):
    back = revert(stage_dir, tmp_path / "loaded", fmt="project")
    original, restored = voice_tensors(tiny_voice), voice_tensors(load_checkpoint(back))
    assert original.keys() == restored.keys() and all(torch.equal(original[k], restored[k]) for k in original)


def test_revert_of_a_chain_one_step_and_to_the_root(tmp_path, stage_dir, second_dir, cli):
    history = json.loads((second_dir / "manifest.json").read_text())["history"]
    assert [e["stage"] for e in history] == ["import", "test-prune", "test-prune"]
    back = revert(second_dir, tmp_path / "back")
    for name in sorted(p.name for p in stage_dir.iterdir()):
        assert (back / name).read_bytes() == (stage_dir / name).read_bytes(), name
    assert cli("revert", "--voice", second_dir, "--to", "0", "--out", tmp_path / "root").code == 0
    assert_same_states(original_states(VOICE_DIR), original_states(tmp_path / "root"))


@pytest.mark.parametrize("victim", ["revert.safetensors", "import.safetensors"])
def test_tampered_file_anywhere_in_a_chain_is_refused(tmp_path, stage_dir, victim):
    copy_dir = tmp_path / "01-copy"
    second = run("test-prune", load_voice(stage_dir), tmp_path / "02")
    import shutil

    shutil.copytree(stage_dir, copy_dir)
    tensors = load_file(stage_dir / victim)
    key = next(k for k in tensors if tensors[k].is_floating_point())
    tensors[key] = tensors[key] + 1
    try:
        save_file(tensors, stage_dir / victim, metadata={"format": "sambert-compress"})
        with pytest.raises(CompressError, match=f"{victim} does not match the recorded sha256"):
            revert(second, tmp_path / "root", to=0)
        assert not (tmp_path / "root").exists()
    finally:
        shutil.rmtree(stage_dir)
        shutil.copytree(copy_dir, stage_dir)


def test_tampered_weights_are_refused(tmp_path, stage_dir, cli):
    import shutil

    copy = shutil.copytree(stage_dir, tmp_path / "copy")
    tensors = load_file(copy / "model.safetensors")
    key = next(iter(tensors))
    tensors[key] = tensors[key] + 1
    save_file(tensors, copy / "model.safetensors", metadata={"format": "sambert-compress"})
    res = cli("revert", "--voice", copy, "--out", tmp_path / "p")
    assert res.code == 2 and "manifest.json does not match its weights" in res.stderr
    assert not (tmp_path / "p").exists()


def test_module_swap_round_trips_and_reverts(tmp_path, tiny_voice):
    path = run("test-ranged", tiny_voice, tmp_path / "01-ranged")
    loaded = load_voice(path)
    conv = loaded.vocoder.conv_pre.conv1d
    assert isinstance(conv, RangedConv1d) and loaded.modes == [{"stage": "test-ranged",
                                                                 "mode": {"swapped": ["voc.conv_pre.conv1d"]}}]
    weight = tiny_voice.vocoder.conv_pre.conv1d.weight
    assert torch.equal(conv.amax, weight.abs().amax(dim=(1, 2)))
    saved = load_file(path / "model.safetensors")
    assert all(torch.equal(saved[k], v) for k, v in voice_tensors(loaded).items())
    back = load_checkpoint(revert(path, tmp_path / "back", fmt="project"))
    original, restored = voice_tensors(tiny_voice), voice_tensors(back)
    assert original.keys() == restored.keys() and all(torch.equal(original[k], restored[k]) for k in original)
    assert type(back.vocoder.conv_pre.conv1d) is torch.nn.Conv1d


def _rewrite_weights(stage_dir: Path, tensors: dict) -> None:
    data = serialize(tensors)
    (stage_dir / "model.safetensors").write_bytes(data)
    manifest = json.loads((stage_dir / "manifest.json").read_text())
    manifest["weights_sha256"] = manifest["history"][-1]["output_sha256"] = sha256(data)
    (stage_dir / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize("change, message", [
    (lambda t: t.update({"voc.conv_pre.conv1d.extra": torch.zeros(2)}), "unexpected tensor conv_pre.conv1d.extra"),
    (lambda t: t.pop("voc.conv_pre.conv1d.amax"), "lacks conv_pre.conv1d.amax"),
    (lambda t: t.update({"other.x": torch.zeros(1)}), "unexpected tensor other.x"),
])
def test_extra_or_missing_tensor_is_refused_by_name(tmp_path, tiny_voice, change, message):
    path = run("test-ranged", tiny_voice, tmp_path / "01-ranged")
    tensors = load_file(path / "model.safetensors")
    change(tensors)
    _rewrite_weights(path, tensors)
    with pytest.raises(CompressError, match=message):
        load_voice(path)


def test_artifact_stage_declares_checks_and_hands_over_its_file(tmp_path, tiny_voice):
    path = run("test-artifact", tiny_voice, tmp_path / "01-art", amount=2.0)
    entry = json.loads((path / "manifest.json").read_text())["history"][-1]
    assert entry["files"]["table.json"] == sha256((path / "table.json").read_bytes())
    assert load_voice(path).runtime["table"] == {"scale": 2.0}
    back = load_checkpoint(revert(path, tmp_path / "back", fmt="project"))
    assert weights_sha256(back) == weights_sha256(tiny_voice)
    (path / "table.json").write_text('{"scale": 3.0}')
    with pytest.raises(CompressError, match="table.json does not match the sha256"):
        load_voice(path)


def test_revert_bad_requests(tmp_path, stage_dir, cli):
    assert "is not a stage dir" in cli("revert", "--voice", VOICE_DIR, "--out", tmp_path / "x").stderr
    (tmp_path / "exists").mkdir()
    assert "output already exists" in cli("revert", "--voice", stage_dir, "--out", tmp_path / "exists").stderr
    res = cli("revert", "--voice", stage_dir, "--to", "1", "--out", tmp_path / "y")
    assert res.code == 2 and "--to must be between 0" in res.stderr
    res = cli("revert", "--voice", stage_dir, "--format", "onnx", "--out", tmp_path / "z")
    assert res.code == 2 and "unknown revert format" in res.stderr


def test_old_spelling_of_revert_still_works(tmp_path, stage_dir, cli):
    assert cli("revert", stage_dir, "--out", tmp_path / "old").code == 0


def test_diff_tables(stage_dir, second_dir, cli):
    res = cli("diff", "--voice", stage_dir)
    assert res.code == 0 and "am.encoder.0.ffn" in res.stdout and "kept 0." in res.stdout
    assert "0:import -> 1:test-prune" in res.stdout
    res = cli("diff", "--voice", TINY / "voices", "--voice", stage_dir)
    assert res.code == 0
    assert "mel_postnet.fc" in res.stdout and "0.5" in res.stdout  # the nudged bias
    assert "pos_ffn.w_1" in res.stdout  # a pruned layer
    res = cli("diff", "--voice", stage_dir, "--voice", second_dir)
    assert "descends from" in res.stdout and "2:test-prune" in res.stdout


def test_diff_of_a_plain_voice_needs_two(cli):
    res = cli("diff", "--voice", TINY / "voices" / "refvoice")
    assert res.code == 2 and "is not a stage dir" in res.stderr


def test_running_over_a_modified_stage_voice_is_refused(tmp_path, stage_dir):
    voice = load_voice(stage_dir)
    with torch.no_grad():
        voice.am.mel_postnet.fc.bias.add_(1.0)
    with pytest.raises(CompressError, match="differs from its stage dir"):
        run("test-prune", voice, tmp_path / "02")


@pytest.mark.skipif(not SHARED_16K.is_dir(), reason=f"{SHARED_16K} is not present (set SAMBERT_COMPRESS_REFERENCE)")
def test_released_shape_voice_reverts_to_its_original_checkpoints(tmp_path):
    """Two stages over the 16 kHz released-shape voice (weight-normed vocoder), then revert to
    the root: the original checkpoints' tensors, keys and dtypes again."""
    voice_dir = SHARED_16K / "voices" / "refvoice"
    first = run("test-ranged", load_voice(voice_dir), tmp_path / "01")
    second = run("test-artifact", load_voice(first), tmp_path / "02")
    assert json.loads((first / "manifest.json").read_text())["history"][0]["load_changes"]["kept_tensors"] > 0
    revert(second, tmp_path / "root", to=0)
    assert_same_states(original_states(voice_dir), original_states(tmp_path / "root"))


def test_a_stage_that_hands_back_its_input_leaves_the_parent_object_alone(tmp_path):
    voice = load_voice(VOICE_DIR)
    run("test-artifact", voice, tmp_path / "01")
    assert voice.source == VOICE_DIR and voice.modes == [] and voice.runtime == {}
