"""Policy sets, the job that runs them, and every engine problem as one line.

Shared by user policies (conftest style) and the built-in twins. The engine
itself runs in the child process of ``natpolicy.rego.sandbox``; this module
says what it should run (:func:`build_job`) and what its answers mean
(:func:`interpret`). Every problem becomes one ``InputError`` line naming the
policy file, its line:col where the engine gives one, and the cause, or,
when the child had to be stopped, what was running and which limit it met.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from natpolicy.errors import InputError
from natpolicy.progress import Progress
from natpolicy.records import record
from natpolicy.rego.builtin_errors import Guarded, defines_contains, guard_operands, replaced_builtins
from natpolicy.rego.builtins import builtin_calls, calls_to_check, refuse_unknown_calls
from natpolicy.rego.crash_hint import crash_hint
from natpolicy.rego.deprecated_builtins import deprecated_functions, deprecated_renames
from natpolicy.rego.depth import MAX_INPUT_DEPTH, depth_over
from natpolicy.rego.engine import UNDEFINED
from natpolicy.rego.engines import DEFAULT_ENGINE, engine_options, engine_problem
from natpolicy.rego.loading import PolicyFile
from natpolicy.rego.sandbox import Limits, Outcome, answer_bytes
from natpolicy.rego.source import Call

__all__ = ["Query", "PolicySet", "PolicyError", "Progress", "Plan", "engine_or_error", "build_job", "interpret",
           "stage_label", "too_deep"]


# A position in an engine's message: `module:line:col` (the module a display path, no spaces).
_LOCATION = re.compile(r"(\S+?\.rego):(\d+):(\d+)")


class PolicyError(InputError):
    """A policy the engine refuses before evaluating anything (syntax, a call it lacks).

    Unlike a failure while evaluating (an error, a limit, a crash), this ends
    the run before any report: the policy never ran, on any plan.
    """


@record(frozen=True)
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


@record(frozen=True)
class Plan:
    origin: str  # display path of the plan (or of the document a user policy reads)
    document: Any  # the input as Python values; None for a plan given as ``text`` or ``utf8``
    data: dict[str, Any] | None  # data.natpolicy, when a policy set reads it
    # The plan JSON as Terraform wrote it (decoded): handed to the engine as it is, never re-serialised.
    text: str | None = None
    # What the engine parses, as UTF-8, when known already (sent as it is, sandbox.job_payload): ``text``'s own
    # bytes, or only the top-level sections the policies can read (natpolicy.rego.input_keys). Given alone
    # (``text`` None) by the Rego stage: the file's bytes go to the child, and no 20 MB text is decoded for it.
    utf8: bytes | tuple[Any, ...] | None = None  # a tuple: the text's pieces (plan_bytes.sections_parts)


def engine_or_error(name: str = DEFAULT_ENGINE) -> str:
    """The engine's name, once it is known to be installed (without loading it)."""
    problem = engine_problem(name)
    if problem is not None:
        raise InputError("rego", problem)
    return name


_USER_CAP_ADVICE = ("iterate less (index with data.natpolicy, avoid nested loops over resources) "
                    "or check smaller plans")


