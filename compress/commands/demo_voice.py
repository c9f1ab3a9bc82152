"""`sambert-compress demo-voice`: build the embedded demo voice (or only its data) from scratch."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from compress.commands.common import VoiceOption, load_voice_for_cli, note
from compress.errors import InputError

app = typer.Typer(help="Build the embedded demo voice from scratch (espeak-ng data, training).",
                  no_args_is_help=True)


@app.command()
def build(
    out: Annotated[Path, typer.Option("--out", help="The voice dir to write (must not exist).")] = Path("out/demo-voice"),
    work: Annotated[Path, typer.Option("--work", help="Where the data and training results go.")] = Path("out/demo-voice-work"),
    seed: Annotated[int, typer.Option("--seed", help="Seed of the data and of both trainings.")] = 1234,
    am_steps: Annotated[int, typer.Option("--am-steps", help="Acoustic-model training steps.")] = 2400,
    voc_steps: Annotated[int, typer.Option("--voc-steps", help="Vocoder training steps.")] = 6000,
    gta_steps: Annotated[int, typer.Option("--gta-steps", help="Vocoder fine-tuning steps on the acoustic "
                                                               "model's mels (0: none).")] = 1600,
    max_jobs: Annotated[Optional[int], typer.Option("--max-jobs", help="Render at most this many utterances.")] = None,
    reuse_data: Annotated[bool, typer.Option("--reuse-data", help="Keep the data already in --work.")] = False,
    nsf: Annotated[bool, typer.Option("--nsf/--plain", help="An NSF voice (F0-driven vocoder source) or a plain one.")] = True,
    threads: Annotated[int, typer.Option("--threads", help="Intra-op threads of each training process (the two "
                                                           "run side by side; once one is done, the other may "
                                                           "take more). Not part of what a resumed build must "
                                                           "match.")] = 1,
) -> None:
    """Data (espeak-ng) -> acoustic model + vocoder training -> KAN-TTS voice dir.

    Started again with the same options and --work, a stopped build continues where it was."""
    from compress.files import check_new_directory
    from compress.demo_voice.build import BuildConfig
    from compress.demo_voice.voice_build import build_voice

    train_config = _train_config(seed=seed, am_steps=am_steps, voc_steps=voc_steps, voc_gta_steps=gta_steps, nsf=nsf,
                                 threads=threads)
    check_new_directory(out)
    work.mkdir(parents=True, exist_ok=True)
    report = build_voice(out, work, BuildConfig(seed=seed, max_jobs=max_jobs), train_config,
                         reuse_data=reuse_data, progress=note)
    note(f"wrote {out} in {report.total_seconds / 60:.1f} min (data {report.data_seconds / 60:.1f}, "
         f"training {report.train_seconds / 60:.1f}); curves in {work / 'training_curves.png'}")


def _train_config(**settings):
    from compress.demo_voice.train import DemoTrainConfig
    from compress.errors import InputError

    try:
        return DemoTrainConfig(**settings)
    except ValueError as err:
        raise InputError(str(err)) from None


@app.command()
def data(
    out: Annotated[Path, typer.Argument(help="Dataset directory to create.")],
    seed: Annotated[int, typer.Option("--seed", help="Seed for generated sentences and the render schedule.")] = 1234,
    generated: Annotated[int, typer.Option("--generated", help="Sentences composed from jieba's word list.")] = 700,
    max_jobs: Annotated[Optional[int], typer.Option("--max-jobs", help="Render at most this many jobs.")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing dataset.")] = False,
) -> None:
    """Only the training data: render the corpus with espeak-ng and write features (docs/features.md)."""
    from compress.demo_voice.build import BuildConfig, build_dataset

    report = build_dataset(out, BuildConfig(seed=seed, generated=generated, max_jobs=max_jobs),
                           progress=_progress, overwrite=overwrite)
    print("\n".join(report.summary_lines()))


@app.command()
def report(data_dir: Annotated[Path, typer.Argument(help="A built dataset directory.")]) -> None:
    """Re-measure a dataset from its metadata (F0 per speaker and emotion, speaking rate)."""
    from compress.demo_voice.dataset import load_index
    from compress.demo_voice.report import DataReport

    rows = load_index(data_dir)
    print("\n".join(DataReport.measure(rows, {}, len(rows), {}, 1.0).summary_lines()))


@app.command()
def plot(
    data_dir: Annotated[Path, typer.Argument(help="A built dataset directory.")],
    utt_id: Annotated[str, typer.Argument(help="Utterance id (see metadata.jsonl).")],
    out: Annotated[Path, typer.Argument(help="PNG to write.")],
) -> None:
    """Draw one utterance: mel, token boundaries, F0 and energy."""
    from compress.demo_voice import dataset
    from compress.demo_voice.figures import plot_utterance

    config = dataset.load_config(data_dir)
    utt = dataset.load_utterance(data_dir, utt_id)
    print(plot_utterance(utt, dataset.load_stats(data_dir), out, config.frame_seconds))


@app.command()
def compare(
    text: Annotated[str, typer.Argument(help="A Chinese sentence.")],
    out: Annotated[Path, typer.Argument(help="PNG to write.")],
    voice: VoiceOption = None,
    speaker: Annotated[str, typer.Option(help="Demo speaker (zhiyan or zhibei).")] = "zhiyan",
    emotion: Annotated[str, typer.Option(help="Emotion.")] = "neutral",
) -> None:
    """Spectrogram of one sentence from espeak-ng (what the voice learned from) above the voice's."""
    import numpy as np

    from compress.demo_voice.build import render_text
    from compress.demo_voice.figures import plot_comparison
    from compress.frontend import text_to_symbol_lines
    from compress.models.symbols import parse_tokens
    from compress.synthesis import encode_lines, synthesize

    loaded = load_voice_for_cli(voice, None)
    config = loaded.audio
    espeak = np.concatenate(render_text(text, speaker, emotion, config))
    lines, _ = text_to_symbol_lines(text, emotion, speaker=speaker, speakers=list(loaded.tables.speakers))
    ours = synthesize(loaded, encode_lines(loaded, [parse_tokens(line) for line in lines])).wav
    title = f"{text} ({speaker}, {emotion})"
    print(plot_comparison({"espeak-ng (training data)": espeak, f"{loaded.source.name} voice": ours},
                          config, title, out))


