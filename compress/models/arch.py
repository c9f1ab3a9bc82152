"""Architecture descriptions: every width needed to build the modules, layer by layer.

A KAN-TTS config gives uniform widths; pruning makes them per-layer. Both are described by
the same dataclasses, so a pruned model rebuilds from `arch.json` alone. Attention keeps its
original temperature when head dimensions are pruned: the softmax must see the same scale.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields

from compress.errors import ConfigMismatchError

ARCH_VERSION = 1


@dataclass
class AttentionArch:
    n_head: int
    d_head: int  # per-head width of q, k and v (kept equal when pruning)
    temperature: float  # sqrt of the original d_head


@dataclass
class FsmnArch:
    filter_size: int
    shift: int
    d_memory: int  # memory units: one set shared by the residual chain
    d_inner: list[int]  # feed-forward inner width, per layer
    # KAN-TTS adds the layer input only when widths match; layer 0 decides once, at
    # build time from the original config, so that pruning cannot switch it on or off.
    first_residual: bool = False


@dataclass
class F0Norm:
    """How an NSF acoustic model's F0 channel (the second to last) is normalised (NSF.md §1)."""

    norm_type: str  # "mean_std" (mean/std from am/mvn.npy) or "global" (min/max from the config)
    mean: float = 0.0
    std: float = 1.0
    minimum: float = 30.0
    maximum: float = 730.0

    def __post_init__(self):
        if self.norm_type not in ("mean_std", "global"):
            raise ConfigMismatchError(f"nsf_norm_type must be mean_std or global, got {self.norm_type!r}")


