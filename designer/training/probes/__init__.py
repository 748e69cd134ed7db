"""Probes: look inside a network, on the thread that owns its model, within a time budget.

Two ways in, one set of computations:

* During training the loop calls ``hook.after_step(StepContext(...))`` after each optimiser
  step and yields the events it returns (``hook``): the first-loss check, health every few
  seconds, and the answers to requests any thread queued with ``hook.submit(ProbeRequest)``
  (filters, activation maps, predictions, ...), paced to stay under 10 % of training time.
* After training, ``run_request(model, request, data)`` computes the same answers at once,
  on a short-lived worker thread, from a model loaded from a checkpoint (``requests``).

Forward hooks are installed for one probe pass and removed afterwards, even on error
(``model``). Only numpy arrays and Python scalars leave the package (``events``). Torch is
imported inside functions, so the GUI may import the event classes without loading torch.
"""

from .events import (BUDGET_FRACTION, DEAD_TYPES, GALLERY, HEALTH_INTERVAL_S, MAX_MAPS, PARAM_TYPES,
                     PREDICT_CHUNK, PROBE_BATCH, REQUEST_KINDS, HealthSample, LossCheck, ProbeError,
                     ProbeRequest, ProbeResult, StepContext)
from .hook import MIN_UNIT_S, Budget, Probe, ProbeHook, loss_check
from .model import (Chunker, capture_activations, dead_units, device_of, filters, forward_hooks,
                    gradient_norms, health_snapshot, inference, node_modules, run_all, weight_norms)
from .requests import Samples, compute, display_images, predict, prediction_report, run_request, samples_of

__all__ = [
    "BUDGET_FRACTION", "DEAD_TYPES", "GALLERY", "HEALTH_INTERVAL_S", "MAX_MAPS", "MIN_UNIT_S",
    "PARAM_TYPES", "PREDICT_CHUNK", "PROBE_BATCH", "REQUEST_KINDS", "Budget", "Chunker",
    "HealthSample", "LossCheck", "Probe", "ProbeError", "ProbeHook", "ProbeRequest", "ProbeResult",
    "Samples", "StepContext", "capture_activations", "compute", "dead_units", "device_of",
    "display_images", "filters", "forward_hooks", "gradient_norms", "health_snapshot", "inference",
    "loss_check", "node_modules", "predict", "prediction_report", "run_all", "run_request",
    "samples_of", "weight_norms",
]
