"""Pause Python's cyclic garbage collector while building large, acyclic data.

A 10k-resource plan parses into about two million dicts and lists. Each one
counts towards the collector's thresholds, so a parse with the collector on
runs dozens of collections, several of them over the whole growing heap: on
a 20 MB plan ``json.loads`` takes 0.47 s with it and 0.14 s without. Plan
documents, resources and findings hold no reference cycles, so reference
counting frees them either way; pausing only skips useless work.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Disable the cyclic collector inside the block; restore its state after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
