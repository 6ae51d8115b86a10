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

__all__ = ["OnFirstCall", "on_first_call", "made_on_first_call"]


def on_first_call(module: str, name: str) -> OnFirstCall:
    """``natpolicy.rego.<module>.<name>``, its module imported at the first call."""
    return OnFirstCall(module, name, None)


def made_on_first_call(module: str, factory: str, arguments: tuple[Any, ...] = ()) -> OnFirstCall:
    """The function ``natpolicy.rego.<module>.<factory>(*arguments)`` makes, made at the first call: once per
    registration, so state the factory gives each engine (``rand.intn``'s cache) stays the engine's."""
    return OnFirstCall(module, factory, arguments)


class OnFirstCall:
    """A callable standing for a function of a module not imported yet (``module`` and ``name`` say which, so a
    test can hold every registration to a function that exists)."""

    __slots__ = ("module", "name", "arguments", "_made")

    def __init__(self, module: str, name: str, arguments: tuple[Any, ...] | None) -> None:
        self.module, self.name, self.arguments = f"natpolicy.rego.{module}", name, arguments
        self._made: Callable[..., Any] | None = None

    def resolve(self) -> Callable[..., Any]:
        """The function itself (made by the factory, for a :func:`made_on_first_call`), its module imported."""
        if self._made is None:
            found = getattr(importlib.import_module(self.module), self.name)
            self._made = found if self.arguments is None else found(*self.arguments)
        return self._made

    def __call__(self, *args: Any) -> Any:
        made = self._made
        return (made if made is not None else self.resolve())(*args)