class PolicySet:
    """Policy files compiled together; compiled again per plan only when they read data.natpolicy."""

    def __init__(self, policies: Sequence[PolicyFile], queries: Sequence[Query],
                 cap_advice: str = _USER_CAP_ADVICE, data: dict[str, Any] | None = None,
                 undefined_builtin_errors: bool = False) -> None:
        self.policies = list(policies)
        # OPA's default mode: a builtin given an operand of another kind is undefined, not a stop (builtin_errors).
        # The twins are natpolicy's own, held to the strict mode: an error there is natpolicy's bug, shown.
        self.undefined_builtin_errors = undefined_builtin_errors
        self._guarded: dict[str, Guarded] = {}
        self.renamed: dict[str, set[str]] = {}  # display -> the deprecated builtins its module calls, renamed
        self.queries = list(queries)
        self.cap_advice = cap_advice
        self.data = data or {}  # base documents (--data files), under data. beside data.natpolicy
        # Indexes of the plans (inputs) this set runs on; None: every one.
        self.only: list[int] | None = None
        self.wants_data = any(p.info.mentions_natpolicy_data for p in self.policies)
        self._by_display = {p.display: p for p in self.policies}

    def job(self) -> dict[str, Any]:
        job: dict[str, Any] = {"modules": {p.display: self._guard(p).text for p in self.policies},
                               "entrypoints": [q.entrypoint for q in self.queries], "per_plan_data": self.wants_data}
        # Optional parts, present only when used, so a job without them reads as it always has.
        if self.data:
            job["data"] = self.data
        unguarded = {p.display: p.source for p in self.policies if self._guard(p).inserted}
        if unguarded:
            job["unguarded"] = unguarded  # compiled only to place a syntax error in the policy's own text
        v0 = [p.display for p in self.policies if p.v0]
        if v0:
            job["v0_modules"] = v0
        if self.only is not None:
            job["only"] = self.only
        return job

    def _guard(self, policy: PolicyFile) -> Guarded:
        """The module the engine gets: the policy itself, or with its builtins' operands guarded (OPA's default
        mode for builtin errors) and, compiled as Rego v0, OPA's deprecated builtins renamed."""
        return self._modules()[policy.display]

    def _modules(self) -> dict[str, Guarded]:
        if not self._guarded:
            replaced = replaced_builtins(p.source for p in self.policies)
            calls: dict[str, list[Call]] = {}
            for owner, call in builtin_calls(self.policies):
                calls.setdefault(owner.display, []).append(call)
            renames = deprecated_renames(self.undefined_builtin_errors)
            # A package defining `contains` (v0: `contains(arr, elem) { ... }`) calls its own function by that name.
            own_contains = {p.package for p in self.policies if defines_contains(p.source)}
            for each in self.policies:
                v0 = self._compiled_as_v0(each)
                own = calls.get(each.display, [])
                if not self.undefined_builtin_errors and not (v0 and any(c.name in renames for c in own)):
                    self._guarded[each.display] = Guarded(each.source)
                    continue
                skip = replaced | {"contains"} if each.package in own_contains else replaced
                guarded = guard_operands(each.source, own, v0, skip, renames if v0 else None,
                                         guard=self.undefined_builtin_errors)
                renamed = {c.name for c in own if c.name in renames} if v0 else set()
                self.renamed[each.display] = renamed
                functions = deprecated_functions(renamed)
                text = guarded.text + ("" if not functions or guarded.text.endswith("\n") else "\n") + functions
                self._guarded[each.display] = Guarded(text, guarded.inserted)
        return self._guarded

    def _compiled_as_v0(self, policy: PolicyFile) -> bool:
        """The engine reads the module as Rego v0: the set is compiled as v0 where any module is (child._compile),
        and a module importing rego.v1 stays v1 there."""
        return any(p.v0 for p in self.policies) and not policy.info.imports_rego_v1

    def calls_to_check(self) -> set[str]:
        """The called names only the engine can tell builtin or not (a deprecated builtin renamed is not one)."""
        self._modules()
        return calls_to_check(self.policies, self.renamed)

    def names(self) -> str:
        return ", ".join(p.display for p in self.policies[:3]) + (" ..." if len(self.policies) > 3 else "")

    def where(self, query: Query) -> str:
        return f"{query.policy.display}:{query.policy.line_of_rule(query.rule)}"

    def problem(self, error: dict[str, Any], origin: str = "") -> InputError:
        """The child's ``error`` answer about this set, as one line (``origin``: the plan it was evaluating,
        named when the run has several)."""
        kind, message, code = error.get("kind"), str(error.get("message", "")), str(error.get("code", ""))
        if kind == "syntax":
            policy = self._by_display.get(str(error.get("module")))
            where = policy.position(int(error.get("offset", 0))) if policy is not None else str(error.get("module"))
            return PolicyError(where, _syntax_cause(message))
        if kind == "compile":
            return PolicyError(self.names(), f"the policies do not compile: {message}")
        if kind == "no_v0":
            first = next((p for p in self.policies if p.v0), None)
            where = first.position(len(first.source[:first.v0_at].encode())) if first is not None else self.names()
            return PolicyError(where, (
                f"Rego v0 syntax, and the {message} engine cannot read Rego v0 (--rego-version v0): write "
                "`deny contains msg if { ... }` (Rego v1, which every engine reads), or choose an engine that "
                "reads v0"))
        query = self.queries[int(error.get("query", 0))]
        if code == "timeout_error" or "statement count" in message.lower():
            # Imported here: loading the regopy module (and its rewriters) cost every run in this process ~3 ms.
            from natpolicy.rego.engine_regopy import STATEMENT_LIMIT

            return InputError(self.where(query), (
                f"evaluating {query.ref} hit rego-cpp's limit of {STATEMENT_LIMIT:,} statements per query, "
                f"which regopy cannot raise; {self.cap_advice}"))
        on = f" on {origin}" if origin else ""
        return InputError(self.where(query), f"evaluating {query.ref}{on} failed: "
                                             f"{_runtime_cause(self._own_columns(message), code)}")

    def _own_columns(self, message: str) -> str:
        """``module:line:col`` in an engine's message with the policy's own column (guards shift columns)."""
        def column(match: re.Match[str]) -> str:
            guarded = self._guarded.get(match.group(1))
            if guarded is None or not guarded.inserted:
                return match.group()
            line = int(match.group(2))
            return f"{match.group(1)}:{line}:{guarded.original_column(line, int(match.group(3)))}"

        return _LOCATION.sub(column, message)


