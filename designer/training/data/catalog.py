"""The dataset catalog: an explicit table of every dataset a run can use, by name."""

from __future__ import annotations

import numpy as np
import torch

from . import files, synthetic, textures
from .base import IMAGE, VECTOR, Dataset, DatasetError, DatasetInfo, Option, RawData

DIGIT_CLASSES = tuple(str(d) for d in range(10))


# --------------------------------------------------------------------------- digits
def _digits_info(o: dict) -> DatasetInfo:
    size = o["size"] or 8
    return DatasetInfo("digits", IMAGE, (1, size, size), DIGIT_CLASSES, samples=1797)


def _digits_load(o: dict, target) -> RawData:
    """scikit-learn's 1,797 8×8 digits (shipped with it, no download), as floats 0..1."""
    from .digits_file import load_digits_arrays

    images, targets = load_digits_arrays()
    x = torch.from_numpy((images / 16.0).astype(np.float32)).unsqueeze(1)
    y = torch.from_numpy(targets)
    if o["size"] and o["size"] != 8:
        from .prepare import resize

        x = resize(x, (o["size"], o["size"]))
    return RawData(_digits_info(o), x, y)


# --------------------------------------------------------------------------- shapes
def _shapes_info(o: dict) -> DatasetInfo:
    return DatasetInfo("shapes", IMAGE, (o["channels"], o["size"], o["size"]), tuple(o["kinds"]),
                       samples=o["samples"])


def _shapes_load(o: dict, target) -> RawData:
    if o["channels"] not in (1, 3):
        raise DatasetError(f"shapes: channels must be 1 (grey) or 3 (RGB), got {o['channels']}")
    x, y = synthetic.make_shapes(o["samples"], o["size"], o["channels"], o["kinds"], o["noise"], o["seed"])
    return RawData(_shapes_info(o), torch.from_numpy(x), torch.from_numpy(y))


# --------------------------------------------------------------------------- textures
def _textures_info(o: dict) -> DatasetInfo:
    return DatasetInfo("textures", IMAGE, (3, o["size"], o["size"]), textures.TEXTURES,
                       samples=o["samples"])


def _textures_load(o: dict, target) -> RawData:
    x, y = textures.make_textures(o["samples"], o["size"], o["noise"], o["seed"])
    return RawData(_textures_info(o), torch.from_numpy(x), torch.from_numpy(y))


# --------------------------------------------------------------------------- 2-D toy sets
def _toy(name: str) -> Dataset:
    def info(o: dict) -> DatasetInfo:
        return DatasetInfo(name, VECTOR, (2,), synthetic.TOY_SETS[name], samples=o["samples"])

    def load(o: dict, target) -> RawData:
        x, y = synthetic.make_toy(name, o["samples"], o["noise"], o["seed"])
        return RawData(info(o), torch.from_numpy(x), torch.from_numpy(y))

    return Dataset(name, f"2-D {name}", f"two classes of 2-D points ({name}), for MLPs",
                   (Option("samples", 1000, "int", 10, 1e7), Option("noise", 0.1, "float", 0, 10),
                    Option("seed", 0, "int", 0, 2**31)), info, load)


# --------------------------------------------------------------------------- file sets
def _root_options() -> tuple[Option, ...]:
    return (Option("root", files.DEFAULT_ROOT, "str", doc="folder that holds the dataset files"),
            Option("download", False, "bool", doc="download the files if missing (needs internet)"))


def _torchvision(name: str, label: str) -> Dataset:
    return Dataset(name, label, f"{label} through torchvision, from a folder you choose",
                   _root_options(), lambda o: files.describe_torchvision(name, o),
                   lambda o, target: files.load_torchvision(name, o))


DATASETS: dict[str, Dataset] = {d.name: d for d in (
    Dataset("digits", "Digits (8×8)", "scikit-learn's 1,797 handwritten digits, 10 classes",
            (Option("size", 0, "int", 0, 512, "resize to size×size (0 = 8×8 as shipped)"),),
            _digits_info, _digits_load),
    Dataset("shapes", "Shapes", "generated circles, squares, triangles, crosses, rings, stars",
            (Option("size", 32, "int", 8, 512), Option("channels", 1, "int", 1, 3),
             Option("samples", 2000, "int", 10, 1e7),
             Option("kinds", synthetic.SHAPES, "list", choices=synthetic.SHAPES),
             Option("noise", 0.02, "float", 0, 1), Option("seed", 0, "int", 0, 2**31)),
            _shapes_info, _shapes_load),
    Dataset("textures", "Textures", "generated coloured textures (stripes, dots, rings, ...), "
            "10 classes, RGB; spatial structure matters",
            (Option("size", 32, "int", 8, 256), Option("samples", 3000, "int", 10, 1e7),
             Option("noise", 0.05, "float", 0, 1), Option("seed", 0, "int", 0, 2**31)),
            _textures_info, _textures_load),
    *(_toy(name) for name in synthetic.TOY_SETS),
    _torchvision("mnist", "MNIST"),
    _torchvision("fashion_mnist", "Fashion-MNIST"),
    _torchvision("cifar10", "CIFAR-10"),
    _torchvision("cifar100", "CIFAR-100"),
    Dataset("imagefolder", "Image folder", "your images, one sub-folder per class",
            (Option("path", "", "str", doc="the folder of class sub-folders"),
             Option("channels", 0, "int", 0, 3, "1 grey, 3 RGB, 0 as the first image"),
             Option("size", 0, "int", 0, 4096, "resize to size×size (0 = the design's size)")),
            files.describe_folder, files.load_folder),
    Dataset("csv", "CSV table", "numeric columns plus one label column",
            (Option("path", "", "str", doc="the .csv file (with a header row)"),
             Option("label", "", "str", doc="label column (default: the last)"),
             Option("task", "auto", "str", choices=("auto", "classification", "regression"))),
            files.describe_csv, lambda o, target: files.load_csv(o)),
)}


def get(name: str) -> Dataset:
    try:
        return DATASETS[name]
    except KeyError:
        raise DatasetError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}") from None


def require_path(dataset: Dataset, options: dict) -> None:
    """imagefolder and csv need a path: say so before anything else."""
    if "path" in options and not options["path"]:
        doc = dataset.options[0].doc
        raise DatasetError(f"dataset {dataset.name} needs the path option (--data-path): {doc}",
                           window=f"choose {doc} in the Path field on the Data tab (its … "
                                  f"button browses for it)")
