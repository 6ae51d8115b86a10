"""``--jobs N``: several plans decoded in worker processes, results in command-line order.

Only loading runs in the workers (reading, decoding, building resources: most
of a large plan's time); the rules then run once, in this process, on one
model of every plan, so cross-plan questions (which routes in the network
plan use this NAT gateway?) and the output are exactly what a serial run
gives. A worker's resources come back pickled, and a worker resolves every
resource's references before pickling them (a serial run resolves only those the
rules ask for), so on the hosts measured (2 CPUs, benchmarks/RESULTS.md) two
workers have always been slower than one process: two 50k plans took 7.3 s
against 2.8 s. Workers are therefore used only when ``--jobs N`` asks for them
(``jobs=None`` reads serially). Errors are raised in
command-line order, as a serial run would: the first broken plan wins.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from natpolicy.errors import InputError
from natpolicy.loaders.plan_json import load_plan
from natpolicy.model import Resource

if TYPE_CHECKING:
    from concurrent.futures import Future

__all__ = ["load_in_order", "worker_count"]


def worker_count(jobs: int | None, targets: list[str]) -> int:
    """How many worker processes to load ``targets`` with (1: in this process). ``jobs`` is ``--jobs``, None when
    not given: serial, never more workers than files, and standard input is read here."""
    if jobs is None:
        return 1  # workers have not paid on any host measured (module docstring)
    files = [t for t in targets if t != "-"]
    return max(1, min(jobs, len(files)))


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