def build_job(sets: Sequence[PolicySet], plans: Sequence[Plan], engine: str = DEFAULT_ENGINE) -> dict[str, Any]:
    """The one job of a run: every set, every plan (sent once), every call to check."""
    for plan in plans:
        # Engines convert input recursively: a value nested hundreds of levels
        # deep is refused here, as one line, instead of exhausting a stack.
        # A plan's text is measured in the child instead (natpolicy.rego.child),
        # so that this process never walks it.
        if plan.text is None and plan.utf8 is None and depth_over(plan.document, MAX_INPUT_DEPTH):
            raise InputError(plan.origin, too_deep(MAX_INPUT_DEPTH))
    _data_too_deep(sets)
    calls = sorted({name for s in sets for name in s.calls_to_check()})
    options = engine_options(engine)
    if engine == "opa" and not any(s.undefined_builtin_errors for s in sets):
        options["strict_builtin_errors"] = True  # OPA's own default mode is the other one
    return {"engine": engine, "engine_options": options, "check_calls": calls,
            "sets": [s.job() for s in sets], "plans": [_plan_job(p) for p in plans]}


def _plan_job(plan: Plan) -> dict[str, Any]:
    if plan.text is not None or plan.utf8 is not None:
        # sandbox.run_child sends the text after the job, as bytes of its own, not inside the job's JSON.
        job = {"origin": plan.origin, "text": plan.text, "data": plan.data}
        return job if plan.utf8 is None else {**job, "utf8": plan.utf8}
    return {"origin": plan.origin, "input": plan.document, "data": plan.data}


def too_deep(limit: int, engine: str = "") -> str:
    """The problem of an input nested deeper than ``limit`` (``engine``: whose own limit it is, if not natpolicy's)."""
    if engine:
        return (f"a value is nested more than {limit} levels deep, more than the {engine} engine reads as Rego input "
                "(Terraform plans nest a few dozen)")
    return (f"a value is nested more than {limit} levels deep, more than Rego input may be "
            "(Terraform plans nest a few dozen)")


def _data_too_deep(sets: Sequence[PolicySet]) -> None:
    for chosen in sets:
        if chosen.data and depth_over(chosen.data, MAX_INPUT_DEPTH):
            raise InputError("--data", f"a value is nested more than {MAX_INPUT_DEPTH} levels deep, "
                                       "more than Rego data may be")


def stage_label(event: dict[str, Any] | None, sets: Sequence[PolicySet],
                plans: Sequence[Plan]) -> tuple[str, str, str]:
    """(where, what, plan) of the step the child reported last: for progress lines and errors."""
    stage = (event or {}).get("stage")
    if event is None or stage not in ("input", "compile", "query"):
        return "rego", "starting the Rego engine", ""
    origin = plans[event["plan"]].origin
    chosen = sets[event.get("set", 0)]
    if stage == "input":
        return origin, "converting the plan into Rego input", origin
    if stage == "compile":
        return chosen.names(), f"compiling {len(chosen.policies)} policy file(s)", origin
    query = chosen.queries[event["query"]]
    return chosen.where(query), f"evaluating {query.ref} ({event['query'] + 1}/{len(chosen.queries)})", origin


