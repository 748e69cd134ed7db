"""The body of an exported training script: data, optimiser, schedule, and a training loop that
runs alone (``python train.py``) or under torchrun (``torchrun --nproc_per_node=N train.py``).

This module is copied verbatim into the script after the model class and a CONFIG dict (see
train_script.py), so it imports nothing from Designer, only torch, numpy and, for the digits,
scikit-learn; the speed settings (precision, torch.compile, channels-last) follow it, from
train_speed.py. Under torchrun each process trains a DistributedDataParallel replica on its
DistributedSampler share (NCCL on GPUs, Gloo on CPUs); only rank 0 prints and saves.
"""

import argparse
import io
import math
import os
import sys  # the generated script ends with sys.exit(main(build, CONFIG))
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

TORCHVISION_SETS = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST", "cifar10": "CIFAR10",
                    "cifar100": "CIFAR100"}
LUMA = (0.299, 0.587, 0.114)


# --------------------------------------------------------------------------- data
def load_samples(data, root, shape):
    """(x [N, C, H, W] uint8 or float in [0, 1], y, test_x, test_y) for the configured dataset."""
    name, options = data["name"], data.get("options", {})
    if name == "digits":
        from sklearn.datasets import load_digits

        bunch = load_digits()
        x = torch.from_numpy((bunch.images / 16.0).astype(np.float32)).unsqueeze(1)
        if options.get("size"):
            x = resize(x, (options["size"], options["size"]))
        return x, torch.from_numpy(bunch.target.astype(np.int64)), None, None
    if name in TORCHVISION_SETS:
        import torchvision.datasets as tvd

        cls = getattr(tvd, TORCHVISION_SETS[name])
        root = os.path.expanduser(root or options.get("root", "~/.designer/datasets"))
        download = bool(options.get("download", False))
        train, test = cls(root, train=True, download=download), cls(root, train=False, download=False)
        return (*_tv_tensors(train), *_tv_tensors(test))
    if name == "imagefolder":
        return (*_folder(root or options["path"], shape, options.get("channels", 0)), None, None)
    raise SystemExit(f"this script cannot load the dataset {name!r}")


def _tv_tensors(dataset):
    x = torch.as_tensor(np.asarray(dataset.data))
    x = x.unsqueeze(1) if x.dim() == 3 else x.permute(0, 3, 1, 2)
    return x.contiguous(), torch.as_tensor(np.asarray(dataset.targets), dtype=torch.int64)


def _folder(path, shape, channels):
    """Every image of a folder of class sub-folders, at the design's size, as floats."""
    from torchvision.datasets import ImageFolder
    from torchvision.transforms.functional import pil_to_tensor

    folder = ImageFolder(path)
    mode = "L" if channels == 1 or (channels == 0 and len(shape) == 3 and shape[0] == 1) else "RGB"
    first = pil_to_tensor(folder.loader(folder.samples[0][0]).convert(mode))
    _, size = image_target(tuple(first.shape), shape)
    images = [resize(pil_to_tensor(folder.loader(p).convert(mode)).unsqueeze(0).float() / 255, size)
              for p, _ in folder.samples]
    return torch.cat(images).clamp(0.0, 1.0), torch.tensor([label for _, label in folder.samples])


def resize(x, size):
    shrink = size[0] < x.shape[-2] or size[1] < x.shape[-1]
    return F.interpolate(x, size=tuple(size), mode="bilinear", align_corners=False, antialias=shrink)


def fit_images(x, shape, permute_seed=None):
    """Images to floats at the design's channels and size ([C, H, W], or [F] = C·S·S)."""
    x = x.float() / 255.0 if x.dtype == torch.uint8 else x.float()
    channels, size = image_target(tuple(x.shape[1:]), shape)
    if x.shape[1] != channels:
        x = x.expand(-1, channels, -1, -1) if x.shape[1] == 1 else \
            (x * torch.tensor(LUMA).view(1, 3, 1, 1)).sum(1, keepdim=True)
    if tuple(x.shape[2:]) != size:
        x = resize(x, size).clamp(0.0, 1.0)
    if permute_seed is not None:
        order = torch.randperm(size[0] * size[1], generator=torch.Generator().manual_seed(permute_seed))
        x = x.flatten(2)[:, :, order].view_as(x)
    return x.contiguous()


