"""How many classes a replaced head gets, read from the dataset, and ``designer train
--replace-head``: the design's head rebuilt for the data before training (core.head does the
graph change; this module knows datasets). No torch at import.
"""

from __future__ import annotations

from dataclasses import replace

from ..core.graph import Graph
from ..core.head import HeadError, replace_head
from ..core.trainable import with_trainable


def dataset_classes(data_cfg) -> int:
    """The number of classes of the dataset ``data_cfg`` names; ValueError saying why not
    (a regression dataset, no classes found, unreadable folder)."""
    from .data import CLASSIFICATION, DatasetError, describe_dataset

    try:
        info = describe_dataset(data_cfg)
    except DatasetError as exc:
        raise ValueError(str(exc)) from None
    if info.task != CLASSIFICATION:
        raise ValueError(f"{info.name} has values to predict, not classes: give the number of "
                         f"outputs instead")
    if info.num_classes < 1:
        raise ValueError(f"{info.name} has no classes (an image folder needs one sub-folder per class)")
    return info.num_classes


def replaced_for_training(graph: Graph, config, classes: int | None, say=lambda text: None):
    """(graph, config) with the head replaced: ``classes`` outputs (0: the dataset's classes).
    The graph is a changed copy; the config gains the head in ``fresh_layers`` and loses it
    from ``freeze``. ValueError (HeadError) with what to do when it cannot be done."""
    if classes == 0:
        classes = dataset_classes(config.data)
    edit = replace_head(graph, classes)
    changed = graph.copy()
    edit.apply(changed)
    settings = with_trainable(changed, {"freeze": list(config.freeze)}, [edit.node_id], True)
    fresh = tuple(dict.fromkeys([*config.fresh_layers, edit.node_id]))
    config = replace(config, freeze=tuple(settings.get("freeze", ())), fresh_layers=fresh)
    say(f"replaced the head: {edit.node_id} now gives {classes} outputs and starts from fresh weights")
    return changed, config


__all__ = ["HeadError", "dataset_classes", "replaced_for_training"]
