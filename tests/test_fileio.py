"""write_atomic: whole files or nothing, with the modes a user expects."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conformance.errors import ConformanceError
from conformance.fileio import write_atomic


def test_a_new_file_gets_the_umask_default(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "report.md", "x\n")
    finally:
        os.umask(old)
    assert (tmp_path / "report.md").stat().st_mode & 0o777 == 0o644


def test_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "baseline.json"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o640)
    write_atomic(target, "new\n")
    assert (target.read_text(encoding="utf-8"), target.stat().st_mode & 0o777) == ("new\n", 0o640)


def test_a_symlink_stays_a_link_to_the_new_content(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_atomic(link, "new\n")
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8") == "new\n"


def test_no_temporary_file_is_left_when_the_target_cannot_be_replaced(tmp_path: Path) -> None:
    target = tmp_path / "a-directory"
    target.mkdir()
    with pytest.raises(ConformanceError, match="cannot write"):
        write_atomic(target, "x")
    assert [p.name for p in tmp_path.iterdir()] == ["a-directory"]


def test_a_device_is_written_through_not_replaced(tmp_path: Path) -> None:
    # `-o /dev/null` once replaced the machine's /dev/null with a regular file.
    import stat

    write_atomic(Path(os.devnull), "report\n")
    assert stat.S_ISCHR(Path(os.devnull).stat().st_mode)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        write_atomic(fifo, "through the pipe\n")
        assert os.read(reader, 100) == b"through the pipe\n"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
