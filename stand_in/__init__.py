"""Local stand-in of the People.ai API (real HTTP on 127.0.0.1), for demos and tests."""

from .client import StandIn
from .data import build_dataset

__all__ = ["StandIn", "build_dataset"]
