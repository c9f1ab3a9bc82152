"""Training the demo voice from its dataset: the acoustic model and the vocoder, side by side.

The two models do not depend on each other (the vocoder learns from recorded mels), so they
train at the same time in two processes of one thread each: on a small CPU, two
single-threaded jobs get more done than one job with two threads, whose tiny matrix products
spend their time synchronizing. Each process is seeded, so a build is repeatable, and keeps
a checkpoint in the work dir, so a build that was stopped continues where it was.

An NSF voice (the default) learns two more acoustic channels, the recordings' F0 (normalised
by the corpus F0 mean and std, which become am/mvn.npy) and voicing; its vocoder reads the
recorded mels with that F0 in Hz and voicing, and starts from the committed demo voice's
vocoder wherever names and shapes match (everything but the new source modules).

Once both are trained, the vocoder is fine-tuned on the acoustic model's own mels (the
recordings' durations held), a third process that starts from both results.
"""

from __future__ import annotations

import json
import multiprocessing
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from compress.audio.config import FeatureConfig
from compress.audio.mel_torch import LogMel
from compress.demo_voice import dataset
from compress.demo_voice.pitch_shift import shifted_copies
from compress.demo_voice.voice_config import (
    GENERATOR_PARAMS, NSF_SAMBERT_PARAMS, SAMBERT_PARAMS, SPEAKERS, am_config, nsf_generator_params, voc_config)
from compress.errors import DataError
from compress.models.arch import F0Norm, HifiGanArch, SambertArch
from compress.models.hifigan import Generator
from compress.models.kantts_io import fold_weight_norm, read_checkpoint, rename_legacy_vocoder_keys
from compress.models.nsf import vocoder_input
from compress.models.sambert import Sambert
from compress.models.symbols import SymbolTables, encode, parse_tokens
from compress.models.voice import Voice
from compress.models.voice_dir import DEMO_VOICE, latest_checkpoint
from compress.train.discriminators import MultiPeriodDiscriminator
from compress.train.hifigan_trainer import VocoderTrainConfig, train_vocoder
from compress.train.resume import Resumable
from compress.train.sambert_trainer import SambertTrainConfig, train_sambert
from compress.train.spectral_losses import LONG_STFT, STFT_RESOLUTIONS


