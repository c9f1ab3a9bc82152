import pytest

from compress.checkpoint import voice_tensors
from compress.prune.allocate import aligned_count, allocate, kept_count, match_patterns
from compress.prune.surgery import PruneError, planned_parameters
from compress.units.voice_groups import voice_groups

FRACTIONS = [0.1 * i for i in range(1, 10)]


@pytest.fixture(scope="module")
def setup(tiny_voice):
    groups = {g.name: g for g in voice_groups(tiny_voice.am.arch, tiny_voice.vocoder.arch)}
    shapes = {k: t.shape for k, t in voice_tensors(tiny_voice).items()}
    importance = {n: [[float(u) for u in range(g.block_size)] for _ in range(g.blocks)] for n, g in groups.items()}
    return groups, shapes, importance


def test_rounding():
    assert kept_count(16, 0.6) == 10 and kept_count(8, 0.6) == 5 and kept_count(4, 0.1) == 1


def test_aligned_counts():
    assert aligned_count(13, 128, 8) == 16 and aligned_count(11, 128, 8) == 8 and aligned_count(3, 128, 8) == 8
    assert aligned_count(125, 128, 8) == 128 and aligned_count(77, 128, 1) == 77
    assert aligned_count(5, 12, 8) == 5  # narrower than two multiples: any count


def test_kept_widths_are_multiples_and_target_is_met(setup):
    groups, shapes, importance = setup
    total = sum(s.numel() for s in shapes.values())
    curves = {n: [(f, f) for f in FRACTIONS] for n, g in groups.items() if g.kind != "heads"}
    result = allocate(groups, importance, curves, shapes, int(0.7 * total), 0.6, set(), multiple=8)
    assert result.params_after <= 0.7 * total
    widths = {n: len(result.plan[n][0]) for n, g in groups.items() if g.kind != "heads" and n in result.plan}
    unaligned = [n for n, kept in widths.items()
                 if kept % 8 and groups[n].block_size >= 16 and kept != groups[n].block_size]
    assert len(widths) > 1 and len(unaligned) <= 1  # only the group trimmed to meet the target


def test_cheap_groups_are_pruned_first_and_target_is_met(setup):
    groups, shapes, importance = setup
    total = sum(s.numel() for s in shapes.values())
    # the vocoder's residual units are "free" to prune, everything else expensive
    curves = {n: [(f, (0.01 if n.startswith("voc.stage.") and ".res." in n else 5.0) * f) for f in FRACTIONS]
              for n, g in groups.items() if g.kind != "heads"}
    result = allocate(groups, importance, curves, shapes, int(0.8 * total), 0.6, set())
    assert result.params_after <= 0.8 * total
    assert result.params_after == planned_parameters(groups, result.plan, shapes)
    pruned = {n for n, f in result.fractions.items() if f > 0}
    assert pruned and all(".res." in n for n in pruned)
    for name, group in groups.items():
        if group.kind == "heads":
            assert all(len(b) == kept_count(group.block_size, 0.6) for b in result.plan[name])
            assert result.plan[name][0] == list(range(group.block_size))[-len(result.plan[name][0]):]


def test_protected_groups_stay_whole(setup):
    groups, shapes, importance = setup
    total = sum(s.numel() for s in shapes.values())
    curves = {n: [(f, f) for f in FRACTIONS] for n, g in groups.items() if g.kind != "heads"}
    protected = match_patterns([r"voc\..*", "am.encoder.0.heads"], list(groups))
    result = allocate(groups, importance, curves, shapes, int(0.9 * total), 0.6, protected)
    assert not any(n in result.plan for n in protected)


def test_unreachable_target(setup):
    groups, shapes, importance = setup
    curves = {n: [(0.1, 1.0)] for n, g in groups.items() if g.kind != "heads"}
    with pytest.raises(PruneError, match="cannot reach"):
        allocate(groups, importance, curves, shapes, 10, 0.6, set())


def test_patterns():
    names = ["am.encoder.0.ffn", "am.encoder.1.ffn", "voc.stage.0"]
    assert match_patterns(["am.encoder.0.ffn"], names) == {"am.encoder.0.ffn"}
    assert match_patterns([r"am\.encoder\.\d\.ffn"], names) == {"am.encoder.0.ffn", "am.encoder.1.ffn"}
    with pytest.raises(PruneError, match="matches no prunable layer"):
        match_patterns(["am.decoder.*"], names)
    with pytest.raises(PruneError, match="not a valid regex"):
        match_patterns(["am.(("], names)


def test_floors_prune_every_group_of_a_kind(setup):
    groups, shapes, importance = setup
    total = sum(s.numel() for s in shapes.values())
    curves = {n: [(0.0, 0.0)] + [(f, f) for f in FRACTIONS] for n, g in groups.items() if g.kind != "heads"}
    result = allocate(groups, importance, curves, shapes, total, 1.0, set(), {"lstm": 0.25})
    lstms = [n for n, g in groups.items() if g.kind == "lstm"]
    assert lstms and all(result.fractions[n] >= 0.25 for n in lstms)
    assert all(result.fractions[n] == 0 for n, g in groups.items() if g.kind not in ("lstm", "heads"))
