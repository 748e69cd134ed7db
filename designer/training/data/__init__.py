"""Datasets for training: the catalog, descriptions (shape, classes) and fitted bundles."""

from .base import CLASSIFICATION, IMAGE, REGRESSION, VECTOR, DatasetError, DatasetInfo
from .catalog import DATASETS
from .plan import InputPlan, plan_input
from .prepare import DataBundle, describe_dataset, load_dataset

__all__ = ["CLASSIFICATION", "IMAGE", "REGRESSION", "VECTOR", "DATASETS", "DataBundle",
           "DatasetError", "DatasetInfo", "InputPlan", "describe_dataset", "load_dataset",
           "plan_input"]