def image_target(source, shape):
    """(channels, (H, W)) that a [C, H, W] sample becomes for an Input of ``shape``."""
    if len(shape) == 3:
        return shape[0], tuple(shape[1:])
    for c in dict.fromkeys((source[0], 1, 3)):
        side = math.isqrt(shape[0] // c)
        if side * side * c == shape[0]:
            return c, (side, side)
    raise SystemExit(f"images of shape {list(source)} cannot fill the Input {list(shape)}")


def split(y, fraction, seed):
    """Stratified, seeded (train, validation) indices: ``fraction`` of each class held out."""
    gen = torch.Generator().manual_seed(seed)
    train, val = [], []
    for c in y.unique():
        idx = torch.nonzero(y == c).flatten()
        idx = idx[torch.randperm(len(idx), generator=gen)]
        n_val = min(max(int(round(len(idx) * fraction)), 1), len(idx) - 1) if len(idx) > 1 else 0
        val.append(idx[:n_val])
        train.append(idx[n_val:])
    train_idx = torch.cat(train)
    return train_idx[torch.randperm(len(train_idx), generator=gen)], torch.cat(val).sort().values


def prepare_data(config, root):
    """Normalised training and validation tensors shaped for the design, and the statistics."""
    data, seed, shape = config["data"], config["seed"], tuple(config["input_shape"])
    x, y, test_x, test_y = load_samples(data, root, shape)
    limit = data.get("options", {}).get("limit", 0)
    if limit and limit < len(y):
        keep = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed + 1))[:limit]
        x, y = x[keep], y[keep]
    if data.get("validation", "split") == "test":
        if test_x is None:
            raise SystemExit(f"{data['name']} has no test split; use validation 'split'")
        train_x, train_y, val_x, val_y = x, y, test_x, test_y
    else:
        train_idx, val_idx = split(y, data.get("val_fraction", 0.2), seed)
        train_x, train_y, val_x, val_y = x[train_idx], y[train_idx], x[val_idx], y[val_idx]
    permute = seed + 12345 if data.get("permute_pixels") else None
    train_x, val_x = fit_images(train_x, shape, permute), fit_images(val_x, shape, permute)
    mean = train_x.mean(dim=(0, 2, 3), keepdim=True)
    std = train_x.std(dim=(0, 2, 3), keepdim=True, unbiased=False).clamp_min(1e-6)
    flat = len(shape) == 1
    finish = (lambda t: ((t - mean) / std).flatten(1)) if flat else (lambda t: (t - mean) / std)
    stats = {"mean": mean.flatten().tolist(), "std": std.flatten().tolist()}
    return TensorDataset(finish(train_x), train_y), TensorDataset(finish(val_x), val_y), stats


# --------------------------------------------------------------------------- optimisation
def make_optimizer(params, config):
    name, lr, wd = config["optimizer"], config["lr"], config["weight_decay"]
    betas = tuple(config["betas"])
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=wd)
    if name in ("momentum", "nesterov"):
        return torch.optim.SGD(params, lr=lr, momentum=config["momentum"] or 0.9, weight_decay=wd,
                               nesterov=name == "nesterov")
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=betas, weight_decay=wd)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, betas=betas, weight_decay=wd)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, weight_decay=wd)
    return torch.optim.Adagrad(params, lr=lr, weight_decay=wd)


def _stay_in_eval(module, mode=True):
    return nn.Module.train(module, False)


def transfer_groups(model, config, lr):
    """Freeze the layers in config["frozen_layers"] (their BatchNorms keep evaluating) and scale
    the rates of config["layer_lr_multipliers"]; the optimiser's parameter groups."""
    frozen, factors = set(config.get("frozen_layers", ())), config.get("layer_lr_multipliers", {})
    groups = {}
    for name, layer in model.named_children():
        if name in frozen:
            layer.requires_grad_(False)
            for module in layer.modules():
                if config.get("frozen_batchnorm_eval", True) and isinstance(module, nn.modules.batchnorm._BatchNorm):
                    module.train = _stay_in_eval.__get__(module)
            continue
        groups.setdefault(factors.get(name, 1.0), []).extend(p for p in layer.parameters() if p.requires_grad)
    return [{"params": ps, "lr": lr * f, "lr_mult": f} for f, ps in groups.items() if ps]


def lr_at(schedule, lr0, step, steps_per_epoch, epochs):
    """The learning rate of optimiser step ``step`` (warm-up, then the named schedule)."""
    warm = int(round(schedule["warmup_epochs"] * steps_per_epoch))
    if step < warm:
        return lr0 * (step + 1) / warm
    t = (step - warm) / steps_per_epoch
    name = schedule["name"]
    if name == "time":
        return lr0 / (1.0 + schedule["k"] * t)
    if name == "exponential":
        return lr0 * math.exp(-schedule["k"] * t)
    if name == "step":
        return lr0 * schedule["gamma"] ** math.floor(t / schedule["step_size"] + 1e-9)
    if name == "cosine":
        span = max(epochs - warm / steps_per_epoch, 1e-12)
        cos = (1.0 + math.cos(math.pi * min(t / span, 1.0))) / 2.0
        return schedule["min_lr"] + (lr0 - schedule["min_lr"]) * cos
    return lr0


