"""The prunable groups of the tiny voice: every kind, under the names the recipes use."""

from compress.units.voice_groups import voice_groups

def test_every_kind_of_group_is_found(tiny_voice):
    groups = voice_groups(tiny_voice.am.arch, tiny_voice.vocoder.arch)
    kinds = {g.kind for g in groups}
    assert kinds == {"ffn", "heads", "lstm", "fsmn_memory", "prenet", "conv"}
    names = {g.name for g in groups}
    assert {"am.encoder.0.heads", "am.decoder.1.heads", "am.pitch.blstm", "am.duration.lstm",
            "am.postnet.fsmn.memory", "voc.stage.3", "voc.stage.0.res.2.3", "voc.conv_pre"} <= names
