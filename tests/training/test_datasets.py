"""Datasets: built-in, generated and file-based; splitting, fitting to a design, normalising."""

import struct

import numpy as np
import pytest
import torch

from designer.training.config import DataConfig
from designer.training.data import DATASETS, DatasetError, describe_dataset, load_dataset
from designer.training.data.prepare import stratified_split
from designer.training.data.synthetic import SHAPES, TOY_SETS, make_shapes, make_toy


def test_every_dataset_reports_its_shape_and_classes(tmp_path):
    for name in ("digits", "shapes", *TOY_SETS, "mnist", "fashion_mnist", "cifar10", "cifar100"):
        info = describe_dataset(DataConfig(name))
        assert info.input_shape and info.num_classes >= 2, name
    assert describe_dataset(DataConfig("digits")).input_shape == (1, 8, 8)
    assert describe_dataset(DataConfig("digits", {"size": 28})).input_shape == (1, 28, 28)
    assert describe_dataset(DataConfig("cifar10")).classes[0] == "airplane"
    assert set(DATASETS) >= {"digits", "shapes", "circle", "xor", "gaussians", "spiral", "mnist",
                             "fashion_mnist", "cifar10", "cifar100", "imagefolder", "csv"}


def test_digits_resized_to_lenet_with_a_note():
    bundle = load_dataset(DataConfig("digits"), (1, 32, 32))
    assert bundle.train_x.shape[1:] == (1, 32, 32)
    assert len(bundle.train_y) + len(bundle.val_y) == 1797
    assert any("resized from 8×8 to 32×32" in n for n in bundle.notes)
    assert 0.0 <= float(bundle.train_x.min()) and float(bundle.train_x.max()) <= 1.0


def test_normalisation_comes_from_the_training_split():
    bundle = load_dataset(DataConfig("digits"))
    x = bundle.finish(bundle.train_x)
    assert abs(float(x.mean())) < 1e-4 and float(x.std()) == pytest.approx(1.0, abs=1e-3)
    assert float(bundle.finish(bundle.val_x).mean()) != pytest.approx(0.0, abs=1e-6)


def test_grey_to_rgb_and_back_and_flattening():
    rgb = load_dataset(DataConfig("digits"), (3, 8, 8))
    assert rgb.train_x.shape[1] == 3 and torch.equal(rgb.train_x[:, 0], rgb.train_x[:, 2])
    assert any("3 channels" in n for n in rgb.notes)
    grey = load_dataset(DataConfig("shapes", {"channels": 3, "samples": 30, "size": 16}), (1, 16, 16))
    assert grey.train_x.shape[1:] == (1, 16, 16) and any("converted to grey" in n for n in grey.notes)
    flat = load_dataset(DataConfig("digits"), (784,))
    assert flat.sample_shape == (1, 28, 28) and flat.finish(flat.val_x[:5]).shape == (5, 784)


def test_data_that_cannot_fit_says_so():
    with pytest.raises(DatasetError, match=r"spiral samples are 2 values, but the design.s Input is 1×32×32"):
        load_dataset(DataConfig("spiral"), (1, 32, 32))
    with pytest.raises(DatasetError, match="cannot hold them"):
        load_dataset(DataConfig("digits"), (50,))


def test_split_is_stratified_and_seeded():
    y = torch.arange(100) % 4
    train_a, val_a = stratified_split(y, 0.2, seed=3, classify=True)
    train_b, val_b = stratified_split(y, 0.2, seed=3, classify=True)
    assert torch.equal(train_a, train_b) and torch.equal(val_a, val_b)
    assert torch.bincount(y[val_a]).tolist() == [5, 5, 5, 5]
    assert set(train_a.tolist()).isdisjoint(val_a.tolist()) and len(train_a) + len(val_a) == 100
    _, val_c = stratified_split(y, 0.2, seed=4, classify=True)
    assert not torch.equal(val_a, val_c)


def test_permute_pixels_applies_one_permutation_to_every_image():
    plain = load_dataset(DataConfig("digits"), seed=1)
    shuffled = load_dataset(DataConfig("digits", permute_pixels=True), seed=1)
    a, b = plain.train_x.flatten(1), shuffled.train_x.flatten(1)
    assert not torch.equal(a, b)
    # The same permutation for all: each shuffled pixel equals one fixed original pixel.
    perm = [int(torch.nonzero((a == b[:, j:j + 1]).all(0))[0]) for j in range(64) if a[:, j].std() > 0]
    assert len(perm) > 40 and torch.equal(torch.sort(b, 1).values, torch.sort(a, 1).values)
    assert any("permutation" in n for n in shuffled.notes)


def test_shapes_are_seeded_balanced_and_any_size():
    x, y = make_shapes(60, size=20, channels=3, seed=5)
    x2, y2 = make_shapes(60, size=20, channels=3, seed=5)
    assert x.shape == (60, 3, 20, 20) and np.array_equal(x, x2) and np.array_equal(y, y2)
    assert np.bincount(y).tolist() == [10] * len(SHAPES)
    assert 0.0 <= x.min() and x.max() <= 1.0
    assert not np.array_equal(make_shapes(6, 20, 3, seed=6)[0], x[:6])
    grey = load_dataset(DataConfig("shapes", {"samples": 40, "size": 12, "kinds": "circle/cross"}))
    assert grey.classes == ("circle", "cross") and grey.train_x.shape[1:] == (1, 12, 12)


