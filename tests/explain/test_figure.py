"""`designer figure FILE explain` renders each explanation headless."""

import pytest
from PySide6.QtGui import QImage

from designer.cli import main
from designer.explain_figure import METHODS, requests_for


@pytest.mark.parametrize("method", [pytest.param(m, marks=pytest.mark.slow) if m in ("pgd", "maximise") else m
                                    for m in METHODS])
def test_each_method_renders_a_png(qapp, tmp_path, capsys, method):
    out = tmp_path / f"{method}.png"
    args = ["figure", "digits_cnn", "explain", "--method", method, "--sample", "2", "-o", str(out),
            "--size", "900x500"]
    assert main(args) == 0, capsys.readouterr().err
    image = QImage(str(out))
    assert (image.width(), image.height()) == (900, 500) and out.stat().st_size > 2000


def test_several_methods_stack_in_one_png_and_an_image_file_can_be_explained(qapp, tmp_path, capsys):
    from designer.gui.viewers.explain import save_image_file

    picture = tmp_path / "input.png"
    save_image_file(picture, __import__("numpy").linspace(0, 1, 64, dtype="float32").reshape(1, 8, 8))
    out = tmp_path / "all.png"
    assert main(["figure", "lenet5", "explain", "--image", str(picture), "--dataset", "digits",
                 "--method", "saliency,gradcam,occlusion", "-o", str(out), "--size", "800x400"]) == 0, \
        capsys.readouterr().err
    assert QImage(str(out)).height() == 800  # attributions, then occlusion


def test_methods_group_into_requests():
    assert requests_for("saliency,fgsm,ig") == [
        {"method": "attributions", "which": ["saliency", "ig"]},
        {"method": "adversarial", "attack": "fgsm", "epsilon": 0.1, "search": True}]
    with pytest.raises(ValueError, match="unknown method lime"):
        requests_for("saliency,lime")


@pytest.mark.parametrize("args,message", [
    (["digits_cnn", "explain", "--method", "lime"], "unknown method lime"),
    (["digits_cnn", "explain", "--sample", "100000"], "sample 100000 does not exist"),
    (["digits_mlp", "explain", "--method", "maximise"], "preferred stimuli"),
    (["digits_cnn", "explain", "--image", "nothing.png"], "not an image"),
])
def test_explain_mistakes_are_explained_without_a_traceback(qapp, tmp_path, capsys, args, message):
    assert main(["figure", *args, "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_network_on_vectors_is_explained_per_feature(qapp):
    import torch
    from torch import nn

    from designer.gui.viewers.explain_draw import draw_explanation
    from designer.gui.viewers.figure import Figure
    from designer.training.probes import ProbeRequest, run_request

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3)).eval()
    model.design_names = {"fc1": "0", "relu": "1", "fc2": "2"}
    data = (torch.randn(5, 2), torch.zeros(5, dtype=torch.long))
    figure = Figure()
    for params in ({"method": "attributions"}, {"method": "adversarial", "epsilon": 0.5, "search": True},
                   {"method": "counterfactual"}):
        result = run_request(model, ProbeRequest("explain", params), data)
        assert not result.error, result.error
        draw_explanation(figure, result.data)
    assert result.data["counterfactual_error"]
    attributions = run_request(model, ProbeRequest("explain", {"method": "attributions"}), data).data
    assert attributions["maps"]["ig"].shape == (2,) and "gradcam_error" in attributions
    occlusion = run_request(model, ProbeRequest("explain", {"method": "occlusion"}), data)
    assert "takes a vector of 2 values" in occlusion.error
    figure.close()
