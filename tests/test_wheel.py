"""The wheel is self-contained: built from the source tree, installed (not editable) into a
folder of its own and run from another folder, it finds its recipes, the demo voice, the
frontend's tables and the bench data as package data.

The wheel is installed with --no-deps into a target folder; its dependencies come from this
interpreter's site-packages (a fresh venv would download nothing new but take minutes)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TINY

ROOT = Path(__file__).resolve().parent.parent


# what a source checkout holds besides the sources: never part of the build
_NOT_SOURCES = shutil.ignore_patterns(".git", ".venv", "build", "dist", "out", "*.egg-info", "__pycache__",
                                      ".pytest_cache")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"  # setuptools builds in the tree it is given: a copy keeps the checkout clean
    shutil.copytree(ROOT, source, symlinks=True, ignore=_NOT_SOURCES)
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                            "-w", str(work / "dist"), str(source)], capture_output=True, text=True, cwd=work)
    assert build.returncode == 0, build.stderr
    wheel = next((work / "dist").glob("sambert_compress-*.whl"))
    target = work / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
                              str(wheel)], capture_output=True, text=True, cwd=work)
    assert install.returncode == 0, install.stderr
    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    return target, elsewhere


def _run(installed, *args, timeout=600):
    target, cwd = installed
    env = {**os.environ, "PYTHONPATH": str(target)}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)


def test_the_installed_package_is_the_wheel_not_the_checkout(installed):
    result = _run(installed, "-c", "import compress, eval, sensitivity, compress.recipe as r; "
                                   "print(compress.__file__); print(r.RECIPES_DIR); print(eval.__file__)")
    assert result.returncode == 0, result.stderr
    target = str(installed[0])
    assert all(line.startswith(target) for line in result.stdout.split()), result.stdout
    recipes = Path(result.stdout.split()[1])
    assert (recipes / "config.yaml").is_file() and (recipes / "pipeline" / "quick.yaml").is_file()


def test_the_wheel_holds_every_file_of_the_demo_voice(installed):
    voice = ROOT / "compress" / "voices" / "demo"
    packaged = installed[0] / "compress" / "voices" / "demo"
    files = lambda root: sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert files(packaged) == files(voice)  # e.g. an NSF voice's am/mvn.npy


def test_synth_speaks_with_the_packaged_demo_voice(installed):
    out = installed[1] / "x.wav"
    result = _run(installed, str(installed[0] / "bin" / "sambert-compress"), "synth", "--text", "今天天气很好。",
                  "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 10_000


def test_the_quick_pipeline_runs_from_the_wheel(installed):
    fast = ["bench.speed.repeats=1", "bench.speed.warmup=0", "bench.throughput.concurrency=0", "bench.memory=false",
            "bench.quality.dnsmos=false", "bench.sentences=1"]
    result = _run(installed, str(installed[0] / "bin" / "sambert-compress"), "pipeline", "pipeline=quick",
                  "--voice", str(TINY / "voices"), "--out", "r", *fast)
    assert result.returncode == 0, result.stderr
    run = installed[1] / "r"
    assert (run / "run.json").is_file() and (run / "02-qat" / "manifest.json").is_file()
    assert (run / "bench" / "bench.md").is_file()