@app.command("copy-synthesis")
def copy_synthesis_command(
    data_dir: Annotated[Path, typer.Argument(help="A built dataset directory (the voice's training data).")],
    voice: VoiceOption = None,
    split: Annotated[str, typer.Option(help="Which utterances: valid (held out) or train.")] = "valid",
    limit: Annotated[Optional[int], typer.Option("--max", help="At most this many utterances.")] = None,
) -> None:
    """Vocode recordings from their own features; how well the output follows their F0, per speaker."""
    from compress.demo_voice.copy_synthesis import copy_synthesis

    loaded = load_voice_for_cli(voice, None)
    report = copy_synthesis(loaded, data_dir, split, limit)
    if not report:
        raise InputError(f"{data_dir} has no {split!r} utterances")
    for speaker, row in report.items():
        error = row["median_f0_error"]
        shown = "no frame voiced in both" if error is None else f"median F0 error {100 * error:.1f}%"
        if row.get("periodicity_at_pitch") is not None:
            shown += (f"; autocorrelation at the pitch period {row['periodicity_at_pitch']:.2f}, at the hop "
                      f"{row['periodicity_at_hop']:.2f} ({row['steady_windows']} steady windows)")
        print(f"{speaker}: {shown} ({row['frames_voiced_in_both']} frames, {row['utterances']} utterances)")


def _progress(stage: str, done: int, total: int) -> None:
    if done == total or done % 250 == 0:
        print(f"{stage} {done}/{total}", file=sys.stderr, flush=True)


def register(root: typer.Typer) -> None:
    root.command("build-demo-voice")(build)  # the name that says what it does
    root.add_typer(app, name="demo-voice")  # its data tools; `demo-voice build` is the old spelling
