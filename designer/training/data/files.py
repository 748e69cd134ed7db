"""Datasets read from files the user provides: torchvision's MNIST, Fashion-MNIST, CIFAR-10 and
CIFAR-100 (from a folder; downloading only when asked), an image folder with one sub-folder per
class, and a CSV table of numeric columns plus a label column.

Nothing is downloaded unless the ``download`` option is true. Without the files, the error
says exactly which files to put where.
"""

from __future__ import annotations

import csv
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ...core.safe_read import read_limited
from .base import CLASSIFICATION, IMAGE, REGRESSION, VECTOR, DatasetError, DatasetInfo, RawData

DEFAULT_ROOT = str(Path.home() / ".designer" / "datasets")
MAX_IMAGE_BYTES = 4 << 30
MAX_CSV_BYTES = 1 << 30
SKIPPED = "skipped"  # marks a note the window shows as a warning


# --------------------------------------------------------------------------- torchvision sets
@dataclass(frozen=True)
class TorchvisionSet:
    cls: str
    shape: tuple[int, int, int]
    classes: tuple[str, ...]
    folder: str
    files: tuple[str, ...]
    archive: str


_MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
TORCHVISION_SETS = {
    "mnist": TorchvisionSet("MNIST", (1, 28, 28), tuple(str(d) for d in range(10)), "MNIST/raw",
                            _MNIST_FILES, "the four files from the MNIST page, unzipped"),
    "fashion_mnist": TorchvisionSet(
        "FashionMNIST", (1, 28, 28),
        ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
         "Bag", "Ankle boot"),
        "FashionMNIST/raw", _MNIST_FILES, "the four files from the Fashion-MNIST repository, unzipped"),
    "cifar10": TorchvisionSet(
        "CIFAR10", (3, 32, 32),
        ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
        "cifar-10-batches-py", ("data_batch_1", "...", "data_batch_5", "test_batch", "batches.meta"),
        "cifar-10-python.tar.gz, extracted"),
    "cifar100": TorchvisionSet(
        "CIFAR100", (3, 32, 32), tuple(f"class {i}" for i in range(100)), "cifar-100-python",
        ("train", "test", "meta"), "cifar-100-python.tar.gz, extracted"),
}


def describe_torchvision(name: str, options: dict) -> DatasetInfo:
    tv = TORCHVISION_SETS[name]
    samples = 50_000 if name.startswith("cifar") else 60_000
    return DatasetInfo(name, IMAGE, tv.shape, tv.classes, samples=samples, has_test_split=True)


def load_torchvision(name: str, options: dict) -> RawData:
    """Both splits as uint8 [N, C, H, W] tensors; DatasetError saying where the files go."""
    import torchvision.datasets as tvd

    tv = TORCHVISION_SETS[name]
    root = Path(options["root"]).expanduser()
    cls = getattr(tvd, tv.cls)
    try:
        train = cls(str(root), train=True, download=options["download"])
        test = cls(str(root), train=False, download=False)
    except RuntimeError as exc:
        if "not found" not in str(exc).lower():
            raise DatasetError(f"{name}: the files in {root / tv.folder} cannot be read ({exc})") from None
        raise DatasetError(_missing_message(name, tv, root, options["download"])) from None
    except OSError as exc:  # a failed download: no network, proxy, disk full
        raise DatasetError(f"{name}: downloading into {root} failed ({exc}); download "
                           f"{tv.archive} yourself and put it in {root / tv.folder}") from None
    x, y = _tensors(train)
    test_x, test_y = _tensors(test)
    info = DatasetInfo(name, IMAGE, tv.shape, tuple(str(c) for c in train.classes),
                       samples=len(y), has_test_split=True)
    return RawData(info, x, y, test_x, test_y)


def _missing_message(name: str, tv: TorchvisionSet, root: Path, download: bool) -> str:
    where = root / tv.folder
    files = ", ".join(tv.files)
    advice = ("the download did not produce them" if download
              else "or set the download option (--download) on a machine with internet access")
    return (f"{name} is not in {root}: put {tv.archive} ({files}) in {where}, {advice}. "
            f"Choose another folder with the root option (--data-root).")


def _tensors(ds) -> tuple[torch.Tensor, torch.Tensor]:
    data = ds.data
    if isinstance(data, np.ndarray):  # CIFAR: [N, H, W, C] numpy
        x = torch.from_numpy(np.ascontiguousarray(data.transpose(0, 3, 1, 2)))
    else:  # MNIST: [N, H, W] uint8 tensor
        x = data.unsqueeze(1).contiguous()
    return x, torch.as_tensor(ds.targets, dtype=torch.int64)