def test_toy_sets_are_two_classes_of_noisy_points():
    for name in TOY_SETS:
        x, y = make_toy(name, 300, noise=0.05, seed=1)
        assert x.shape == (300, 2) and set(y.tolist()) == {0, 1}
    quiet, _ = make_toy("circle", 200, noise=0.0, seed=2)
    noisy, _ = make_toy("circle", 200, noise=0.3, seed=2)
    assert np.abs(noisy - quiet).mean() > 0.1


def _idx(path, array, kind):
    data = struct.pack(">I", 0x0800 + array.ndim) + b"".join(struct.pack(">I", d) for d in array.shape)
    path.write_bytes(data + array.astype(np.uint8).tobytes())


def test_mnist_from_a_folder_in_torchvision_raw_format(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 40), ("t10k", 12)):
        _idx(raw / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28)), "images")
        _idx(raw / f"{prefix}-labels-idx1-ubyte", np.arange(n) % 10, "labels")
    cfg = DataConfig("mnist", {"root": str(tmp_path)}, validation="test")
    bundle = load_dataset(cfg, (1, 32, 32))
    assert len(bundle.train_y) == 40 and len(bundle.val_y) == 12
    assert bundle.train_x.shape[1:] == (1, 32, 32) and bundle.classes[3] == "3 - three"


def test_missing_torchvision_files_say_where_to_put_them(tmp_path):
    with pytest.raises(DatasetError) as err:
        load_dataset(DataConfig("mnist", {"root": str(tmp_path)}))
    text = str(err.value)
    assert str(tmp_path / "MNIST" / "raw") in text and "train-images-idx3-ubyte" in text
    assert "--download" in text
    with pytest.raises(DatasetError, match="cifar-10-batches-py"):
        load_dataset(DataConfig("cifar10", {"root": str(tmp_path)}))


def test_image_folder_of_generated_pngs(tmp_path):
    from PIL import Image

    x, y = make_shapes(18, size=10, channels=3, kinds=("circle", "square", "cross"), seed=0)
    for i, (img, label) in enumerate(zip(x, y)):
        folder = tmp_path / ("circle", "square", "cross")[label]
        folder.mkdir(exist_ok=True)
        Image.fromarray((img.transpose(1, 2, 0) * 255).astype(np.uint8)).save(folder / f"{i}.png")
    (tmp_path / "square" / "notes.txt").write_text("not an image")
    cfg = DataConfig("imagefolder", {"path": str(tmp_path)}, val_fraction=0.34)
    info = describe_dataset(cfg)
    assert info.classes == ("circle", "cross", "square") and info.input_shape == (3, 10, 10)
    bundle = load_dataset(cfg, (1, 16, 16))
    assert bundle.train_x.shape[1:] == (1, 16, 16) and len(bundle.val_y) == 6
    (tmp_path / "cross" / "broken.png").write_bytes(b"not a png")
    bundle = load_dataset(cfg)  # a broken file is skipped and counted, not fatal
    assert any("skipped 1 of" in note and "broken.png" in note for note in bundle.notes)


def test_csv_classification_regression_and_bad_values(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("x1,x2,kind\n1,2,cat\n3,4,dog\n5,6,cat\n7,8,dog\n")
    info = describe_dataset(DataConfig("csv", {"path": str(path)}))
    assert info.input_shape == (2,) and info.classes == ("cat", "dog") and info.task == "classification"
    table = tmp_path / "n.csv"
    table.write_text("a,b,c\n1,10,0.5\n2,2,1.5\n3,10,2.25\n")
    numbers = DataConfig("csv", {"path": str(table), "label": "b"})
    assert describe_dataset(numbers).classes == ("2", "10")  # whole numbers: classes, in order
    assert describe_dataset(DataConfig("csv", {"path": str(table)})).task == "regression"
    regress = DataConfig("csv", {"path": str(table), "label": "b", "task": "regression"})
    assert describe_dataset(regress).task == "regression"
    path.write_text("x1,x2,kind\n1,2,cat\n3,oops,dog\n5,6,cat\n")
    with pytest.raises(DatasetError, match=r"line 3, column 'x2': 'oops' is not a number"):
        describe_dataset(DataConfig("csv", {"path": str(path)}))
    with pytest.raises(DatasetError, match="needs the path option"):
        describe_dataset(DataConfig("csv"))


def test_unknown_names_and_options_are_explained():
    with pytest.raises(DatasetError, match="unknown dataset 'mnst'; choose one of digits"):
        describe_dataset(DataConfig("mnst"))
    with pytest.raises(DatasetError, match="unknown option 'sise'"):
        describe_dataset(DataConfig("shapes", {"sise": 3}))
    with pytest.raises(DatasetError, match="samples must be between"):
        describe_dataset(DataConfig("spiral", {"samples": 1}))
    with pytest.raises(DatasetError, match="no test split of its own"):
        load_dataset(DataConfig("spiral", validation="test"))


def test_limit_caps_the_samples():
    bundle = load_dataset(DataConfig("digits", {"limit": 100}))
    assert len(bundle.train_y) + len(bundle.val_y) == 100
