"""The whole demo voice from scratch: data, both trainings, the KAN-TTS voice dir.

    build_voice(out, work) -> VoiceBuildReport

`work` keeps the dataset and the training results, so that a build can be inspected and
the data reused (`reuse_data`). A build started again with the same settings continues where
it was: complete data built with the same data config is kept, and each training resumes from
its checkpoint. The voice dir appears only when everything succeeded.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from compress.demo_voice.build import BuildConfig, build_dataset
from compress.demo_voice.train import DemoTrainConfig, assemble, train_both
from compress.models.kantts_io import save_kantts_voice

Progress = Callable[[str], None]


@dataclass
class VoiceBuildReport:
    data_seconds: float = 0.0
    train_seconds: float = 0.0
    total_seconds: float = 0.0
    curves: dict = field(default_factory=dict)
    data_config: dict = field(default_factory=dict)
    train_config: dict = field(default_factory=dict)


def build_voice(out: Path, work: Path, data_config: BuildConfig, train_config: DemoTrainConfig,
                reuse_data: bool = False, progress: Progress | None = None) -> VoiceBuildReport:
    say = progress or (lambda message: None)
    started = time.perf_counter()
    report = VoiceBuildReport(data_config=asdict(data_config), train_config=asdict(train_config))
    data = Path(work) / "data"
    if not ((data / "metadata.jsonl").is_file() and (reuse_data or _built_with(data, data_config))):
        say(f"building the training data in {data}")
        build_dataset(data, data_config, overwrite=True,
                      progress=lambda stage, done, total: done == total and say(f"{stage}: {total} done"))
    report.data_seconds = time.perf_counter() - started
    say("training the acoustic model and the vocoder (two processes)")
    trained = Path(work) / "train"
    trained.mkdir(parents=True, exist_ok=True)
    report.curves = train_both(data, train_config, trained)
    report.train_seconds = time.perf_counter() - started - report.data_seconds
    voice = assemble(data, trained, Path(out), train_config)
    save_kantts_voice(voice, Path(out), steps=train_config.am_steps)
    write_emotions(Path(out), data_config)
    report.total_seconds = time.perf_counter() - started
    (Path(work) / "build_report.json").write_text(json.dumps(asdict(report), indent=1))
    plot_curves(report.curves, Path(work) / "training_curves.png")
    return report


def write_emotions(voice_dir: Path, config: BuildConfig) -> Path:
    """The styles every speaker was trained on, as the server's catalog reads them
    (`emotions.json`, compress/serve/catalog.py): every cell of the build's schedule."""
    path = voice_dir / "emotions.json"
    document = {"note": "The styles every speaker of the demo voice was trained on (compress/demo_voice/styles.py); "
                        "the server offers only these.",
                "speakers": {speaker: list(config.emotions) for speaker in config.speakers}}
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def _built_with(data: Path, config: BuildConfig) -> bool:
    """Whether the (complete) dataset in `data` was built with `config`."""
    try:
        recorded = json.loads((data / "build.json").read_text(encoding="utf-8"))["config"]
    except (OSError, ValueError, KeyError):
        return False
    return recorded == json.loads(json.dumps(asdict(config)))


def plot_curves(curves: dict, path: Path) -> Path:
    """Loss against wall time for both models."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, part, keys in ((axes[0], "am", ("mel_post", "duration", "pitch", "energy")),
                           (axes[1], "voc", ("mel", "stft"))):
        rows = curves[part]["rows"]
        minutes = [r["seconds"] / 60 for r in rows]
        for key in keys:
            if key in rows[0]:
                ax.plot(minutes, [r[key] for r in rows], label=key)
        ax.set_xlabel("minutes")
        ax.set_ylabel("loss")
        ax.set_yscale("log")
        if part == "voc" and "gta" in curves:  # the fine-tuning on the acoustic model's mels, after it
            later = [minutes[-1] + r["seconds"] / 60 for r in curves["gta"]["rows"]]
            for key in keys + ("low",):  # the fine-tuning's low-band term
                if curves["gta"]["rows"] and key in curves["gta"]["rows"][0]:
                    ax.plot(later, [r[key] for r in curves["gta"]["rows"]], label=f"{key} (on the AM's mels)")
        ax.set_title({"am": "acoustic model", "voc": "vocoder"}[part])
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
