"""The precision table: which layers are INT8, which are islands, which stay float."""

import pytest

from compress.quant.config import DEFAULT_ISLANDS
from compress.quant.policy import FLOAT, INT8, ISLAND, QatError, layer_names, match_islands, plan_layers


def test_default_islands_are_the_last_two_vocoder_stages_and_the_output_conv(tiny_voice):
    arch = tiny_voice.vocoder.arch
    last, blocks = len(arch.upsample_scales) - 1, len(arch.resblock_kernel_sizes)
    islands = set(match_islands(DEFAULT_ISLANDS, tiny_voice))
    expected = {"voc.conv_post.conv1d"}
    for stage in (last - 1, last):
        expected |= {f"voc.transpose_upsamples.{stage}.1.deconv", f"voc.repeat_upsamples.{stage}.2.conv1d"}
        expected |= {name for name in layer_names(tiny_voice)
                     if name.startswith("voc.conv_blocks.") and int(name.split(".")[2]) // blocks == stage}
    assert islands == expected
    assert not any(f"upsamples.{last - 2}." in name for name in islands)


def test_a_pattern_that_matches_nothing_is_an_error_naming_it(tiny_voice):
    with pytest.raises(QatError, match=r"voc\\\\.stage\\\\.9"):
        match_islands([r"voc\.conv_post", r"voc\.stage\.9\..*"], tiny_voice)
    with pytest.raises(QatError, match="not a valid regex"):
        match_islands(["voc.conv_post(("], tiny_voice)


def test_every_conv_and_linear_is_int8_or_an_island_and_lstms_embeddings_attention_stay_float(tiny_voice):
    plans = {p.name: p for p in plan_layers(tiny_voice, DEFAULT_ISLANDS, "output")}
    for name in layer_names(tiny_voice):
        assert plans[name].precision in (INT8, ISLAND)
    assert plans["am.mel_postnet.lstm"].precision == FLOAT
    assert plans["am.text_encoder.sy_emb"].precision == FLOAT
    assert plans["am.mel_decoder.mel_dec.pnca.0.pnca_attn"].precision == FLOAT
    assert plans["am.mel_decoder.mel_dec.pnca.0.pnca_attn.w_x_qkv"].precision == INT8
    assert plans["am.variance_adaptor.pitch_predictor.fsmn.memory_block_lst.0.conv_dw"].precision == INT8
    assert plans["voc.transpose_upsamples.0.1.deconv"].weight_axis == 1
    assert all(p.precision != ISLAND for p in plan_layers(tiny_voice, [], "input"))
    assert {p.weight_axis for p in plan_layers(tiny_voice, [], "input") if p.kind == "ConvTranspose1d"} == {0}


def test_last_minus_one_names_the_stage_before_the_last(tiny_voice):
    last = len(tiny_voice.vocoder.arch.upsample_scales) - 1
    islands = match_islands([r"voc\.stage\.{last-1}\.transpose"], tiny_voice)
    assert islands == [f"voc.transpose_upsamples.{last - 1}.1.deconv"]