@dataclass
class SambertArch:
    tables: dict[str, int]  # embedding-table sizes, from the checkpoint
    embedding_dim: int
    max_len: int
    d_model: int  # encoder width
    d_proj: int  # text_hid width (encoder_projection_units)
    speaker_units: int
    emotion_units: int
    encoder_attn: list[AttentionArch]
    encoder_ffn: list[int]
    pitch_fsmn: FsmnArch
    energy_fsmn: FsmnArch
    pitch_lstm: int
    energy_lstm: int
    dur_prenet: list[int]
    dur_lstm: int
    dur_lstm_layers: int
    decoder_prenet: list[int]
    decoder_d_model: int
    decoder_attn: list[AttentionArch]
    decoder_ffn: list[int]
    outputs_per_step: int
    num_mels: int
    postnet_fsmn: FsmnArch
    postnet_lstm: int
    # NSF voices: the last two output channels are F0 and voicing; None for plain voices.
    f0_norm: F0Norm | None = None
    version: int = ARCH_VERSION

    @property
    def d_memory(self) -> int:
        """Decoder memory width: r frames of text_hid, then speaker, then emotion."""
        return self.d_proj * self.outputs_per_step + self.speaker_units + self.emotion_units

    @property
    def d_var_in(self) -> int:
        return self.d_proj + self.speaker_units + self.emotion_units

    @classmethod
    def from_kantts(cls, params: dict, tables: dict[str, int],
                    f0_stats: tuple[float, float] | None = None) -> "SambertArch":
        """From `Model.KanTtsSAMBERT.params` of a KAN-TTS config; `f0_stats` is the
        (mean, std) of am/mvn.npy, needed by an NSF voice normalised by mean and std."""
        p = _Params(params, "Model.KanTtsSAMBERT.params")
        if p.get("SE", False) or p.get("FP", False):
            raise ConfigMismatchError("SE and FP Sambert variants are not supported")
        if p.get("using_byte", False):
            raise ConfigMismatchError("byte-input Sambert variants are not supported")

        def attn(units_key: str, heads_key: str) -> AttentionArch:
            units, heads = p.int(units_key), p.int(heads_key)
            return AttentionArch(heads, units // heads, math.sqrt(units // heads))

        def fsmn(prefix: str, d_in: int) -> FsmnArch:
            layers = p.int(f"{prefix}_fsmn_num_layers")
            return FsmnArch(
                filter_size=p.int(f"{prefix}_filter_size"),
                shift=p.int(f"{prefix}_shift"),
                d_memory=p.int(f"{prefix}_num_memory_units"),
                d_inner=[p.int(f"{prefix}_ffn_inner_dim")] * layers,
                first_residual=d_in == p.int(f"{prefix}_num_memory_units"),
            )

        enc_layers, dec_layers = p.int("encoder_num_layers"), p.int("decoder_num_layers")
        d_var_in = p.int("encoder_projection_units") + p.int("speaker_units") + p.int("emotion_units")
        return cls(
            tables=dict(tables),
            embedding_dim=p.int("embedding_dim"),
            max_len=p.int("max_len"),
            d_model=p.int("encoder_num_units"),
            d_proj=p.int("encoder_projection_units"),
            speaker_units=p.int("speaker_units"),
            emotion_units=p.int("emotion_units"),
            encoder_attn=[attn("encoder_num_units", "encoder_num_heads") for _ in range(enc_layers)],
            encoder_ffn=[p.int("encoder_ffn_inner_dim")] * enc_layers,
            pitch_fsmn=fsmn("predictor", d_var_in),
            energy_fsmn=fsmn("predictor", d_var_in),
            pitch_lstm=p.int("predictor_lstm_units"),
            energy_lstm=p.int("predictor_lstm_units"),
            dur_prenet=p.int_list("dur_pred_prenet_units"),
            dur_lstm=p.int("dur_pred_lstm_units"),
            dur_lstm_layers=2,
            decoder_prenet=p.int_list("decoder_prenet_units"),
            decoder_d_model=p.int("decoder_num_units"),
            decoder_attn=[attn("decoder_num_units", "decoder_num_heads") for _ in range(dec_layers)],
            decoder_ffn=[p.int("decoder_ffn_inner_dim")] * dec_layers,
            outputs_per_step=p.int("outputs_per_step"),
            num_mels=p.int("num_mels"),
            postnet_fsmn=fsmn("postnet", p.int("num_mels")),
            postnet_lstm=p.int("postnet_lstm_units"),
            f0_norm=_f0_norm(p, f0_stats) if p.get("NSF", False) else None,
        )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "SambertArch":
        data = dict(data)
        for key in ("encoder_attn", "decoder_attn"):
            data[key] = [AttentionArch(**a) for a in data[key]]
        for key in ("pitch_fsmn", "energy_fsmn", "postnet_fsmn"):
            data[key] = FsmnArch(**data[key])
        if data.get("f0_norm") is not None:
            data["f0_norm"] = F0Norm(**data["f0_norm"])
        return _construct(cls, data)


def _f0_norm(p: "_Params", f0_stats: tuple[float, float] | None) -> F0Norm:
    norm_type = p.get("nsf_norm_type", "mean_std")
    if p.int("num_mels") < 3:
        raise ConfigMismatchError("an NSF acoustic model needs num_mels >= 3 (mels, F0, voicing)")
    if norm_type == "mean_std":
        if f0_stats is None:
            raise ConfigMismatchError("an NSF voice normalised by mean_std needs am/mvn.npy")
        return F0Norm("mean_std", mean=float(f0_stats[0]), std=float(f0_stats[1]))
    return F0Norm(norm_type, minimum=float(p.get("nsf_f0_global_minimum", 30.0)),
                  maximum=float(p.get("nsf_f0_global_maximum", 730.0)))


@dataclass
class HifiGanArch:
    in_channels: int
    out_channels: int
    kernel_size: int
    upsample_scales: list[int]
    upsample_kernel_sizes: list[int]
    resblock_kernel_sizes: list[int]
    resblock_dilations: list[list[int]]
    causal: bool
    repeat_upsample: bool
    leaky_slope: float
    # Channel widths: stage_channels[0] is conv_pre's output, [i+1] is stage i's output.
    stage_channels: list[int]
    # Inner width of every residual unit (conv1's output), [stage][kernel][dilation].
    resblock_inner: list[list[list[int]]] = field(default_factory=list)
    # NSF vocoders (NSF.md §2): an F0-driven source of nsf_harmonics + 1 harmonics at
    # nsf_sample_rate; the input then has two channels more than conv_pre reads.
    nsf: bool = False
    nsf_harmonics: int = 0
    nsf_sample_rate: int = 0
    version: int = ARCH_VERSION

    @property
    def hop(self) -> int:
        return math.prod(self.upsample_scales)

    @property
    def input_channels(self) -> int:
        """Channels of the vocoder's input: the mel, plus F0 (Hz) and voicing for NSF."""
        return self.in_channels + (2 if self.nsf else 0)

    @property
    def source_rates(self) -> list[int]:
        """Per stage, how much the sample-rate excitation is downsampled to meet it."""
        return [math.prod(self.upsample_scales[i + 1:]) for i in range(len(self.upsample_scales))]

    @classmethod
    def from_kantts(cls, params: dict) -> "HifiGanArch":
        """From `Model.Generator.params` of a KAN-TTS vocoder config."""
        p = _Params(params, "Model.Generator.params")
        if p.get("out_channels", 1) != 1:
            raise ConfigMismatchError("multi-band (PQMF) HiFi-GAN variants are not supported")
        if p.get("nonlinear_activation", "LeakyReLU") != "LeakyReLU":
            raise ConfigMismatchError("only LeakyReLU HiFi-GAN generators are supported")
        scales = p.int_list("upsample_scales")
        kernels = p.int_list("upsample_kernal_sizes")
        if len(scales) != len(kernels):
            raise ConfigMismatchError("upsample_scales and upsample_kernal_sizes differ in length")
        channels = p.int("channels")
        stage_channels = [channels // (2**i) for i in range(len(scales) + 1)]
        res_kernels = p.int_list("resblock_kernel_sizes")
        dilations = [list(map(int, d)) for d in p.get("resblock_dilations")]
        if len(dilations) != len(res_kernels):
            raise ConfigMismatchError("resblock_dilations and resblock_kernel_sizes differ in length")
        inner = [[[c] * len(d) for d in dilations] for c in stage_channels[1:]]
        act = p.get("nonlinear_activation_params") or {}
        nsf = _nsf_params(p, scales, bool(p.get("causal", True)))
        return cls(
            in_channels=p.int("in_channels"),
            out_channels=1,
            kernel_size=p.int("kernel_size"),
            upsample_scales=scales,
            upsample_kernel_sizes=kernels,
            resblock_kernel_sizes=res_kernels,
            resblock_dilations=dilations,
            causal=bool(p.get("causal", True)),
            repeat_upsample=bool(p.get("repeat_upsample", True)),
            leaky_slope=float(act.get("negative_slope", 0.1)),
            stage_channels=stage_channels,
            resblock_inner=inner,
            **nsf,
        )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "HifiGanArch":
        return _construct(cls, dict(data))


def _nsf_params(p: "_Params", scales: list[int], causal: bool) -> dict:
    raw = p.get("nsf_params")
    if raw is None:
        return {}
    nsf = _Params(raw, "Model.Generator.params.nsf_params")
    harmonics, rate = nsf.int("nb_harmonics"), nsf.int("sampling_rate")
    if harmonics < 0 or rate <= 0:
        raise ConfigMismatchError("nsf_params needs nb_harmonics >= 0 and a positive sampling_rate")
    # A centred strided conv (kernel 2u, padding u//2) keeps T*hop/u samples only for even u:
    # for odd u the original's sum of branches fails, so no such voice can exist.
    odd = [u for u in (math.prod(scales[i + 1:]) for i in range(len(scales))) if u > 1 and u % 2]
    if odd and not causal:
        raise ConfigMismatchError(f"a non-causal NSF vocoder needs even downsampling rates, got {odd}")
    return {"nsf": True, "nsf_harmonics": harmonics, "nsf_sample_rate": rate}


def _construct(cls, data: dict):
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigMismatchError(f"unknown {cls.__name__} field(s) in arch.json: {unknown}")
    version = data.get("version", ARCH_VERSION)
    if version != ARCH_VERSION:
        raise ConfigMismatchError(f"arch.json version {version} is not supported ({ARCH_VERSION})")
    try:
        return cls(**data)
    except TypeError as err:
        raise ConfigMismatchError(f"incomplete {cls.__name__} in arch.json: {err}") from None


class _Params:
    """Typed access to a config's params, with errors that name the missing key."""

    def __init__(self, params: dict, where: str):
        self.params, self.where = params or {}, where

    def get(self, key: str, default=None):
        return self.params.get(key, default)

    def _require(self, key: str):
        if key not in self.params:
            raise ConfigMismatchError(f"{self.where} has no {key!r}")
        return self.params[key]

    def int(self, key: str) -> int:
        value = self._require(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigMismatchError(f"{self.where}.{key} must be an integer, got {value!r}")
        return value

    def int_list(self, key: str) -> list[int]:
        value = self._require(key)
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, int) for v in value):
            raise ConfigMismatchError(f"{self.where}.{key} must be a list of integers, got {value!r}")
        return list(value)