def loss_fn(config, classes):
    if config["loss"] == "cross_entropy":
        return lambda out, y: F.cross_entropy(out.float(), y, label_smoothing=config["label_smoothing"])
    return lambda out, y: F.mse_loss(out.float(), F.one_hot(y, classes).float())


# --------------------------------------------------------------------------- processes
def setup(device_name):
    """(rank, world size, device): one process, or one of torchrun's with NCCL/Gloo."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    cuda = torch.cuda.is_available() and device_name in ("auto", "cuda")
    device = torch.device(f"cuda:{local}" if cuda else "cpu")
    if cuda:
        torch.cuda.set_device(device)
    if "RANK" in os.environ and "WORLD_SIZE" in os.environ:  # started by torchrun
        dist.init_process_group("nccl" if cuda else "gloo")
    return int(os.environ.get("RANK", "0")), world, device


def reduce_sum(values, world, device):
    tensor = torch.tensor(values, dtype=torch.float64, device=device)
    if dist.is_initialized():
        dist.all_reduce(tensor)
    return tensor.tolist()


def weights_spread(model, world, device):
    """Largest difference of any weight between the processes (0.0 when they agree)."""
    flat = torch.cat([t.detach().double().flatten() for t in model.state_dict().values()]).to(device)
    high, low = flat.clone(), flat.clone()
    dist.all_reduce(high, op=dist.ReduceOp.MAX)
    dist.all_reduce(low, op=dist.ReduceOp.MIN)
    return float((high - low).max()) if flat.numel() else 0.0


# --------------------------------------------------------------------------- the loop
def run_epoch(forward, loader, loss, optimizer, device, world, schedule_step=None, dtype=None,
              scaler=None, channels_last=False):
    """One pass; trains when ``optimizer`` is given. Returns (mean loss, accuracy) over ranks."""
    forward.eager.train(optimizer is not None)
    total = correct = count = 0.0
    with torch.set_grad_enabled(optimizer is not None):
        for x, y in loader:
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            if channels_last and x.dim() == 4:
                x = x.contiguous(memory_format=torch.channels_last)
            if optimizer is not None:
                schedule_step()
                out, value = train_step(forward, x, y, loss, optimizer, scaler, dtype)
                scaler.step(optimizer)
                scaler.update()
            else:
                with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
                    out = forward.eager(x)
                value = loss(out, y)
            total += float(value.detach()) * len(y)
            correct += float((out.detach().argmax(1) == y).sum())
            count += len(y)
    total, correct, count = reduce_sum([total, correct, count], world, device)
    return total / max(count, 1), correct / max(count, 1)


def train(build, config, args):
    rank, world, device = setup(args.device)
    torch.manual_seed(config["seed"])
    train_set, val_set, stats = prepare_data(config, args.data_root)
    classes = int(train_set.tensors[1].max()) + 1
    model = build().to(device)
    channels_last = args.channels_last and len(config["input_shape"]) == 3
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    launched = dist.is_initialized()
    net = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None) \
        if launched else model
    per_process = max(1, math.ceil(args.batch_size / world))  # the global batch is kept
    sampler = DistributedSampler(train_set, world, rank, shuffle=True, seed=config["seed"]) if launched else None
    gen = torch.Generator().manual_seed(config["seed"])
    # Compiled steps want one batch shape: the last partial batch of each epoch is left out.
    train_loader = DataLoader(train_set, per_process, shuffle=sampler is None, sampler=sampler,
                              generator=gen, drop_last=args.compile != "off" and len(train_set) >= per_process * world)
    val_share = torch.utils.data.Subset(val_set, range(rank, len(val_set), world))
    val_loader = DataLoader(val_share, per_process)
    optimizer = make_optimizer(transfer_groups(model, config, args.lr), {**config, "lr": args.lr})
    loss, steps = loss_fn(config, classes), [0]

    def schedule_step():
        lr = lr_at(config["schedule"], args.lr, steps[0], len(train_loader), args.epochs)
        for group in optimizer.param_groups:
            group["lr"] = lr * group.get("lr_mult", 1.0)
        steps[0] += 1

    log = print if rank == 0 else (lambda *a, **k: None)
    dtype = autocast_dtype(args.precision, device, config.get("large_enough_for_16_bit", False))
    scaler = torch.amp.GradScaler(device.type, enabled=dtype is torch.float16)
    forward = Forward(net, args.compile, device, log)
    speed = [name for name, on in ((f"{dtype}".replace("torch.", "") + " autocast", dtype),
                                   ("torch.compile", forward.compiled),
                                   ("channels-last", channels_last)) if on]
    log(f"training {config['name']} on {config['data']['name']}: {len(train_set)} samples, "
        f"{len(val_set)} for validation, {world} process(es) on {device.type}"
        + (f" ({dist.get_backend()})" if launched else "") + (f"; {', '.join(speed)}" if speed else ""))
    best, waited, epoch = math.inf, 0, 0
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        if sampler is not None:
            sampler.set_epoch(epoch)
        train_loss, train_acc = run_epoch(forward, train_loader, loss, optimizer, device, world,
                                          schedule_step, dtype, scaler, channels_last)
        val_loss, val_acc = run_epoch(forward, val_loader, loss, None, device, world, dtype=dtype,
                                      channels_last=channels_last)
        log(f"epoch {epoch}/{args.epochs}  loss {train_loss:.4f}  accuracy {train_acc:.1%}  "
            f"val loss {val_loss:.4f}  val accuracy {val_acc:.1%}  "
            f"lr {optimizer.param_groups[0]['lr']:.3g}  {time.perf_counter() - start:.1f}s")
        if rank == 0 and args.checkpoint:
            save(model, config, stats, epoch, val_acc, args.checkpoint)
        if config["patience"]:
            best, waited = (val_loss, 0) if val_loss < best - config["min_delta"] else (best, waited + 1)
            if waited >= config["patience"]:
                log(f"stopping early: no improvement for {waited} epochs")
                break
    status = 0
    if launched:
        spread = weights_spread(model, world, device)
        if world > 1:
            log(f"the {world} processes agree on the final weights (largest difference {spread:.3g})"
                if spread == 0 else f"the processes disagree on the final weights by {spread:.3g}")
        status = 0 if spread == 0 else 1
        # Every rank reaches here before any tears gloo down; a rank leaving early while the
        # other still holds the group aborts it ("terminate called without an active exception").
        dist.barrier()
        del net
        dist.destroy_process_group()
        # A torchrun worker ends here: gloo's threads can still abort the interpreter's own
        # teardown ("terminate called without an active exception", about 1 run in 8 on a
        # loaded machine), so the process leaves as soon as its output is out.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    return status


def save(model, config, stats, epoch, val_acc, path):
    """A checkpoint Designer reads back (``designer export --checkpoint``): weights under "model"."""
    state = {"model": model.state_dict(), "epoch": epoch, "val_accuracy": val_acc,
             "normalisation": stats, "config": config}
    buffer = io.BytesIO()  # serialised in memory, then written atomically
    torch.save(state, buffer)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as fh:
            fh.write(buffer.getbuffer())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:  # a full or read-only disk: keep training, keep the last good file
        if os.path.exists(tmp):
            os.unlink(tmp)
        print(f"warning: epoch {epoch}: cannot write the checkpoint {path}: "
              f"{exc.strerror or exc}; training goes on", file=sys.stderr)


def main(build, config, argv=None):
    parser = argparse.ArgumentParser(description=f"Train {config['name']} (generated by Designer). "
                                     f"Run with python, or torchrun --nproc_per_node=N for several.")
    parser.add_argument("--epochs", type=int, default=config["epochs"])
    parser.add_argument("--batch-size", type=int, default=config["batch_size"],
                        help="global batch size, shared among the processes")
    parser.add_argument("--lr", type=float, default=config["lr"])
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default=config["device"])
    parser.add_argument("--data-root", help="folder of the dataset files (torchvision sets, imagefolder)")
    parser.add_argument("--precision", choices=("auto", "fp32", "bf16"),
                        default=config.get("precision", "auto"),
                        help="auto: 16-bit on CUDA for big designs; bf16: bf16 autocast on CPU or CUDA")
    parser.add_argument("--compile", choices=("off", "on", "reduce-overhead"),
                        default=config.get("compile", "off"),
                        help="torch.compile the training step; reduce-overhead adds CUDA graphs (CUDA only)")
    parser.add_argument("--channels-last", action=argparse.BooleanOptionalAction,
                        default=config.get("channels_last", False),
                        help="images and convolution weights channels-last (NHWC)")
    parser.add_argument("--checkpoint", default=config["checkpoint"],
                        help="where rank 0 saves the weights each epoch ('' = nowhere)")
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.batch_size < 1 or args.lr <= 0:
        parser.error("--epochs and --batch-size must be at least 1 and --lr more than 0")
    return train(build, config, args)
