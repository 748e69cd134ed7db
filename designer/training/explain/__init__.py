"""Explain a prediction: attribution maps, occlusion, adversarial examples, and what each
filter wants to see — computed on the thread that owns the model, as probe work.

``explain_work`` (request.py) serves a ProbeRequest of kind ``"explain"`` in units; the
probes run it between training steps during a run and at once after it. Captum supplies
saliency, Integrated Gradients, Guided Backprop, Grad-CAM (attribution.py) and FGSM/PGD
(adversarial.py); occlusion by patch position, the smallest-ε search and activation
maximisation with the top dataset patches are written here (occlusion.py, adversarial.py,
maximise.py), each saying why. Torch and Captum are imported inside functions.
"""

from .progress import CANCELLED, Progress, cancel, forget, take_cancelled
from .request import ATTRIBUTIONS, KIND, METHODS, explain_work

__all__ = ["ATTRIBUTIONS", "CANCELLED", "KIND", "METHODS", "Progress", "cancel", "explain_work", "forget",
           "take_cancelled"]
