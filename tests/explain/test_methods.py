"""Every explanation method against an answer known in advance, on hand-built networks."""

import numpy as np
import pytest

from designer.training.explain import CANCELLED, Progress, cancel
from designer.training.explain.attribution import share_at
from designer.training.probes import ProbeRequest, ProbeResult, run_request

from .conftest import hot_channel_net, one_pixel_net

PIXEL = (3, 5)


def explain(model, data, **params):
    progress = []
    result = run_request(model, ProbeRequest("explain", params), data, ("up", "down"), report=progress.append)
    assert not result.error, result.error
    return result.data, progress


@pytest.fixture
def one_pixel():
    import torch

    torch.manual_seed(0)
    x = 0.2 + 0.8 * torch.rand(4, 1, 8, 8)
    return one_pixel_net(PIXEL), (x, torch.zeros(4, dtype=torch.long))


def test_every_attribution_lands_on_the_one_pixel_the_output_depends_on(one_pixel):
    model, data = one_pixel
    result, progress = explain(model, data, method="attributions", sample=1)
    assert result["predicted"] == 0 and result["layer"] == "relu" and result["layers"] == ["conv", "relu"]
    assert set(result["maps"]) == {"saliency", "ig", "guided", "gradcam"}
    for name, attr in result["maps"].items():
        assert attr.shape == (8, 8)
        assert share_at(attr, PIXEL) > 0.99, name
    assert abs(result["ig"]["delta"]) < 1e-4 * abs(result["ig"]["gap"])
    assert [p.done for p in progress] == list(range(1, 12)) and all(p.total == 11 for p in progress)


def test_occlusion_drops_the_probability_only_where_the_patch_covers_the_pixel(one_pixel):
    model, data = one_pixel
    result, _ = explain(model, data, method="occlusion", sample=0, patch=2, stride=1)
    grid = result["probability"]
    assert grid.shape == (7, 7) and list(result["rows"]) == list(range(7))
    covering = np.zeros_like(grid, bool)
    covering[PIXEL[0] - 1:PIXEL[0] + 1, PIXEL[1] - 1:PIXEL[1] + 1] = True
    change = np.abs(grid - result["base"])
    assert change[covering].min() > 1e-3 and change[~covering].max() < 1e-6
    assert np.unravel_index(np.argmax(result["drop"]), result["drop"].shape) == PIXEL


def test_occlusion_positions_cover_every_pixel():
    from designer.training.explain.occlusion import starts

    assert starts(8, 3, 2) == [0, 2, 4, 5] and starts(8, 2, 2) == [0, 2, 4, 6] and starts(4, 9, 1) == [0]


def test_grad_cam_points_at_the_hot_channel():
    import torch

    spot = (5, 2)
    model, image = hot_channel_net(spot)
    data = (image, torch.zeros(1, dtype=torch.long))
    result, _ = explain(model, data, method="attributions", which=["gradcam"])
    cam = result["maps"]["gradcam"]
    assert np.unravel_index(np.argmax(cam), cam.shape) == spot and share_at(cam, spot) > 0.9
    counter, _ = explain(model, data, method="counterfactual")
    assert counter["cams"].shape == (2, 8, 8) and [c for c, _ in counter["cam_classes"]] == [0, 1]


def test_grad_cam_on_an_mlp_says_why_it_cannot_apply():
    import torch
    from torch import nn

    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 3)).eval()
    model.design_names = {"fc1": "1", "relu": "2", "fc2": "3"}
    data = (torch.rand(2, 1, 4, 4), torch.zeros(2, dtype=torch.long))
    result, _ = explain(model, data, method="attributions")
    assert "gradcam" not in result["maps"] and "needs a layer with a spatial map" in result["gradcam_error"]
    assert set(result["maps"]) == {"saliency", "ig", "guided"}
    counter, _ = explain(model, data, method="counterfactual")
    assert "MLP" in counter["counterfactual_error"]
    failed = run_request(model, ProbeRequest("explain", {"method": "maximise"}), data)
    assert "no spatial map" in failed.error or "none" in failed.error


def test_fgsm_at_epsilon_zero_changes_nothing(one_pixel):
    model, data = one_pixel
    result, _ = explain(model, data, method="adversarial", attack="fgsm", epsilon=0.0)
    assert np.array_equal(result["perturbed"], result["original"]) and result["delta_max"] == 0
    assert result["top_perturbed"] == result["top_original"] and not result["flipped"]


