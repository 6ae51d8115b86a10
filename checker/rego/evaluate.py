"""Compile a set of policy files once per plan and evaluate chosen rules.

Shared by user policies (conftest style) and the built-in twins. Every
engine problem becomes one ``InputError`` line naming the policy file, its
line:col where the engine gives one, and the cause.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from natpolicy.errors import InputError
from natpolicy.rego.engine import (
    STATEMENT_LIMIT,
    EngineUnavailable,
    EvaluationError,
    PolicySyntaxError,
    RegoEngine,
    default_engine,
)
from natpolicy.rego.loading import PolicyFile

__all__ = ["Query", "PolicySet", "Progress", "engine_or_error"]


@dataclass(frozen=True)
class Query:
    package: str
    rule: str
    policy: PolicyFile  # the first file that defines the rule, for error messages

    @property
    def entrypoint(self) -> str:
        return "/".join([*self.package.split("."), self.rule])

    @property
    def ref(self) -> str:
        return f"data.{self.package}.{self.rule}"


def engine_or_error() -> RegoEngine:
    try:
        return default_engine()
    except EngineUnavailable as exc:
        raise InputError("rego", str(exc)) from None


class Progress:
    """A line on stderr now and then once Rego has run for more than a second."""

    def __init__(self, enabled: bool, label: str) -> None:
        self.enabled = enabled
        self.label = label
        self.start = time.monotonic()
        self.last = self.start
        self.shown = False

    def tick(self, done: int, total: int, where: str) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.start < 1.0 or now - self.last < 1.0:
            return
        self.last = now
        self.shown = True
        sys.stderr.write(f"natpolicy: {self.label}: {where}: {done}/{total} rules, {now - self.start:.1f} s\n")
        sys.stderr.flush()


class PolicySet:
    """Policy files compiled together; one compile per plan when data differs."""

    def __init__(self, engine: RegoEngine, policies: Sequence[PolicyFile], queries: Sequence[Query]) -> None:
        self.engine = engine
        self.policies = list(policies)
        self.queries = list(queries)
        self.wants_data = any(p.info.mentions_natpolicy_data for p in self.policies)
        self._shared: Any = None
        self._by_display = {p.display: p for p in self.policies}

    def compile(self, data: dict[str, Any] | None) -> Any:
        if not self.wants_data and self._shared is not None:
            return self._shared
        modules = {p.display: p.source for p in self.policies}
        try:
            compiled = self.engine.compile(modules, {"natpolicy": data} if (self.wants_data and data) else None,
                                           [q.entrypoint for q in self.queries])
        except PolicySyntaxError as exc:
            policy = self._by_display.get(exc.module)
            where = policy.position(exc.offset) if policy is not None else exc.module
            raise InputError(where, _syntax_cause(exc.message)) from None
        except EvaluationError as exc:
            names = ", ".join(p.display for p in self.policies[:3]) + (" ..." if len(self.policies) > 3 else "")
            raise InputError(names, f"the policies do not compile: {exc.message}") from None
        if not self.wants_data:
            self._shared = compiled
        return compiled

    def evaluate(self, compiled: Any, query: Query, prepared_input: Any) -> Any:
        try:
            return self.engine.evaluate(compiled, query.entrypoint, prepared_input)
        except EvaluationError as exc:
            where = f"{query.policy.display}:{query.policy.line_of_rule(query.rule)}"
            if exc.is_statement_cap:
                raise InputError(where, (
                    f"evaluating {query.ref} hit rego-cpp's limit of {STATEMENT_LIMIT:,} statements per query, "
                    "which regopy cannot raise; iterate less (index with data.natpolicy, avoid nested loops "
                    "over resources) or check smaller plans")) from None
            raise InputError(where, f"evaluating {query.ref} failed: {_runtime_cause(exc)}") from None

    def run(self, data: dict[str, Any] | None, prepared_input: Any, where: str, progress: Progress,
            consume: Callable[[Query, Any], None]) -> None:
        compiled = self.compile(data)
        for done, query in enumerate(self.queries, 1):
            consume(query, self.evaluate(compiled, query, prepared_input))
            progress.tick(done, len(self.queries), where)


def _syntax_cause(message: str) -> str:
    hints = {
        "Invalid collection": " (regopy 1.5.2 rejects `some k, v in obj` inside a comprehension: "
                              "write `some k; v := obj[k]`)",
    }
    return (message or "does not compile") + hints.get(message, "")


def _runtime_cause(exc: EvaluationError) -> str:
    if exc.code == "eval_conflict_error":
        return f"{exc.message} (a complete rule, `x := ...`, produced two different values)"
    if "Function not found" in exc.message:
        return f"{exc.message} (not a builtin of regopy 1.5.2; net.*, rego.metadata.*, http.send are missing)"
    return exc.message or "rego-cpp reported an error without detail"
