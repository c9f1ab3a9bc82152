"""Output helpers: new folders are checked before work starts and appear only when complete."""

from __future__ import annotations

import pytest

from compress.errors import InputError
from compress.files import atomic_directory, check_new_directory


def test_new_directory_needs_its_parent_unless_asked_to_make_it(tmp_path):
    with pytest.raises(InputError, match="output folder does not exist"):
        check_new_directory(tmp_path / "missing" / "out")
    assert check_new_directory(tmp_path / "missing" / "out", make_parents=True) == tmp_path / "missing" / "out"
    (tmp_path / "taken").mkdir()
    with pytest.raises(InputError, match="output already exists"):
        check_new_directory(tmp_path / "taken", make_parents=True)


def test_atomic_directory_publishes_only_a_finished_folder(tmp_path):
    out = tmp_path / "a" / "b" / "report"
    with atomic_directory(out, make_parents=True) as tmp:
        (tmp / "x.txt").write_text("done")
    assert (out / "x.txt").read_text() == "done"

    failed = tmp_path / "a" / "b" / "failed"
    with pytest.raises(RuntimeError):
        with atomic_directory(failed) as tmp:
            (tmp / "x.txt").write_text("half")
            raise RuntimeError("stop")
    assert not failed.exists()
    assert sorted(p.name for p in failed.parent.iterdir()) == ["report"]
