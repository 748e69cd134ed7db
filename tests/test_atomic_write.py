"""The one atomic writer: under faults the old file is untouched, no temporary file is
left, and the message names the path and the cause (fault injection: each step of the
write can be made to fail with the errno a full, read-only or forbidden disk gives)."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from designer.core import atomic_write as aw
from designer.core.atomic_write import WriteError, temp_files, write_bytes, write_text

CAUSES = [(errno.ENOSPC, "the disk is full"), (errno.EROFS, "the file system is read-only"),
          (errno.EACCES, "permission denied"), (errno.EDQUOT, "the disk quota is exceeded"),
          (errno.EIO, "input/output error")]


def fail_after(nbytes: int, err: int):
    """A _write_chunk that writes ``nbytes`` in all, then fails like a full disk."""
    written = [0]

    def write_chunk(fd, chunk):
        room = nbytes - written[0]
        if room <= 0:
            raise OSError(err, os.strerror(err))
        n = os.write(fd, chunk[:room])
        written[0] += n
        return n
    return write_chunk


def raising(err: int):
    def fail(*args, **kwargs):
        raise OSError(err, os.strerror(err))
    return fail


@pytest.fixture
def old(tmp_path):
    target = tmp_path / "design.json"
    target.write_bytes(b"the old content\n")
    return target


def _unchanged(target, tmp_path):
    assert target.read_bytes() == b"the old content\n"
    assert temp_files(target) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_a_write_replaces_the_file_and_leaves_nothing_else(old, tmp_path):
    write_text(old, "new ✓\n")
    assert old.read_text(encoding="utf-8") == "new ✓\n"
    assert [p.name for p in tmp_path.iterdir()] == ["design.json"]


@pytest.mark.parametrize("at", [0, 1, aw.CHUNK - 1, aw.CHUNK + 5])
@pytest.mark.parametrize("err, cause", CAUSES)
def test_disk_full_at_any_point_keeps_the_old_file(old, tmp_path, monkeypatch, at, err, cause):
    monkeypatch.setattr(aw, "_write_chunk", fail_after(at, err))
    with pytest.raises(WriteError) as info:
        write_bytes(old, b"x" * (aw.CHUNK * 2 + 7))
    assert str(info.value) == f"cannot write {old}: {cause}" or cause in str(info.value)
    assert str(old) in str(info.value) and "\n" not in str(info.value)
    _unchanged(old, tmp_path)


@pytest.mark.parametrize("step", ["_open", "_fsync", "_replace"])
@pytest.mark.parametrize("err, cause", CAUSES[:3])
def test_a_failure_at_each_step_keeps_the_old_file(old, tmp_path, monkeypatch, step, err, cause):
    monkeypatch.setattr(aw, step, raising(err))
    with pytest.raises(WriteError, match=cause):
        write_bytes(old, b"new")
    _unchanged(old, tmp_path)


def test_a_folder_of_the_same_name_is_refused(tmp_path):
    (tmp_path / "out.pt").mkdir()
    with pytest.raises(WriteError, match="it is a folder"):
        write_bytes(tmp_path / "out.pt", b"x")
    assert [p.name for p in tmp_path.iterdir()] == ["out.pt"]


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(WriteError, match="does not exist"):
        write_bytes(tmp_path / "nowhere" / "out.pt", b"x")


def test_a_symlink_is_written_through_and_stays_a_link(tmp_path):
    real = tmp_path / "real" / "model.onnx"
    real.parent.mkdir()
    real.write_bytes(b"old")
    link = tmp_path / "link.onnx"
    link.symlink_to(real)
    assert write_bytes(link, b"new") == real
    assert link.is_symlink() and real.read_bytes() == b"new"


def test_permissions_are_kept_and_new_files_follow_the_umask(tmp_path):
    target = tmp_path / "weights.pt"
    target.write_bytes(b"old")
    target.chmod(0o640)
    write_bytes(target, b"new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    umask = os.umask(0o022)
    try:
        write_bytes(tmp_path / "fresh.pt", b"x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "fresh.pt").stat().st_mode) == 0o644


def test_stale_temporary_files_of_dead_writers_are_removed_at_the_next_write(tmp_path):
    target = tmp_path / "last.pt"
    dead = tmp_path / ".last.pt.999999999-0badf00d.tmp"  # a pid that cannot be alive
    legacy = tmp_path / ".last.pt.tmp"  # older Designers' name
    mine = tmp_path / f".last.pt.{os.getpid()}-12345678.tmp"  # may be another thread's write
    other = tmp_path / ".best.pt.999999999-0badf00d.tmp"  # another target's
    old_mkstemp = tmp_path / ".last.pt.k2j4_x9q.tmp"  # older Designers' checkpoints
    fresh_mkstemp = tmp_path / ".last.pt.a8b7c6d5.tmp"  # maybe an old Designer writing now
    for f in (dead, legacy, mine, other, old_mkstemp, fresh_mkstemp):
        f.write_bytes(b"partial")
    for f in (legacy, old_mkstemp):
        os.utime(f, (1, 1))
    write_bytes(target, b"complete")
    assert not dead.exists() and not legacy.exists() and not old_mkstemp.exists()
    assert mine.exists() and other.exists() and fresh_mkstemp.exists()
