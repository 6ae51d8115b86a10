"""Compile a set of policy files once per plan and evaluate chosen rules.

Shared by user policies (conftest style) and the built-in twins. Every
engine problem becomes one ``InputError`` line naming the policy file, its
line:col where the engine gives one, and the cause.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from natpolicy.errors import InputError
from natpolicy.progress import Progress
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


_USER_CAP_ADVICE = ("iterate less (index with data.natpolicy, avoid nested loops over resources) "
                    "or check smaller plans")


class PolicySet:
    """Policy files compiled together; one compile per plan when data differs."""

    def __init__(self, engine: RegoEngine, policies: Sequence[PolicyFile], queries: Sequence[Query],
                 cap_advice: str = _USER_CAP_ADVICE) -> None:
        self.engine = engine
        self.policies = list(policies)
        self.queries = list(queries)
        self.cap_advice = cap_advice
        self.time_budget: float | None = None  # seconds per query (--rego-timeout); None: no limit
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
        where = f"{query.policy.display}:{query.policy.line_of_rule(query.rule)}"
        try:
            if self.time_budget is None:
                return self.engine.evaluate(compiled, query.entrypoint, prepared_input)
            return _within(self.time_budget, lambda: self.engine.evaluate(compiled, query.entrypoint, prepared_input))
        except _OverBudget:
            raise InputError(where, (
                f"evaluating {query.ref} ran longer than --rego-timeout {self.time_budget:g} s and was stopped; "
                "under regopy, nested loops over resources and sets of thousands of results (built in quadratic "
                "time) take minutes: iterate less, return fewer or smaller results, or raise the limit")) from None
        except EvaluationError as exc:
            if exc.is_statement_cap:
                raise InputError(where, (
                    f"evaluating {query.ref} hit rego-cpp's limit of {STATEMENT_LIMIT:,} statements per query, "
                    f"which regopy cannot raise; {self.cap_advice}")) from None
            raise InputError(where, f"evaluating {query.ref} failed: {_runtime_cause(exc)}") from None

    def run(self, data: dict[str, Any] | None, prepared_input: Any, where: str, progress: Progress,
            consume: Callable[[Query, Any], None]) -> None:
        if not self.queries:
            return
        with progress.step(f"{where}: compiling {len(self.policies)} policy file(s)"):
            compiled = self.compile(data)
        total = len(self.queries)
        for done, query in enumerate(self.queries, 1):
            with progress.step(f"{where}: evaluating {query.ref} ({done}/{total})"):
                value = self.evaluate(compiled, query, prepared_input)
            consume(query, value)


class _OverBudget(Exception):
    pass


def _within(seconds: float, call: Callable[[], Any]) -> Any:
    """``call()``, or :class:`_OverBudget` once it has run ``seconds``.

    A native rego-cpp call cannot be interrupted; it runs in a daemon thread
    (ctypes releases the GIL) that is abandoned on timeout. natpolicy then
    stops with an error, and the process exit ends the thread.
    """
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # handed to the waiting thread, re-raised there
            box["error"] = exc

    worker = threading.Thread(target=target, name="natpolicy-rego-query", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise _OverBudget()
    if "error" in box:
        raise box["error"]
    return box["value"]


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
