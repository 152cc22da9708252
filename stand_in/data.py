"""Compatibility module: the datasets now live in :mod:`stand_in.datasets`."""

from .datasets import (  # noqa: F401
    CYCLE, MISSING, SPECIAL_SUBJECTS, build_dataset, build_objects, iter_dataset,
)

__all__ = ["build_dataset", "build_objects", "iter_dataset", "SPECIAL_SUBJECTS", "MISSING", "CYCLE"]