# --------------------------------------------------------------------------- image folder
def _scan_folder(path: Path) -> tuple[list[str], list[tuple[str, int]]]:
    from torchvision.datasets.folder import IMG_EXTENSIONS, find_classes, make_dataset

    if not path.is_dir():
        raise DatasetError(f"image folder {path} does not exist; choose a folder that holds one "
                           f"sub-folder of images per class")
    try:
        classes, class_to_idx = find_classes(str(path))
        samples = make_dataset(str(path), class_to_idx, extensions=IMG_EXTENSIONS)
    except FileNotFoundError as exc:
        raise DatasetError(f"image folder {path}: {exc}; it needs one sub-folder of images "
                           f"(.png, .jpg, ...) per class") from None
    return classes, samples


def _open_image(file: str, channels: int, size: tuple[int, int] | None) -> np.ndarray:
    """The image as uint8 [C, H, W]; DatasetError naming the file when it cannot be decoded."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as img:
                img = img.convert("L" if channels == 1 else "RGB")
                if size is not None and img.size != (size[1], size[0]):
                    img = img.resize((size[1], size[0]), Image.Resampling.BILINEAR)
                array = np.asarray(img, dtype=np.uint8)
    except Exception as exc:  # PIL reports broken files as OSError, SyntaxError, struct.error...
        raise DatasetError(f"cannot read the image {file}: {image_problem(exc)}") from None
    return array[None] if array.ndim == 2 else array.transpose(2, 0, 1)


def image_problem(exc: BaseException) -> str:
    """Why PIL could not read an image, in words."""
    from PIL import Image

    if isinstance(exc, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
        return "it claims so many pixels that it looks like a decompression bomb"
    if isinstance(exc, Image.UnidentifiedImageError):
        return "not an image Pillow can read (empty, or another kind of file)"
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:160]


def _first_shape(samples: list[tuple[str, int]], channels: int) -> tuple[int, int, int]:
    """The shape of the first readable image (broken ones are skipped when loading)."""
    from PIL import Image

    for file, _ in samples[:1000]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(file) as img:
                    c = channels or (1 if img.mode in ("L", "1", "I;16", "I", "F") else 3)
                    return (c, img.size[1], img.size[0])
        except Exception:  # a broken file: try the next one
            continue
    raise DatasetError(f"none of the first {min(len(samples), 1000)} images in "
                       f"{Path(samples[0][0]).parent.parent} can be read; is it an image folder?")


def describe_folder(options: dict) -> DatasetInfo:
    classes, samples = _scan_folder(Path(options["path"]).expanduser())
    shape = _first_shape(samples, options["channels"])
    if options["size"]:
        shape = (shape[0], options["size"], options["size"])
    return DatasetInfo("imagefolder", IMAGE, shape, tuple(classes), samples=len(samples))


def load_folder(options: dict, target: tuple[int, ...] | None) -> RawData:
    """Every image decoded straight to the design's size (or the first image's) as uint8."""
    info = describe_folder(options)
    _, samples = _scan_folder(Path(options["path"]).expanduser())
    c, h, w = info.input_shape
    if target is not None and len(target) == 3 and not options["size"]:
        h, w = target[1], target[2]
    if len(samples) * c * h * w > MAX_IMAGE_BYTES:
        raise DatasetError(f"image folder: {len(samples):,} images of {c}×{h}×{w} need "
                           f"{len(samples) * c * h * w / 2**30:.1f} GiB in memory; use a smaller "
                           f"size or the limit option")
    limit = options["limit"] or len(samples)
    picked = samples if limit >= len(samples) else _spread(samples, limit)
    images, labels, bad = [], [], []
    for f, label in picked:
        try:
            images.append(_open_image(f, c, (h, w)))
            labels.append(label)
        except DatasetError as exc:
            bad.append(str(exc).removeprefix("cannot read the image "))
    if not images:
        raise DatasetError(f"image folder {options['path']}: none of its {len(picked):,} images can "
                           f"be read (first: {bad[0]})")
    x = np.stack(images)
    y = np.array(labels, dtype=np.int64)
    info = DatasetInfo("imagefolder", IMAGE, (c, h, w), info.classes, samples=len(y))
    notes = [skipped_note(bad, len(picked))] if bad else []
    return RawData(info, torch.from_numpy(x), torch.from_numpy(y), notes=notes)


def skipped_note(bad: list[str], total: int) -> str:
    """'skipped 3 of 120 images that cannot be read: a.jpg (...), ...'."""
    shown = "; ".join(bad[:3]) + ("; ..." if len(bad) > 3 else "")
    return f"image folder: {SKIPPED} {len(bad)} of {total:,} images that cannot be read: {shown}"


def _spread(samples: list, limit: int) -> list:
    """``limit`` samples spread evenly over the (class-sorted) list, so every class stays."""
    idx = np.linspace(0, len(samples) - 1, limit).round().astype(int)
    return [samples[i] for i in idx]


# --------------------------------------------------------------------------- CSV
def _read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    raw = read_limited(path, MAX_CSV_BYTES, "a CSV file", DatasetError)
    try:
        text = raw.decode("utf-8-sig")
        rows = [row for row in csv.reader(io.StringIO(text, newline=""))
                if row and any(cell.strip() for cell in row)]
    except UnicodeDecodeError as exc:
        raise DatasetError(f"CSV file {path} is not UTF-8 text (byte {exc.start}); is it a "
                           f"CSV file?") from None
    except csv.Error as exc:
        raise DatasetError(f"cannot read the CSV file {path}: {exc}") from None
    if len(rows) < 3:
        raise DatasetError(f"CSV file {path} needs a header row and at least two data rows")
    header, body = [h.strip() for h in rows[0]], rows[1:]
    if len(header) < 2:
        raise DatasetError(f"CSV file {path} has one column ({header[0]!r}); it needs numeric "
                           f"feature columns and a label column")
    for i, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise DatasetError(f"CSV file {path}, line {i}: {len(row)} values, but the header "
                               f"has {len(header)} columns")
    return header, body


def _label_index(header: list[str], label: str, path: Path) -> int:
    if not label:
        return len(header) - 1
    if label not in header:
        raise DatasetError(f"CSV file {path} has no column {label!r}; its columns are "
                           f"{', '.join(header)}")
    return header.index(label)


def _features(header, body, li: int, path: Path) -> np.ndarray:
    cols = [j for j in range(len(header)) if j != li]
    out = np.empty((len(body), len(cols)), np.float32)
    for i, row in enumerate(body):
        for k, j in enumerate(cols):
            try:
                out[i, k] = value = float(row[j])
            except ValueError:
                what = "is empty (a missing value)" if not row[j].strip() else "is not a number"
                raise DatasetError(
                    f"CSV file {path}, line {i + 2}, column {header[j]!r}: {row[j]!r} {what}; the "
                    f"table needs numeric columns plus one label column") from None
            if not np.isfinite(value) or not np.isfinite(out[i, k]):
                raise DatasetError(f"CSV file {path}, line {i + 2}, column {header[j]!r}: "
                                   f"{row[j]!r} is not a finite number; fill it in first")
    return out


def _labels(values: list[str], task: str) -> tuple[str, tuple[str, ...], np.ndarray]:
    numbers = _floats(values)
    if task == "auto":
        whole = numbers is not None and all(float(v).is_integer() for v in numbers)
        task = REGRESSION if numbers is not None and not whole else CLASSIFICATION
    if task == REGRESSION:
        if numbers is None:
            raise DatasetError("the CSV label column holds text, so it cannot be a regression "
                               "target; use task=classification")
        return task, (), np.asarray(numbers, np.float32)[:, None]
    keys = sorted(set(values), key=lambda v: (float(v), v) if numbers is not None else (0.0, v))
    index = {k: i for i, k in enumerate(keys)}
    return task, tuple(keys), np.array([index[v] for v in values], np.int64)


def _floats(values: list[str]) -> list[float] | None:
    try:
        return [float(v) for v in values]
    except ValueError:
        return None


def _csv_data(options: dict) -> tuple[DatasetInfo, np.ndarray, np.ndarray]:
    path = Path(options["path"]).expanduser()
    header, body = _read_csv(path)
    li = _label_index(header, options["label"], path)
    x = _features(header, body, li, path)
    labels = [row[li].strip() for row in body]
    if "" in labels:
        raise DatasetError(f"CSV file {path}, line {labels.index('') + 2}: the label "
                           f"({header[li]!r}) is empty")
    task, classes, y = _labels(labels, options["task"])
    info = DatasetInfo("csv", VECTOR, (x.shape[1],), classes, task, samples=len(body))
    return info, x, y


def describe_csv(options: dict) -> DatasetInfo:
    return _csv_data(options)[0]


def load_csv(options: dict) -> RawData:
    info, x, y = _csv_data(options)
    return RawData(info, torch.from_numpy(x), torch.from_numpy(y))
