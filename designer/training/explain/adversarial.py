"""Adversarial examples with captum.robust: FGSM (Goodfellow et al. 2015) and PGD (Madry et
al. 2018), untargeted, against the predicted class, within ε of the image in the L∞ norm and
inside the valid pixel range.

The search for the smallest ε that flips the prediction is written here rather than with
captum.robust.MinParamPerturbation, because each trial must be its own unit of work (a
progress step, a pause between training steps, a chance to cancel): a geometric scan finds
the first ε that flips, then bisection narrows the interval to 1/64 of its width. A
prediction need not stay flipped for every larger ε, so the answer is "the smallest ε found"
on that scan, as the figure says.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from ..probes.events import ProbeError
from .subject import Subject, probabilities, top_classes

ATTACKS = ("fgsm", "pgd")
PGD_STEPS = 10
SCAN_FIRST, SCAN_FACTOR = 0.001, 1.5
BISECTIONS = 6


def perturb(subject: Subject, attack: str, epsilon: float, label: int, x=None):
    """The adversarial version of ``x`` (default the subject's input) for ``label``."""
    from captum.robust import FGSM, PGD

    if attack not in ATTACKS:
        raise ProbeError(f"unknown attack {attack!r}; choose fgsm or pgd")
    if epsilon < 0:
        raise ProbeError(f"ε must be 0 or more, got {epsilon}")
    x = (subject.x if x is None else x).detach().clone().requires_grad_(True)
    lo, hi = subject.bounds
    if epsilon == 0:
        return x.detach()
    if attack == "fgsm":
        return FGSM(subject.net, lower_bound=lo, upper_bound=hi).perturb(x, epsilon, label).detach()
    import warnings

    step = 2.5 * epsilon / PGD_STEPS  # Madry et al.'s step size
    with warnings.catch_warnings():  # PGD's inner FGSM steps start from fresh tensors
        warnings.filterwarnings("ignore", "Input Tensor 0 did not already require gradients", UserWarning)
        return PGD(subject.net, lower_bound=lo, upper_bound=hi).perturb(
            x, radius=epsilon, step_size=step, step_num=PGD_STEPS, target=label).detach()


def example(subject: Subject, attack: str, epsilon: float) -> dict:
    """Original, perturbation and perturbed input, each with its top-3 probabilities."""
    probs = probabilities(subject.net, subject.x)[0]
    label = int(np.argmax(probs))
    adv = perturb(subject, attack, epsilon, label)
    adv_probs = probabilities(subject.net, adv)[0]
    delta = (adv - subject.x)[0].float().cpu().numpy()
    return {"attack": attack, "epsilon": float(epsilon), "original": subject.picture(subject.x),
            "perturbed": subject.picture(adv), "perturbation": delta,
            "delta_max": float(np.abs(delta).max()) if delta.size else 0.0,
            "top_original": top_classes(probs), "top_perturbed": top_classes(adv_probs),
            "predicted": label, "flipped_to": int(np.argmax(adv_probs)),
            "flipped": bool(np.argmax(adv_probs) != label)}


def smallest_flip(subject: Subject, attack: str, most: float | None = None) -> Iterator:
    """Yields (trial, trials at most) per ε tried; returns (``yield from``) (ε, new class)
    for the smallest ε found that changes the prediction, or (None, None) up to ``most``
    (1.0 in pixel space: any image can then be reached)."""
    most = most if most is not None else (1.0 if subject.pixels else 10.0)
    label = int(np.argmax(probabilities(subject.net, subject.x)[0]))
    scan = [0.0]
    while scan[-1] < most:
        scan.append(min(most, SCAN_FIRST * SCAN_FACTOR ** (len(scan) - 1)))
    trials = len(scan) - 1 + BISECTIONS
    tried = 0

    def flips(eps: float) -> int | None:
        new = int(np.argmax(probabilities(subject.net, perturb(subject, attack, eps, label))[0]))
        return new if new != label else None

    lo = hi = None
    for previous, eps in zip(scan[:-1], scan[1:]):
        tried += 1
        found = flips(eps)
        yield tried, trials
        if found is not None:
            lo, hi, best = previous, eps, found
            break
    if hi is None:
        return None, None
    for _ in range(BISECTIONS):
        mid = (lo + hi) / 2
        tried += 1
        found = flips(mid)
        yield tried, trials
        if found is not None:
            hi, best = mid, found
        else:
            lo = mid
    return hi, best


def in_words(epsilon: float | None, before: str, after: str | None, attack: str, most: float) -> str:
    """"ε = 0.031 turns this 3 into an 8" (or why no ε did)."""
    name = attack.upper()
    if epsilon is None:
        return f"no ε up to {most:g} makes {name} change the prediction {before}"
    return f"ε = {epsilon:.3g} ({name}) turns this {before} into {_article(after)} {after}"


def _article(word: str) -> str:
    """'an' before a vowel sound (an 8, an 11, an eagle), else 'a'."""
    w = str(word).lower()
    return "an" if w[:1] in ("a", "e", "i", "o", "8") or w in ("11", "18") else "a"
