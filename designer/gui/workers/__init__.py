"""Background threads of the window: the training worker and a runner for small jobs.

Only this package (and the viewers' probe worker) starts threads. What crosses from a
worker thread to the GUI thread is immutable: events of the training loop (scalars and
numpy arrays), plain dicts and frozen dataclasses. Torch is imported only on the worker
threads, inside the job functions (``jobs`` and ``tasks``).
"""

from .training import DELIVERY_INTERVAL_MS, TaskRunner, TrainingWorker

__all__ = ["DELIVERY_INTERVAL_MS", "TaskRunner", "TrainingWorker"]