def interpret(outcome: Outcome, sets: Sequence[PolicySet], plans: Sequence[Plan],
              limits: Limits, engine: str = DEFAULT_ENGINE) -> list[list[list[tuple[Query, Any]]]]:
    """values[set][plan] = [(query, value), ...] in query order; ``InputError`` if anything failed."""
    if outcome.missing:
        missing = set(outcome.missing)
        try:
            for chosen in sets:
                refuse_unknown_calls(chosen.policies, lambda name: name not in missing, engine)
        except InputError as exc:
            raise PolicyError(exc.source, exc.problem) from None
    if outcome.stopped:
        where, what, origin = stage_label(outcome.stage, sets, plans)
        stage = outcome.stage or {}
        crashed = sets[stage.get("set", 0)].policies if stage.get("stage") in ("compile", "query") else []
        raise InputError(where, _stopped(what + (f" on {origin}" if origin and origin != where else ""),
                                         outcome, limits, crash_hint(engine, crashed, where)))
    if outcome.error is not None:
        if outcome.error.get("kind") == "too_deep":
            limit = int(outcome.error.get("limit", MAX_INPUT_DEPTH))
            engine_limit = limit < MAX_INPUT_DEPTH  # the engine's own, lower, limit
            raise InputError(plans[int(outcome.error.get("plan", 0))].origin,
                             too_deep(limit, engine if engine_limit else ""))
        if outcome.error.get("kind") == "input_number":
            raise InputError(plans[int(outcome.error.get("plan", 0))].origin, str(outcome.error.get("message", "")))
        if outcome.error.get("kind") == "internal":
            where, what, _ = stage_label(outcome.stage, sets, plans)
            raise InputError(where, f"{what} failed in the Rego engine: {outcome.error.get('message', '')}")
        # A query that stops on one plan of several names that plan: the policy's line alone does not say which.
        plan_at = outcome.error.get("plan")
        origin = plans[int(plan_at)].origin if len(plans) > 1 and plan_at is not None else ""
        raise sets[int(outcome.error["set"])].problem(outcome.error, origin)
    out: list[list[list[tuple[Query, Any]]]] = []
    for i, chosen in enumerate(sets):
        per_plan = []
        for j in range(len(plans)):
            per_plan.append([(q, outcome.values.get((i, j, k), UNDEFINED)) for k, q in enumerate(chosen.queries)])
        out.append(per_plan)
    return out


def _stopped(what: str, outcome: Outcome, limits: Limits, hint: str = "") -> str:
    scope = "it covers starting the engine, loading, compiling and evaluating every policy of the run"
    if outcome.stopped == "timeout":
        return (f"{what} was stopped: Rego ran longer than --rego-timeout {limits.timeout:g} s ({scope}); "
                "iterate less, or raise the limit with --rego-timeout SECONDS")
    if outcome.stopped == "answers":
        return (f"{what} was stopped: the policies' results passed {answer_bytes(limits) // 2**20} MiB "
                "(a quarter of --rego-memory); return fewer or smaller results, or raise --rego-memory MIB")
    if outcome.stopped == "memory":
        return (f"{what} was stopped: the Rego engine used more than --rego-memory {limits.memory_mib} MiB; "
                "build smaller values (walk, concat and numbers.range can grow without bound), "
                "or raise the limit with --rego-memory MIB")
    if outcome.stage is None:
        return (f"{what} failed ({outcome.detail}); regopy aborts at start under an address-space limit "
                "(ulimit -v) it cannot lift: run without one (--rego-memory bounds Rego's memory instead)")
    # What the policy set holds that is known to crash the engine, never a guess (crash_hint).
    return f"{what} crashed the Rego engine ({outcome.detail}); {hint or 'the engine said nothing of why'}"


def _syntax_cause(message: str) -> str:
    hints = {
        "Invalid collection": " (regopy 1.5.2 rejects `some k, v in obj` inside a comprehension where the key "
                              "or value is a pattern natpolicy does not rewrite: write `some k; v := obj[k]`)",
        "Invalid bracket argument": " (regopy 1.5.2 refuses `x[_]` inside a call's argument: bind it first, "
                                    "`v := x[_]; f(v)`, or run the policy on regorus)",
    }
    return (message or "does not compile") + hints.get(message, "")


def _runtime_cause(message: str, code: str) -> str:
    if code == "eval_conflict_error":
        return f"{message} (a complete rule, `x := ...`, produced two different values)"
    if "Function not found" in message:
        return f"{message} (not a builtin of regopy 1.5.2; net.*, rego.metadata.*, http.send are missing)"
    return message or "the Rego engine reported an error without detail"