@dataclass(frozen=True)
class DemoTrainConfig:
    seed: int = 1234
    am_steps: int = 2400
    am_max_frames: int = 2400
    am_lr: float = 1e-3
    am_warmup: int = 400
    voc_steps: int = 6000
    voc_batch: int = 8
    voc_segment: int = 32
    voc_lr: float = 2e-4
    voc_lr_decay_every: int = 0
    voc_adversarial_from: int = -1  # -1: mel and STFT losses only
    voc_disc_channels: int = 16
    # NSF: the vocoder's first steps with its mel channels zeroed, so that the sine source is
    # the only input that varies within a frame and the network learns to take the pitch from
    # it. Without them (or warm-started from the plain vocoder) it learns the mel path first,
    # which repeats every hop: measured on the demo data (held-out recordings vocoded from their
    # own features), the output's autocorrelation at the recording's pitch period stayed at
    # 0.00 (at the hop: 0.84-0.91) after 400-1400 steps, warm-started or not, with a 4096-point
    # STFT term and STFT x10, or with the MPD. After 600 source-only steps: 0.60 (hop -0.09)
    # with the mel zeroed; then with the mel and the usual losses the hop takes over again
    # (0.20 / 0.76 after 200 steps, 0.01 / 0.88 after 1200).
    voc_source_steps: int = 600
    # ... unless the STFT terms outweigh the mel L1 (which cannot tell 80 Hz harmonics from
    # 110 Hz ones): with mel x10, STFT x10 and a 4096-point term, 1000 steps after the source
    # phase read 0.26 / 0.52, and the copy-synthesis F0 error was 7% for zhiyan (F0 far from
    # the 80 Hz hop rate) and 17% for zhibei (F0 near it), against 49% and 20% for the
    # warm-started vocoder after 1200 steps of the usual losses
    voc_mel_weight: float = 10.0
    voc_stft_weight: float = 10.0
    voc_long_stft: bool = True  # a 4096-point, 2048-sample-window STFT term that resolves harmonics
    # Then the vocoder is fine-tuned on the acoustic model's mels (the recordings' durations
    # held, so that they line up with the recordings; an NSF source from the recordings' F0
    # and voicing), as TTS vocoders usually are: trained on recorded mels only, it followed the
    # recordings' pitch from their own features (F0 error 1.8% / 2.1%) but fell back to the
    # 80 Hz hop rate on the acoustic model's smoother ones (every style's median F0 80-88 Hz).
    # After 800 steps of this zhiyan's styles read 166 / 239 / 151 Hz (neutral, happy, sad)
    # with one draw of batches and 87 / 82 / 81 Hz with another (this seed's); zhibei's, near
    # the hop rate, 80-86 Hz with both (1600 steps, mel x2 or lr 3e-4: no better). README.md
    voc_gta_steps: int = 1600
    voc_gta_lr: float = 1e-4
    # ... and even then the output's low band held lines at multiples of the 80 Hz hop rate
    # over a fundamental far weaker than the recordings' (zhibei happy, one steady vowel, a
    # 65536-point FFT: 80 Hz 15 dB, F0 1 dB from the step-6000 vocoder; a recording 5 and
    # 26 dB), so that an F0 tracker hears the hop. Two remedies, measured in README.md: WORLD copies of every item at a
    # random factor of its pitch (`pitch_shift`: one mel, several pitches, so the pitch has to
    # come from the source), and a long-STFT term on the band below `voc_gta_low_band_hz`.
    voc_gta_shift: tuple = (0.7, 1.5)  # range of the copies' pitch factors; () for no copies
    voc_gta_low_band_weight: float = 30.0
    voc_gta_low_band_hz: float = 400.0
    threads: int = 1  # per training process
    nsf: bool = True  # an NSF voice (F0-driven vocoder source); False: the plain voice
    # the vocoder starts from the committed demo voice's where shapes match (its mel path hums
    # at the hop rate, see voc_source_steps: off by default)
    warm_start: bool = False
    checkpoint_every: int = 200  # steps between the resumable checkpoints of each training

    def __post_init__(self):
        if min(self.am_steps, self.voc_steps, self.checkpoint_every) < 1 or self.threads < 1:
            raise ValueError("steps, checkpoint_every and threads must be at least 1")
        if self.voc_source_steps < 0 or self.voc_gta_steps < 0:
            raise ValueError("voc_source_steps and voc_gta_steps must be at least 0")
        if self.voc_gta_shift and not (len(self.voc_gta_shift) == 2 and 0 < self.voc_gta_shift[0] <= self.voc_gta_shift[1]):
            raise ValueError(f"voc_gta_shift must be () or (low, high) with 0 < low <= high, got {self.voc_gta_shift}")

    def stft_resolutions(self) -> tuple:
        """The STFT terms of the vocoder's losses (after the source-only phase)."""
        return STFT_RESOLUTIONS + (LONG_STFT,) if self.voc_long_stft else STFT_RESOLUTIONS

    def settings(self, part: str) -> dict:
        """What a part's training depends on (its resumable checkpoint must match it): the
        shared seed and kind, and the part's own fields, so that changing one part's settings
        does not restart the other's training. The fine-tuning on the acoustic model's mels
        ("gta") depends on both models' settings and its own."""
        fields = {k: v for k, v in asdict(self).items() if k not in ("threads", "checkpoint_every")}
        if part == "gta":
            return fields
        own = ("am_",) if part == "am" else ("voc_", "warm_start")
        return {k: v for k, v in fields.items()
                if (k in ("seed", "nsf") or k.startswith(own)) and not k.startswith("voc_gta_")}


def tables() -> SymbolTables:
    """Full KAN-TTS tables (with @[MASK]) for the demo speakers."""
    return SymbolTables.build(SPEAKERS)


def f0_stats(root: Path) -> tuple[float, float]:
    """The corpus F0 mean and std (Hz) the dataset's frame_f0 is normalised with."""
    f0 = dataset.load_stats(root).f0
    return float(f0.mean[0]), float(f0.std[0])


