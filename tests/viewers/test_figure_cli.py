"""`designer figure` renders each viewer's figure headless to a non-empty PNG."""

import pytest
from PySide6.QtGui import QImage

from designer.cli import main
from designer.figures import KINDS


@pytest.mark.parametrize("kind", KINDS)
def test_figure_writes_a_png_for_each_kind(qapp, tmp_path, trained_checkpoint, kind, capsys):
    out = tmp_path / f"{kind}.png"
    args = ["figure", "digits_cnn", kind, "--checkpoint", str(trained_checkpoint), "-o", str(out),
            "--size", "800x600"]
    if kind == "augmentations":
        args = ["figure", "lenet5", kind, "-o", str(out), "--size", "800x600"]
    assert main(args) == 0, capsys.readouterr().err
    assert out.stat().st_size > 2000
    image = QImage(str(out))
    assert (image.width(), image.height()) == (800, 600)
    assert f"wrote {out}" in capsys.readouterr().out


def test_figure_options_pick_the_layer_and_the_sample(qapp, tmp_path):
    out = tmp_path / "one_layer.png"
    assert main(["figure", "lenet5", "activations", "--layer", "conv2", "--sample", "3", "-o", str(out)]) == 0
    assert out.stat().st_size > 2000
    assert main(["figure", "lenet5", "filters", "--layer", "conv2", "-o", str(out)]) == 0


@pytest.mark.parametrize("args,message", [
    (["lenet5", "filters", "--layer", "fc1"], "'fc1' is not a convolution of the design"),
    (["lenet5", "activations", "--layer", "nope"], "the design has no layer 'nope'"),
    (["lenet5", "filters", "--checkpoint", "missing.pt"], "does not exist"),
    (["lenet5", "confusion", "--dataset", "nonsense"], "nonsense"),
])
def test_figure_mistakes_are_explained_without_a_traceback(qapp, tmp_path, capsys, args, message):
    assert main(["figure", *args, "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_checkpoint_shows_its_own_design(qapp, tmp_path, trained_checkpoint, capsys):
    out = tmp_path / "x.png"
    assert main(["figure", "lenet5", "filters", "--checkpoint", str(trained_checkpoint), "-o", str(out)]) == 0
    assert "trained from a different version of the design" in capsys.readouterr().err
    assert main(["figure", str(trained_checkpoint), "filters", "-o", str(out)]) == 0
    assert "note" not in capsys.readouterr().err and out.stat().st_size > 2000
