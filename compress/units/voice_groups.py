"""The prunable groups of a Sambert + HiFi-GAN voice, derived from its architecture.

Residual streams whose width many layers share (the encoder and decoder model widths,
text_hid) are not pruned; everything that is internal to a block is: FFN channels, head
dimensions, LSTM hidden units, FSMN inner and memory units, prenet units, and the
vocoder's stage and residual-unit channels.
"""

from __future__ import annotations

from compress.models.arch import FsmnArch, HifiGanArch, SambertArch
from compress.units.groups import Member, UnitGroup, consumer, head_members, lstm_layer, producer


def _set_item(part: str, path: tuple):
    """A resize callback: arches[part].<path...> = n (path of attribute names and indices)."""

    def resize(arches: dict, size: int) -> None:
        target = arches[part]
        for step in path[:-1]:
            target = target[step] if isinstance(step, int) else getattr(target, step)
        last = path[-1]
        if isinstance(last, int):
            target[last] = size
        else:
            setattr(target, last, size)

    return resize


def voice_groups(am: SambertArch, voc: HifiGanArch) -> list[UnitGroup]:
    return sambert_groups(am) + hifigan_groups(voc)


def sambert_groups(arch: SambertArch) -> list[UnitGroup]:
    groups = []
    enc = "am.text_encoder.ling_enc.fft"
    for i, (attn, inner) in enumerate(zip(arch.encoder_attn, arch.encoder_ffn)):
        groups.append(_ffn(f"am.encoder.{i}.ffn", f"{enc}.{i}.pos_ffn", inner, ("encoder_ffn", i)))
        groups.append(UnitGroup(
            f"am.encoder.{i}.heads", "heads", attn.n_head, attn.d_head,
            head_members(attn.n_head, attn.d_head, f"{enc}.{i}.slf_attn.w_qkv", [f"{enc}.{i}.slf_attn.fc"]),
            _set_item("am", ("encoder_attn", i, "d_head"))))
    dec = "am.mel_decoder.mel_dec"
    for j, units in enumerate(arch.decoder_prenet):
        groups.append(UnitGroup(
            f"am.decoder.prenet.{j}", "prenet", 1, units,
            producer(f"{dec}.prenet.fcs.{3 * j}") + [consumer(f"{dec}.prenet.fcs.{3 * j + 3}")],
            _set_item("am", ("decoder_prenet", j))))
    for i, (attn, inner) in enumerate(zip(arch.decoder_attn, arch.decoder_ffn)):
        block = f"{dec}.pnca.{i}"
        groups.append(_ffn(f"am.decoder.{i}.ffn", f"{block}.pos_ffn", inner, ("decoder_ffn", i)))
        groups.append(UnitGroup(
            f"am.decoder.{i}.heads", "heads", attn.n_head, attn.d_head,
            head_members(attn.n_head, attn.d_head, f"{block}.pnca_attn.w_x_qkv",
                         [f"{block}.pnca_attn.fc_x", f"{block}.pnca_attn.fc_h"], kv=f"{block}.pnca_attn.w_h_kv"),
            _set_item("am", ("decoder_attn", i, "d_head"))))
    for name in ("pitch", "energy"):
        base = f"am.variance_adaptor.{name}_predictor"
        fsmn, hidden = getattr(arch, f"{name}_fsmn"), getattr(arch, f"{name}_lstm")
        lstm_inputs = [Member(f"{base}.blstm.weight_ih_l0", 1), Member(f"{base}.blstm.weight_ih_l0_reverse", 1)]
        groups += _fsmn(f"am.{name}", f"{base}.fsmn", fsmn, f"{name}_fsmn", lstm_inputs)
        groups.append(UnitGroup(
            f"am.{name}.blstm", "lstm", 2, hidden,
            lstm_layer(f"{base}.blstm", "l0", hidden, block=0)
            + lstm_layer(f"{base}.blstm", "l0_reverse", hidden, block=1)
            + [Member(f"{base}.fc.weight", 1, (0,), hidden)],
            _set_item("am", (f"{name}_lstm",))))
    groups += _duration_groups(arch)
    post = "am.mel_postnet"
    groups += _fsmn("am.postnet", f"{post}.fsmn", arch.postnet_fsmn, "postnet_fsmn",
                    [Member(f"{post}.lstm.weight_ih_l0", 1)])
    groups.append(UnitGroup(
        "am.postnet.lstm", "lstm", 1, arch.postnet_lstm,
        lstm_layer(f"{post}.lstm", "l0", arch.postnet_lstm) + [consumer(f"{post}.fc")],
        _set_item("am", ("postnet_lstm",))))
    return groups