def am_targets(utt: dataset.Utterance, nsf: bool) -> np.ndarray:
    """What the acoustic model learns per frame: the mel, then for NSF F0 and voicing."""
    if not nsf:
        return utt.mel
    return np.concatenate([utt.mel, utt.frame_f0[:, None], utt.frame_uv[:, None]], axis=1).astype(np.float32)


def _utterances(root: Path, split: str):
    """The split's utterances, loaded one at a time."""
    for row in dataset.load_index(root):
        if row.get("split", "train") == split:
            yield dataset.load_utterance(root, row)


def acoustic_items(root: Path, split: str = "train", nsf: bool = False) -> list[dict]:
    table = tables()
    items = []
    for utt in _utterances(root, split):
        enc = encode(table, parse_tokens(utt.symbols))
        items.append({"ling": enc.ling, "emotion": enc.emotion, "speaker": enc.speaker,
                      "durations": utt.duration.astype(np.int64), "pitch": utt.pitch, "energy": utt.energy,
                      "mel": am_targets(utt, nsf)})
    return items


def _recorded_item(utt: dataset.Utterance, nsf: bool, norm: F0Norm | None) -> dict:
    return {"mel": vocoder_input(torch.from_numpy(am_targets(utt, nsf)), norm).numpy(), "wav": utt.wav}


def _f0_norm(root: Path, nsf: bool) -> F0Norm | None:
    return F0Norm("mean_std", *f0_stats(root)) if nsf else None


def vocoder_items(root: Path, split: str = "train", nsf: bool = False) -> list[dict]:
    """(vocoder input, waveform) of the recordings: for NSF the mel, F0 in Hz and voicing."""
    norm = _f0_norm(root, nsf)
    return [_recorded_item(utt, nsf, norm) for utt in _utterances(root, split)]


@torch.no_grad()
def acoustic_mel_items(root: Path, am: Sambert, split: str = "train", nsf: bool = False) -> list[dict]:
    """(vocoder input, waveform) with the acoustic model's mel in place of the recorded one:
    the model runs free with the recording's durations, so its frames line up with the
    recording; an NSF item keeps the recording's F0 and voicing (the source must carry the
    pitch the waveform has)."""
    table, feature, norm = tables(), dataset.load_config(root), _f0_norm(root, nsf)
    am.eval()
    items = []
    for utt in _utterances(root, split):
        recorded = _recorded_item(utt, nsf, norm)
        enc = encode(table, parse_tokens(utt.symbols))
        durations = torch.from_numpy(utt.duration.astype(np.int64))[None]
        out = am.infer(torch.from_numpy(enc.ling)[None], torch.from_numpy(enc.emotion)[None],
                       torch.from_numpy(enc.speaker)[None], durations=durations)
        mel = out.mel.numpy()[:, :feature.n_mels]
        frames = min(len(mel), len(recorded["mel"]))
        voc_in = np.concatenate([mel[:frames], recorded["mel"][:frames, feature.n_mels:]], axis=1).astype(np.float32)
        items.append({"mel": voc_in, "wav": recorded["wav"][: frames * feature.hop_length]})
    return items


def new_sambert(seed: int, nsf: bool = False, f0: tuple[float, float] | None = None) -> Sambert:
    torch.manual_seed(seed)
    return Sambert(SambertArch.from_kantts(NSF_SAMBERT_PARAMS if nsf else SAMBERT_PARAMS, tables().sizes(), f0))


def new_generator(seed: int, nsf: bool = False, sample_rate: int = 16000) -> Generator:
    torch.manual_seed(seed)
    return Generator(HifiGanArch.from_kantts(nsf_generator_params(sample_rate) if nsf else GENERATOR_PARAMS))


def warm_start(model: Generator, voice_dir: Path = DEMO_VOICE) -> list[str]:
    """Copy a KAN-TTS voice's vocoder tensors into `model` where names and shapes match;
    returns the names copied (the rest keep their initialisation)."""
    raw = read_checkpoint(latest_checkpoint(Path(voice_dir) / "voc" / "ckpt"))["model"]["generator"]
    state = fold_weight_norm(rename_legacy_vocoder_keys(raw))
    own = model.state_dict()
    copied = [k for k, v in own.items() if k in state and tuple(state[k].shape) == tuple(v.shape)]
    model.load_state_dict({**own, **{k: state[k].float() for k in copied}})
    return copied


