"""``--jobs N``: several plans decoded in worker processes, results in command-line order.

Only loading runs in the workers (reading, decoding, building resources: most
of a large plan's time); the rules then run once, in this process, on one
model of every plan, so cross-plan questions (which routes in the network
plan use this NAT gateway?) and the output are exactly what a serial run
gives. A worker's resources come back pickled, which costs a fraction of
decoding them, so this pays only for several large plans: by default
(``jobs=None``) it is used when there are at least two plans totalling
``AUTO_MIN_BYTES``, with one worker per CPU. Errors are raised in
command-line order, as a serial run would: the first broken plan wins.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from natpolicy.errors import InputError
from natpolicy.loaders.plan_json import load_plan
from natpolicy.model import Resource

if TYPE_CHECKING:
    from concurrent.futures import Future

__all__ = ["AUTO_MIN_BYTES", "load_in_order", "worker_count"]

AUTO_MIN_BYTES = 40_000_000  # two 10k-resource plans: below that, starting workers costs more than it saves


def worker_count(jobs: int | None, targets: list[str]) -> int:
    """How many worker processes to load ``targets`` with (1: in this process)."""
    files = [t for t in targets if t != "-"]
    if jobs is None:
        cpus = os.cpu_count() or 1
        if len(files) < 2 or cpus < 2 or sum(_size(t) for t in files) < AUTO_MIN_BYTES:
            return 1
        jobs = cpus
    return max(1, min(jobs, len(files)))


def _size(target: str) -> int:
    try:
        return os.path.getsize(target)
    except OSError:
        return 0  # the loader says what is wrong with it


def _load(target: str, origin: str) -> list[Resource] | tuple[str, str]:
    """In a worker: the resources, or the input error as plain strings (it pickles back as data)."""
    try:
        return load_plan(target, display=origin)
    except InputError as exc:
        return (exc.source, exc.problem)


def load_in_order(pending: list[tuple[str, str]], workers: int,
                  step: Callable[[str, str], AbstractContextManager[object]]) -> Iterator[list[Resource]]:
    """The resources of each ``(target, origin)`` in order; ``-`` (stdin) is read here, not in a worker.

    ``step(target, origin)`` is a context manager around the wait for each plan (progress).
    """
    import multiprocessing  # only for runs that use it
    from concurrent.futures import ProcessPoolExecutor

    # "spawn", not fork: a library caller (or pytest-xdist) may have threads, and a forked child can
    # inherit a lock held by one of them. A fresh interpreter costs a fraction of one large plan.
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures: list[Future[list[Resource] | tuple[str, str]] | None] = [
            None if target == "-" else pool.submit(_load, target, origin) for target, origin in pending]
        try:
            for (target, origin), future in zip(pending, futures, strict=True):
                with step(target, origin):
                    loaded = load_plan(target, display=origin) if future is None else future.result()
                if isinstance(loaded, tuple):
                    raise InputError(*loaded)
                yield loaded
        finally:
            for future in futures:
                if future is not None:
                    future.cancel()
