"""regorus extensions whose Python module is imported at their first call, not at every child's start.

Most of OPA's builtins natpolicy computes in Python for regorus (``engine_regorus.new_engine``) serve calls
few policies make: ``units.parse``, ``net.cidr_contains``, ``urlquery.*``... Their modules, and what they
import (``fractions``, ``random``, ``ipaddress``, ``urllib.parse``), cost every run's child its import
before any policy is read: about 5 ms of CPU of a one-rule run's child start, measured (see
benchmarks/RESULTS-rego.md). Registered through :func:`on_first_call`, such a module is imported when
regorus first calls the builtin; the function then answers as itself (the same arguments, value and
exception), through one more Python call.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

__all__ = ["on_first_call", "made_on_first_call"]


def on_first_call(module: str, name: str) -> Callable[..., Any]:
    """``natpolicy.rego.<module>.<name>``, its module imported at the first call."""
    return _lazy(module, name, None)


def made_on_first_call(module: str, factory: str, arguments: tuple[Any, ...] = ()) -> Callable[..., Any]:
    """The function ``natpolicy.rego.<module>.<factory>(*arguments)`` makes, made at the first call: once per
    registration, so state the factory gives each engine (``rand.intn``'s cache) stays the engine's."""
    return _lazy(module, factory, arguments)


def _lazy(module: str, name: str, arguments: tuple[Any, ...] | None) -> Callable[..., Any]:
    made: list[Callable[..., Any]] = []

    def call(*args: Any) -> Any:
        if not made:
            found = getattr(importlib.import_module(f"natpolicy.rego.{module}"), name)
            made.append(found if arguments is None else found(*arguments))
        return made[0](*args)

    return call