def _ffn(name: str, prefix: str, inner: int, path: tuple) -> UnitGroup:
    return UnitGroup(name, "ffn", 1, inner, producer(f"{prefix}.w_1") + [consumer(f"{prefix}.w_2")],
                     _set_item("am", path))


def _fsmn(name: str, prefix: str, arch: FsmnArch, attr: str, memory_consumers: list[Member]) -> list[UnitGroup]:
    groups = [
        UnitGroup(f"{name}.fsmn.{i}.ffn", "ffn", 1, inner,
                  producer(f"{prefix}.ffn_lst.{i}.w_1") + [consumer(f"{prefix}.ffn_lst.{i}.w_2")],
                  _set_item("am", (attr, "d_inner", i)))
        for i, inner in enumerate(arch.d_inner)
    ]
    if arch.first_residual:
        return groups  # layer 0 adds its input: memory width is tied to the input width
    members = []
    for i in range(len(arch.d_inner)):
        members += [Member(f"{prefix}.ffn_lst.{i}.w_2.weight", 0, producer=True),
                    Member(f"{prefix}.memory_block_lst.{i}.conv_dw.weight", 0, producer=True)]
        if i:
            members.append(consumer(f"{prefix}.ffn_lst.{i}.w_1"))
    groups.append(UnitGroup(f"{name}.fsmn.memory", "fsmn_memory", 1, arch.d_memory,
                            members + memory_consumers, _set_item("am", (attr, "d_memory"))))
    return groups


def _duration_groups(arch: SambertArch) -> list[UnitGroup]:
    base = "am.variance_adaptor.duration_predictor"
    groups = []
    for j, units in enumerate(arch.dur_prenet):
        last = j == len(arch.dur_prenet) - 1
        # the prenet output occupies the first columns of the LSTM input, before the condition
        reader = Member(f"{base}.lstm.weight_ih_l0", 1) if last else consumer(f"{base}.prenet.fcs.{3 * j + 3}")
        groups.append(UnitGroup(f"am.duration.prenet.{j}", "prenet", 1, units,
                                producer(f"{base}.prenet.fcs.{3 * j}") + [reader],
                                _set_item("am", ("dur_prenet", j))))
    hidden, layers = arch.dur_lstm, arch.dur_lstm_layers
    members = []
    for k in range(layers):
        members += lstm_layer(f"{base}.lstm", f"l{k}", hidden, block=k)
        reader = f"{base}.lstm.weight_ih_l{k + 1}" if k + 1 < layers else f"{base}.fc.weight"
        members.append(Member(reader, 1, block=k))
    groups.append(UnitGroup("am.duration.lstm", "lstm", layers, hidden, members,
                            _set_item("am", ("dur_lstm",))))
    return groups


def hifigan_groups(arch: HifiGanArch) -> list[UnitGroup]:
    groups = []
    n_kernels = len(arch.resblock_kernel_sizes)
    stages = len(arch.upsample_scales)

    def readers(i: int) -> list[Member]:
        """Layers that read stage i's output (i = -1: conv_pre's output)."""
        nxt = i + 1
        if nxt < stages:
            return [consumer(f"voc.repeat_upsamples.{nxt}.2.conv1d"),
                    consumer(f"voc.transpose_upsamples.{nxt}.1.deconv", dim=0)]
        return [consumer("voc.conv_post.conv1d")]

    groups.append(UnitGroup("voc.conv_pre", "conv", 1, arch.stage_channels[0],
                            producer("voc.conv_pre.conv1d") + readers(-1),
                            _set_item("voc", ("stage_channels", 0))))
    for i in range(stages):
        members = producer(f"voc.repeat_upsamples.{i}.2.conv1d") + producer(f"voc.transpose_upsamples.{i}.1.deconv", dim=1)
        if arch.nsf:  # an NSF stage also adds its downsampled excitation into these channels
            members += producer(f"voc.source_downs.{i}.conv1d")
        for k in range(n_kernels):
            block = f"voc.conv_blocks.{i * n_kernels + k}"
            for j in range(len(arch.resblock_dilations[k])):
                # the residual chain: every unit's conv2 writes into the stage's channels
                members += producer(f"{block}.convs2.{j}.conv1d") + [consumer(f"{block}.convs1.{j}.conv1d")]
                groups.append(UnitGroup(
                    f"voc.stage.{i}.res.{k}.{j}", "conv", 1, arch.resblock_inner[i][k][j],
                    producer(f"{block}.convs1.{j}.conv1d") + [consumer(f"{block}.convs2.{j}.conv1d")],
                    _set_item("voc", ("resblock_inner", i, k, j))))
        groups.append(UnitGroup(f"voc.stage.{i}", "conv", 1, arch.stage_channels[i + 1], members + readers(i),
                                _set_item("voc", ("stage_channels", i + 1))))
    return groups