def test_the_smallest_flipping_epsilon_flips_and_a_smaller_one_does_not(one_pixel):
    model, data = one_pixel
    value = float(data[0][2, 0, PIXEL[0], PIXEL[1]])
    result, progress = explain(model, data, method="adversarial", sample=2, epsilon=0.1, search=True)
    # the prediction flips when FGSM pushes the pixel below 0.05
    assert result["smallest"] == pytest.approx(value - 0.05, rel=0.02) and result["smallest_class"] == 1
    assert result["sentence"].startswith(f"ε = {result['smallest']:.3g} (FGSM) turns this up into a down")
    assert progress[-1].done <= progress[-1].total


def test_activation_maximisation_raises_the_channel_tenfold():
    import torch
    from torch import nn

    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 6 * 6, 2)).eval()
    with torch.no_grad():  # channel 1 detects vertical edges (dark | bright), slightly positive at rest
        model[0].weight[1] = torch.tensor([[-1.0, 0.0, 1.0]] * 3)
        model[0].bias[1] = 0.05
    model.design_names = {"conv": "0", "relu": "1"}
    data = (torch.zeros(1, 1, 8, 8), torch.zeros(1, dtype=torch.long))
    result, progress = explain(model, data, method="maximise", layer="relu", channels=[1, 0], steps=48,
                               patches=False)
    assert result["images"].shape == (2, 1, 8, 8) and result["start"][0] > 0
    assert result["end"][0] >= 10 * result["start"][0]
    assert progress[-1].done == 48
    image = result["images"][0, 0]  # an edge: brighter on the right than on the left
    assert image[:, -2:].mean() > image[:, :2].mean()


def test_a_cancelled_request_stops_after_its_current_unit(one_pixel):
    model, data = one_pixel
    request = ProbeRequest("explain", {"method": "occlusion", "patch": 1, "stride": 1})
    from designer.training.probes import compute
    from designer.training.probes.model import Chunker

    items = compute(model, request, data, chunker=Chunker(most=4))
    first = next(items)
    assert isinstance(first, Progress) and first.done == 4 and first.total == 64  # chunks of 4
    cancel(request.request_id)
    last = list(items)[-1]
    assert isinstance(last, ProbeResult) and last.error == CANCELLED


def test_bad_requests_say_what_was_wrong(one_pixel):
    model, data = one_pixel
    for params, words in (({"method": "lime"}, "unknown explanation"), ({"sample": 99}, "does not exist"),
                          ({"target": 5}, "class 5 does not exist"), ({"layer": "fc"}, "no spatial map"),
                          ({"method": "occlusion", "patch": 0}, "at least 1 pixel")):
        result = run_request(model, ProbeRequest("explain", params), data)
        assert words in result.error, (params, result.error)


@pytest.mark.slow
def test_a_design_with_a_residual_group_and_batch_norm_is_explained():
    """Merges (add, concat), a group and batch norm: every method applies, and the model's
    mode and batch statistics are left as they were."""
    import torch

    from designer.compiler import compile_design
    from designer.core.builder import DesignBuilder

    b = DesignBuilder("tiny residual")
    x = b.relu(b.batchnorm2d(b.conv2d(b.input([3, 12, 12]), 4, 3, padding=1, id="stem")))
    with b.group("block", kind="residual block"):
        y = b.relu(b.conv2d(x, 4, 3, padding=1, id="block_conv"))
        x = b.add_(x, y, id="block_add")
    x = b.concat(x, b.maxpool2d(x, 3, stride=1, padding=1, id="side"), id="cat")
    b.output(b.linear(b.flatten(b.adaptive_avgpool2d(x)), 5))
    torch.manual_seed(0)
    model = compile_design(b.build()).train()
    stats = model.get_submodule(model.design_names[next(n for n in model.design_names if "bn" in n)]).running_mean
    before = stats.clone()
    data = (torch.rand(3, 3, 12, 12), torch.zeros(3, dtype=torch.long))
    attributions, _ = explain(model, data, method="attributions")
    assert set(attributions["maps"]) == {"saliency", "ig", "guided", "gradcam"}
    assert attributions["layer"] == "side" and "block_conv" in attributions["layers"]
    assert explain(model, data, method="counterfactual")[0]["cams"].shape == (3, 12, 12)
    assert explain(model, data, method="maximise", steps=8, patches=True, channels=[0, 1])[0]["layer"] == "block_conv"
    assert explain(model, data, method="adversarial", epsilon=0.05)[0]["perturbed"].shape == (3, 12, 12)
    assert model.training and torch.equal(stats, before)
