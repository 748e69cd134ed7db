"""Dataset/design fit: reported before training, with an adapted design on offer."""

from designer.core.serialize import load, to_dict
from designer.training.data import describe_dataset
from designer.training.config import DataConfig
from designer.training.fit import adapt_design, check_fit, last_layer
from designer.analysis import analyze
from designer.zoo import find

from training_helpers import mlp, tiny_cnn


def _info(name, **options):
    return describe_dataset(DataConfig(name, options))


def test_lenet_fits_digits_with_a_resize_note():
    report = check_fit(load(find("lenet5")), _info("digits"))
    assert report.ok and not report.problems
    assert any("resized from 8×8 to 32×32" in n for n in report.notes)


def test_class_count_mismatch_and_its_adaptation():
    graph = mlp(classes=10)
    report = check_fit(graph, _info("gaussians"))
    assert not report.ok and report.can_adapt
    assert "gaussians has 2 classes, but the design's last layer gives 10 outputs" in report.problems[0]
    assert "fc2 to 2 outputs" in report.message
    before = to_dict(graph)
    adapted = adapt_design(graph, _info("gaussians"))
    assert adapted.valid and adapted.changes == ("fc2 to 2 outputs",)
    assert adapted.graph.nodes["fc2"].params["out_features"] == 2
    assert to_dict(graph) == before  # the original is untouched until the edit is applied
    adapted.edit.apply(graph)
    assert graph.nodes["fc2"].params["out_features"] == 2
    adapted.edit.revert(graph)
    assert to_dict(graph) == before


def test_input_mismatch_adapts_the_input():
    graph = mlp(inputs=(50,), classes=10)
    info = _info("digits")
    report = check_fit(graph, info)
    assert not report.ok and "cannot hold them" in report.problems[0] and report.can_adapt
    adapted = adapt_design(graph, info)
    assert adapted.graph.nodes["input"].params["shape"] == [64]  # an MLP takes the pixels flat
    assert adapted.valid and check_fit(adapted.graph, info).ok


def test_data_that_cannot_fit_a_cnn_at_all():
    graph = load(find("lenet5"))
    adapted = adapt_design(graph, _info("spiral"))
    assert set(adapted.changes) == {"Input to 2 values", "fc3 to 2 outputs"}
    assert not adapted.valid and "Conv2d conv1" in adapted.issues[0]


def test_problems_that_adaptation_cannot_fix():
    graph = mlp()
    graph.set_params("output", {"loss": "none"})
    report = check_fit(graph, _info("gaussians"))
    assert not report.ok and not report.can_adapt and "'none'" in report.problems[0]
    broken = mlp()
    broken.set_params("fc1", {"out_features": 0})
    report = check_fit(broken, _info("gaussians"))
    assert not report.ok and "1 error to fix first" in report.problems[0]


def test_regression_target_with_cross_entropy(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("a,b,y\n1,2,0.5\n2,3,1.25\n3,1,0.75\n")
    info = _info("csv", path=str(path))
    graph = mlp(classes=3)
    report = check_fit(graph, info)
    assert not report.ok and "set it to mse" in report.problems[0]
    adapted = adapt_design(graph, info)
    assert adapted.graph.nodes["output"].params["loss"] == "mse"
    assert adapted.graph.nodes["fc2"].params["out_features"] == 1
    assert check_fit(adapted.graph, info).ok


def test_last_layer_walks_back_through_activations():
    graph = tiny_cnn()
    assert last_layer(graph, analyze(graph)) == "fc"
    assert check_fit(graph, _info("shapes", size=8)).ok


def test_adapting_a_design_that_accepts_other_sizes_trains_at_the_data_size():
    graph = load(find("resnet18"))  # adaptive average pooling before the classifier
    adapted = adapt_design(graph, _info("shapes", size=32))
    assert adapted.valid
    assert adapted.graph.nodes["input"].params["shape"] == [3, 32, 32]
    assert any("accepts other sizes" in c and "instead of resizing every image to 224×224" in c
               for c in adapted.changes)
    assert analyze(adapted.graph).output_shape == (6,)


def test_adapting_a_design_that_needs_its_size_resizes_the_data():
    graph = load(find("alexnet"))  # 11×11 stride-4 stem: 32×32 images are too small for it
    info = _info("shapes", size=32)
    adapted = adapt_design(graph, info)
    assert adapted.valid and adapted.graph.nodes["input"].params["shape"] == [3, 224, 224]
    assert not any("Input" in c for c in adapted.changes)
    assert any("resized from 32×32 to 224×224" in n for n in check_fit(adapted.graph, info).notes)


def test_the_adapt_summary_reads_as_words_not_a_python_list():
    """A student's review: "Adapt the design (Input input to [3, 8, 8] …)" read oddly."""
    report = check_fit(load(find("resnet18")), _info("shapes", size=8))
    assert report.can_adapt
    assert report.adapt_summary.startswith("Input to 3×8×8")
    assert "Input input" not in report.adapt_summary and "[" not in report.adapt_summary