def _mel_fn(root: Path) -> LogMel:
    """The log-mel of the dataset's features (the vocoder's mel loss)."""
    stats = dataset.load_stats(root)
    return LogMel(dataset.load_config(root), stats.mel.mean, stats.mel.std)


def _resumable(out: str, part: str, config: DemoTrainConfig) -> Resumable:
    settings = config.settings(part if part in ("am", "gta") else "voc")
    return Resumable(Path(out) / f"{part}.ckpt.pt", config.checkpoint_every, settings={**settings, "part": part})


def _train_acoustic(root: str, config: DemoTrainConfig, out: str) -> None:
    torch.set_num_threads(config.threads)
    model = new_sambert(config.seed, config.nsf, f0_stats(Path(root)) if config.nsf else None)
    items = acoustic_items(Path(root), nsf=config.nsf)
    log = train_sambert(model, items, SambertTrainConfig(
        steps=config.am_steps, max_frames=config.am_max_frames, lr=config.am_lr, warmup=config.am_warmup,
        seed=config.seed, log_every=max(1, config.am_steps // 100)), resume=_resumable(out, "am", config))
    torch.save(model.state_dict(), Path(out) / "am.pt")
    (Path(out) / "am_curve.json").write_text(json.dumps({"rows": log.rows, "seconds": log.seconds}))


def _train_vocoder(root: str, config: DemoTrainConfig, out: str) -> None:
    torch.set_num_threads(config.threads)
    feature = dataset.load_config(Path(root))
    model = new_generator(config.seed + 1, config.nsf, feature.sampling_rate)
    copied = warm_start(model) if config.warm_start else []
    mel_fn = _mel_fn(Path(root))
    disc = None
    if config.voc_adversarial_from >= 0:
        torch.manual_seed(config.seed + 2)
        disc = MultiPeriodDiscriminator(channels=config.voc_disc_channels)
    items = vocoder_items(Path(root), nsf=config.nsf)
    source_rows, source_seconds = [], 0.0
    if config.nsf and config.voc_source_steps:
        first = train_vocoder(model, source_only(items), mel_fn, VocoderTrainConfig(
            steps=config.voc_source_steps, batch_size=config.voc_batch, segment_frames=config.voc_segment,
            lr=config.voc_lr, seed=config.seed + 3, log_every=max(1, config.voc_source_steps // 20)),
            resume=_resumable(out, "voc-source", config))
        source_rows, source_seconds = first.rows, first.seconds
    log = train_vocoder(model, items, mel_fn, VocoderTrainConfig(
        steps=config.voc_steps, batch_size=config.voc_batch, segment_frames=config.voc_segment, lr=config.voc_lr,
        lr_decay_every=config.voc_lr_decay_every, adversarial_from=config.voc_adversarial_from,
        mel_weight=config.voc_mel_weight, stft_weight=config.voc_stft_weight,
        stft_resolutions=config.stft_resolutions(), seed=config.seed + 1,
        log_every=max(1, config.voc_steps // 100)), discriminator=disc, resume=_resumable(out, "voc", config))
    torch.save(model.state_dict(), Path(out) / "voc.pt")
    (Path(out) / "voc_curve.json").write_text(json.dumps({
        "rows": log.rows, "seconds": log.seconds, "warm_started": len(copied),
        "source_rows": source_rows, "source_seconds": source_seconds}))


def _finetune_vocoder(root: str, config: DemoTrainConfig, out: str) -> None:
    """The vocoder fine-tuned on the trained acoustic model's mels (`acoustic_mel_items`)."""
    torch.set_num_threads(config.threads)
    root, work = Path(root), Path(out)
    feature = dataset.load_config(root)
    am = new_sambert(0, config.nsf, f0_stats(root) if config.nsf else None)
    am.load_state_dict(torch.load(work / "am.pt", weights_only=True))
    model = new_generator(0, config.nsf, feature.sampling_rate)
    model.load_state_dict(torch.load(work / "voc.pt", weights_only=True))
    items = acoustic_mel_items(root, am, nsf=config.nsf)
    if config.nsf and config.voc_gta_shift:
        items += shifted_copies(items, *config.voc_gta_shift, seed=config.seed + 5,
                                sample_rate=feature.sampling_rate, hop=feature.hop_length)
    log = train_vocoder(model, items, _mel_fn(root), VocoderTrainConfig(
        steps=config.voc_gta_steps, batch_size=config.voc_batch, segment_frames=config.voc_segment,
        lr=config.voc_gta_lr, mel_weight=config.voc_mel_weight, stft_weight=config.voc_stft_weight,
        stft_resolutions=config.stft_resolutions(), low_band_weight=config.voc_gta_low_band_weight,
        low_band_hz=config.voc_gta_low_band_hz, sample_rate=feature.sampling_rate, seed=config.seed + 4,
        log_every=max(1, config.voc_gta_steps // 50)), resume=_resumable(out, "gta", config))
    torch.save(model.state_dict(), work / "voc-gta.pt")
    (work / "gta_curve.json").write_text(json.dumps({"rows": log.rows, "seconds": log.seconds}))


def source_only(items: list[dict]) -> list[dict]:
    """NSF vocoder items with the mel channels zeroed (F0 and voicing kept)."""
    return [{**item, "mel": np.concatenate([np.zeros_like(item["mel"][:, :-2]), item["mel"][:, -2:]], axis=1)}
            for item in items]


def _run(jobs: dict, root: Path, config: DemoTrainConfig, work: Path) -> None:
    """Run {name: function} in parallel spawned processes; one error naming those that stopped."""
    context = multiprocessing.get_context("spawn")
    procs = {name: context.Process(target=fn, args=(str(root), config, str(work))) for name, fn in jobs.items()}
    for proc in procs.values():
        proc.start()
    for proc in procs.values():
        proc.join()
    failed = {name: proc.exitcode for name, proc in procs.items() if proc.exitcode != 0}
    if failed:
        raise DataError(f"training of the {' and the '.join(failed)} stopped (exit codes {list(failed.values())}); "
                        f"run the same command again to continue from its checkpoints in {work}")


def train_both(root: Path, config: DemoTrainConfig, work: Path) -> dict:
    """Train both models in parallel processes, then (voc_gta_steps) fine-tune the vocoder on
    the acoustic model's mels; returns the loss curves."""
    Path(work).mkdir(parents=True, exist_ok=True)
    _run({"acoustic model": _train_acoustic, "vocoder": _train_vocoder}, root, config, work)
    parts = ["am", "voc"]
    if config.voc_gta_steps:
        _run({"vocoder's fine-tuning on the acoustic model's mels": _finetune_vocoder}, root, config, work)
        parts.append("gta")
    return {part: json.loads((work / f"{part}_curve.json").read_text()) for part in parts}


def assemble(root: Path, work: Path, source: Path, config: DemoTrainConfig | None = None) -> Voice:
    """The trained voice, with the KAN-TTS configs it will be written with."""
    config = config or DemoTrainConfig()
    nsf = config.nsf
    feature: FeatureConfig = dataset.load_config(root)
    audio = feature.to_kantts()
    am = new_sambert(0, nsf, f0_stats(root) if nsf else None)
    am.load_state_dict(torch.load(work / "am.pt", weights_only=True))
    voc = new_generator(0, nsf, feature.sampling_rate)
    voc.load_state_dict(torch.load(work / ("voc-gta.pt" if config.voc_gta_steps else "voc.pt"), weights_only=True))
    am_params = NSF_SAMBERT_PARAMS if nsf else SAMBERT_PARAMS
    voc_params = nsf_generator_params(feature.sampling_rate) if nsf else GENERATOR_PARAMS
    configs = {"am": am_config(audio, am_params), "voc": voc_config(audio, voc_params),
               "audio": {"audio_config": audio}}
    return Voice(am=am.eval(), vocoder=voc.eval(), tables=tables(), audio=feature,
                 source=source, kantts_configs=configs)


def config_record(config: DemoTrainConfig) -> dict:
    return asdict(config)
