"""Every writer of the command line under a full, read-only or forbidden disk, and with a
folder where the file should be: one line naming the path and the cause, exit 2, the old
file byte-identical, no temporary file, never "wrote". Faults are injected into the one
atomic writer; where the machine allows mounting, a real size-limited tmpfs is used too."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import uuid

import pytest

from designer.cli import main
from designer.core import atomic_write as aw
from designer.core.builder import DesignBuilder
from designer.core.serialize import save

EXPORTS = ["python", "onnx", "torchscript", "weights", "safetensors", "train-script"]
FAULTS = {"full": (errno.ENOSPC, "the disk is full"),
          "read-only": (errno.EROFS, "the file system is read-only"),
          "forbidden": (errno.EACCES, "permission denied")}
OLD = b"the previous export, which must survive\n"


def mlp(name="toy MLP"):
    b = DesignBuilder(name)
    x = b.input([2])
    x = b.linear(x, 16, id="fc1")
    x = b.relu(x, id="relu1")
    x = b.linear(x, 2, id="fc2")
    b.output(x)
    return b.build()


def inject(monkeypatch, fault: str, at: int = 64):
    """Make the atomic writer fail like ``fault``: a full disk after ``at`` bytes, a
    read-only or forbidden folder at the creation of the temporary file."""
    err, _ = FAULTS[fault]
    if fault == "full":
        written = [0]

        def write_chunk(fd, chunk):
            if written[0] >= at:
                raise OSError(err, os.strerror(err))
            n = os.write(fd, chunk[:at - written[0]])
            written[0] += n
            return n
        monkeypatch.setattr(aw, "_write_chunk", write_chunk)
    else:
        def refuse(path):
            raise OSError(err, os.strerror(err), str(path))
        monkeypatch.setattr(aw, "_open", refuse)


def assert_refused(code, capsys, target, cause, command="export"):
    out = capsys.readouterr()
    assert code == 2
    assert out.err.strip() == f"designer {command}: cannot write {target}: {cause}"
    assert "wrote" not in out.out and "Traceback" not in out.err
    assert aw.temp_files(target) == []


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("fmt", EXPORTS)
def test_exports_under_faults_keep_the_old_file(tmp_path, monkeypatch, capsys, fmt, fault):
    target = tmp_path / "out.bin"
    target.write_bytes(OLD)
    inject(monkeypatch, fault)
    code = main(["export", "lenet5", "-f", fmt, "-o", str(target)])
    assert_refused(code, capsys, target, FAULTS[fault][1])
    assert target.read_bytes() == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]


@pytest.mark.parametrize("fmt", EXPORTS)
def test_exports_refuse_a_folder_in_the_way(tmp_path, capsys, fmt):
    target = tmp_path / "out.bin"
    target.mkdir()
    code = main(["export", "lenet5", "-f", fmt, "-o", str(target)])
    assert_refused(code, capsys, target, "it is a folder")
    assert target.is_dir() and list(target.iterdir()) == []


def test_an_export_keeps_a_symlink_and_the_permissions(tmp_path, capsys):
    real = tmp_path / "real.pt"
    real.write_bytes(OLD)
    real.chmod(0o640)
    link = tmp_path / "link.pt"
    link.symlink_to(real)
    for fmt in ("weights", "onnx", "torchscript", "safetensors"):
        assert main(["export", "lenet5", "-f", fmt, "-o", str(link)]) == 0, capsys.readouterr().err
        assert link.is_symlink() and real.read_bytes() != OLD
        assert real.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("fault", FAULTS)
def test_a_figure_under_faults_keeps_the_old_png(qapp, tmp_path, monkeypatch, capsys, fault):
    target = tmp_path / "filters.png"
    target.write_bytes(OLD)
    inject(monkeypatch, fault)
    code = main(["figure", "lenet5", "filters", "--size", "400x300", "-o", str(target)])
    assert_refused(code, capsys, target, FAULTS[fault][1], "figure")
    assert target.read_bytes() == OLD


@pytest.mark.parametrize("fault", FAULTS)
def test_an_import_under_faults_keeps_the_old_design(tmp_path, monkeypatch, capsys, fault):
    target = tmp_path / "model.json"
    target.write_bytes(OLD)
    source = tmp_path / "net.py"
    source.write_text("import torch\n\ndef build():\n    return torch.nn.Sequential("
                      "torch.nn.Linear(4, 3))\n")
    inject(monkeypatch, fault)
    code = main(["import", f"{source}:build", "--input-shape", "4", "-o", str(target)])
    assert_refused(code, capsys, target, FAULTS[fault][1], "import")
    assert target.read_bytes() == OLD


# --------------------------------------------------------------------------- checkpoints
def _train(tmp_path, *extra):
    design = tmp_path / "toy.json"
    if not design.exists():
        save(mlp(), design)
    return main(["train", str(design), "--dataset", "gaussians", "--data-option", "samples=120",
                 "--epochs", "3", "--batch-size", "32", "--device", "cpu", "--json", "-q", *extra])


@pytest.mark.parametrize("fault", FAULTS)
def test_a_checkpoint_that_cannot_be_written_does_not_end_the_run(tmp_path, monkeypatch, capsys,
                                                                    fault):
    folder = tmp_path / "ck"
    assert _train(tmp_path, "--checkpoint-dir", str(folder)) == 0
    best = (folder / "best.pt").read_bytes()
    capsys.readouterr()
    inject(monkeypatch, fault)
    assert _train(tmp_path, "--checkpoint-dir", str(folder), "--overwrite") == 0
    out = capsys.readouterr()
    report = json.loads(out.out)
    assert report["status"] == "completed" and report["epochs"] == 3
    assert report["checkpoints"]["unsaved_epochs"] == [1, 2, 3]
    warnings = [n for n in report["notes"] if "cannot write" in n]
    assert len(warnings) == 1 and FAULTS[fault][1] in warnings[0]
    assert "Training goes on" in warnings[0]
    assert (folder / "best.pt").read_bytes() == best  # the last good checkpoint stays loadable
    assert sorted(p.name for p in folder.iterdir()) == ["best.pt", "last.pt"]


def test_a_second_run_into_the_same_folder_is_refused_without_overwrite(tmp_path, capsys):
    folder = tmp_path / "ck"
    assert _train(tmp_path, "--checkpoint-dir", str(folder)) == 0
    best = (folder / "best.pt").read_bytes()
    capsys.readouterr()
    assert _train(tmp_path, "--checkpoint-dir", str(folder)) == 2
    err = capsys.readouterr().err
    assert "already holds another run's checkpoints" in err and "--overwrite" in err
    assert (folder / "best.pt").read_bytes() == best


@pytest.mark.parametrize("setup, message", [
    ("file", "is a file, not a folder"),
    ("read-only", "the file system is read-only"),
])
def test_an_unusable_checkpoint_folder_is_named_before_training(tmp_path, monkeypatch, capsys,
                                                                setup, message):
    folder = tmp_path / "ck"
    if setup == "file":
        folder.write_text("not a folder")
    else:
        import tempfile

        def refuse(*args, **kwargs):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        monkeypatch.setattr(tempfile, "NamedTemporaryFile", refuse)
    assert _train(tmp_path, "--checkpoint-dir", str(folder)) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and "unexpected" not in err


# --------------------------------------------------------------------------- a real small disk
@pytest.fixture
def small_disk(tmp_path):
    """A 400 KB tmpfs (root and a kernel that allows it), else the test is skipped."""
    mount = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mount)],
                              capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        pytest.skip("mount is not available")
    if done.returncode:
        pytest.skip("this machine does not allow mounting a tmpfs")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True, timeout=20)


@pytest.mark.parametrize("fmt", ["onnx", "torchscript", "weights", "safetensors"])
def test_a_real_full_and_read_only_disk(small_disk, capsys, fmt):
    target = small_disk / "model.out"
    target.write_bytes(OLD)
    filler = small_disk / "filler"
    filler.write_bytes(b"\0" * (400 * 1024 - 8192 - len(OLD)))  # leave less than LeNet-5's weights
    code = main(["export", "lenet5", "-f", fmt, "-o", str(target)])
    assert_refused(code, capsys, target, "the disk is full")
    assert target.read_bytes() == OLD
    filler.unlink()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True, timeout=20)
    code = main(["export", "lenet5", "-f", fmt, "-o", str(target)])
    assert_refused(code, capsys, target, "the file system is read-only")
    assert target.read_bytes() == OLD
