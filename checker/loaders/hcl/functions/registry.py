"""The built-in function table (name -> function) and the ``fn`` decorator that fills it.

A leaf: it imports nothing that imports it back, so the evaluator and every
function module can use it without an import cycle (tests/test_module_layout.py
checks). Each function receives evaluated arguments. Unless marked
``lenient``, a function given an unknown argument returns ``UNKNOWN``
(``deep`` functions also when an unknown hides inside a collection argument).
A Terraform error (wrong type, bad index, wrong number of arguments) raises
:class:`EvalError`, which the evaluator turns into unknown, or which ``try()``
uses to pick its fallback; what Terraform computes but natpolicy cannot
raises :class:`NotEvaluated` (unknown, and reported with ``-v``).
"""
from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from natpolicy.loaders.hcl.values import EvalError, UnknownType
from natpolicy.model import UNKNOWN, is_known

__all__ = ["FUNCTIONS", "fn"]


FUNCTIONS: dict[str, Callable[..., Any]] = {}


def fn(name: str, *, deep: bool = False, lenient: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as the built-in ``name`` (see the module docstring for ``deep``/``lenient``)."""
    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        low, high = _arity(func)

        def call(*args: Any) -> Any:
            # Arity first: Terraform rejects a wrong call even with unknown arguments.
            if len(args) < low or (high is not None and len(args) > high):
                raise EvalError(f"{name}(): wrong number of arguments")
            if not lenient:
                if any(a is UNKNOWN for a in args):
                    return UNKNOWN
                if deep and not all(is_known(a) for a in args):
                    return UNKNOWN
            try:
                return func(*args)
            except UnknownType:
                return UNKNOWN

        call.__name__ = name
        FUNCTIONS[name] = call
        return call

    return register


def _arity(func: Callable[..., Any]) -> tuple[int, int | None]:
    low, high = 0, 0
    for param in inspect.signature(func).parameters.values():
        if param.kind == param.VAR_POSITIONAL:
            return low, None
        high += 1
        if param.default is param.empty:
            low += 1
    return low, high
