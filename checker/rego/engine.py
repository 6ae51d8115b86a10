"""The one narrow interface natpolicy needs from a Rego engine, and its errors.

Everything else in ``natpolicy.rego`` talks to :class:`RegoEngine` only. Each
engine is one module implementing it (``engine_regorus``, ``engine_regopy``,
``engine_opa``), chosen by name in ``engines``; swapping in another engine
(the official regorus bindings, OPA-wasm) is one more module of that kind.
Engines import their library lazily: runs without Rego never load one.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from natpolicy.records import record

__all__ = ["UNDEFINED", "RegoEngine", "EngineUnavailable", "PolicySyntaxError", "EvaluationError"]


class _Undefined:
    def __repr__(self) -> str:
        return "UNDEFINED"


UNDEFINED: Any = _Undefined()


class EngineUnavailable(Exception):
    """The Rego engine cannot be imported (not installed, wrong platform)."""


@record
class PolicySyntaxError(Exception):
    """A module does not compile. ``offset``/``length`` are UTF-8 byte offsets."""

    module: str
    offset: int
    length: int
    message: str

    def __str__(self) -> str:
        return f"{self.module}@{self.offset}: {self.message}"


@record
class EvaluationError(Exception):
    """A query failed at run time. ``code`` is the engine's error code, if any (rego-cpp's)."""

    message: str
    code: str = ""

    @property
    def is_statement_cap(self) -> bool:
        return self.code == "timeout_error" or "statement count" in self.message.lower()

    def __str__(self) -> str:
        return self.message


class RegoEngine(Protocol):
    """Compile modules once, then evaluate entrypoints against prepared inputs.

    Optional, looked up with ``getattr`` by ``natpolicy.rego.child``:
    ``prepare_input_json(text)``, for an engine that parses JSON text itself
    (a plan then reaches it as Terraform wrote it, never built in Python;
    ``input_depth_limit``: the nesting its parser refuses, reported as
    ``EvaluationError(code="input_too_deep")``), and ``compile_versions``.
    """

    name: str

    def prepare_input(self, document: Any) -> Any:
        """Convert a JSON document once; the result is reused for every query."""

    def compile(self, modules: Mapping[str, str], data: Mapping[str, Any] | None, entrypoints: Sequence[str],
                rego_version: str = "v1") -> Any:
        """Compile ``modules`` (name -> source) with base ``data``, as Rego ``rego_version`` ("v0"/"v1").

        ``entrypoints`` are ``package/path/rule`` strings. Raises
        :class:`PolicySyntaxError` or :class:`EvaluationError` (also for a
        Rego version the engine cannot read).
        """

    def evaluate(self, compiled: Any, entrypoint: str, prepared_input: Any) -> Any:
        """The JSON value of ``entrypoint``, or ``UNDEFINED``. Raises :class:`EvaluationError`."""

    def is_builtin(self, name: str) -> bool:
        """Does the engine have the builtin function ``name`` (``net.cidr_contains``)?"""
