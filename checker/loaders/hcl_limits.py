"""The HCL evaluation budget's limits and the context that carries them into a load.

Split from :mod:`natpolicy.loaders.hcl.budget` (which re-exports all of it) so
that a plan-only run, which sets the configured limits around every load
without evaluating any HCL, does not import the HCL value types (and through
them ``fractions`` and ``decimal``) to do it.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from natpolicy.records import record

__all__ = ["CONFIG_KEY", "DEFAULT_LIMITS", "LIMITS_VAR", "Limits", "configured", "limits"]

CONFIG_KEY = "hcl-budget"


@record(frozen=True)
class Limits:
    """Per root module. The defaults take a few seconds and a few hundred MB at worst."""

    steps: int = 2_000_000
    size: int = 20_000_000
    instances: int = 50_000


DEFAULT_LIMITS = Limits()

LIMITS_VAR: ContextVar[Limits] = ContextVar("natpolicy_hcl_limits", default=DEFAULT_LIMITS)


def limits() -> Limits:
    return LIMITS_VAR.get()


@contextmanager
def configured(chosen: Limits) -> Iterator[None]:
    """Loads inside use ``chosen`` (the config file's ``hcl-budget``)."""
    token = LIMITS_VAR.set(chosen)
    try:
        yield
    finally:
        LIMITS_VAR.reset(token)
