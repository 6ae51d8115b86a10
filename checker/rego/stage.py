"""The Rego stage of ``natpolicy check``: user policies and/or the built-in twins.

The input of every policy is the plan JSON exactly as Terraform wrote it. The
plan loader overlays unknown markers on its parsed copy, so the Rego side
reads the file's text itself (``natpolicy.rego.plan_bytes``: checked, not
built) and hands it to the engine as it is. Every engine call of the run
happens in one child process (``natpolicy.rego.sandbox``) that gets the plans
once, started before the Python rules run so that both work at once; when
Rego fails (a policy error, a crash, a limit) the run still reports the
built-in Python findings, with the failure as one error line, and exits 2.
"""
from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Sequence
from typing import Any

from natpolicy.check import BaseCheck
from natpolicy.errors import InputError, UsageError
from natpolicy.findings import Finding
from natpolicy.model import ResourceModel
from natpolicy.records import record
from natpolicy.rego.printed_notes import printed_notes, safe_line
from natpolicy.runner import RunResult, Scrubber, run

__all__ = ["Early", "keep_stdin", "run_with_rego", "plan_documents", "spawn_child", "start_early"]

_STDIN: bytes | None = None


def keep_stdin(paths: Sequence[str]) -> None:
    """Keep a copy of a plan read from stdin, which can only be read once."""
    global _STDIN
    if "-" not in paths:
        return
    data = sys.stdin.buffer.read()
    _STDIN = data
    sys.stdin = io.TextIOWrapper(io.BytesIO(data))


def plan_documents(paths: Sequence[str]) -> list[tuple[str, Any]]:
    """(origin, parsed plan JSON) for every plan the loader read, in the same order.

    What each path is comes from the input side's one classifier, so a path
    the Python engine reads as Terraform code is never a plan here (and is a
    usage error: the built-in twins read plans only).
    """
    from natpolicy.rego.inputs import policy_documents

    return [(d.origin, d.parsed) for d in policy_documents(paths, None, twins=True, staged=False, stdin=_STDIN)]


@record
class _Setup:
    """What the Rego stage reads before anything runs: the engine, the policy sets, the inputs, and their notes."""

    engine: str
    engine_notes: list[str]
    user: Any  # user.UserPolicies, or None: no --policy, or nothing to query
    twins: Any  # twins.Twins with --engine rego, else None
    paths: list[Any]  # inputs.Document, every input of the run
    loading_notes: list[str]


def _setup(opts: Any, checks: list[BaseCheck], spawned: Any = None) -> _Setup:
    """The checks and loading of :func:`run_with_rego` before the child starts, in their order (each may raise).
    ``spawned``: the process :func:`spawn_child` started, whose engine was chosen for these options already (the
    choice is taken from it at the step's usual place, so errors keep their order); None: the engine is chosen
    here."""
    from natpolicy.rego.engines import choose_engine

    if (opts.namespaces or opts.all_namespaces) and not opts.policies:
        raise UsageError("--namespace and --all-namespaces select packages of --policy files; give --policy DIR")
    conftest_flags = [flag for flag, given in (("--data", getattr(opts, "data_files", ())),
                                               ("--rego-version", getattr(opts, "rego_version", None)),
                                               ("--combine", getattr(opts, "combine", False))) if given]
    if conftest_flags and not opts.policies:
        raise UsageError(f"{', '.join(conftest_flags)} apply to --policy files (user Rego policies); give --policy DIR")
    engine, engine_notes = (spawned.engine, list(spawned.engine_notes)) if spawned is not None \
        else choose_engine(getattr(opts, "rego_engine", None))
    if engine == "regopy" and opts.policies and getattr(opts, "strict_builtin_errors", False):
        # regopy 1.5.2 answers undefined (or a value) for most failing builtins: it cannot hold OPA's strict mode.
        raise UsageError("--strict-builtin-errors needs an engine that stops on a failing builtin, as OPA's strict "
                         "mode does; regopy 1.5.2 answers undefined there (OPA's default mode, what natpolicy runs "
                         "without the flag): run it on regorus or opa")
    user = _user_policy_set(opts) if opts.policies else None
    loading_notes = user.notes if user is not None else []
    if user is not None and user.empty:
        user = None  # nothing to query: the run passes as conftest's does, with the note saying why
    twins = _twin_set(checks) if opts.engine == "rego" else None
    from natpolicy.invocation import in_precommit
    from natpolicy.rego.inputs import policy_documents, set_aside_notes

    aside = getattr(opts, "rego_inputs", None)
    # HCL input for the twins is a usage error, before anything runs.
    paths = policy_documents(opts.paths, aside, twins=twins is not None,
                             staged=bool(opts.staged or in_precommit()), stdin=_STDIN)
    loading_notes = (set_aside_notes(aside) if aside is not None else []) + loading_notes

    from natpolicy.rego.guards import refuse_for_engine

    for chosen in (user, twins):
        if chosen is not None:
            # What this engine would answer differently from OPA is refused before anything runs.
            refuse_for_engine(chosen.set.policies, engine)
    return _Setup(engine, engine_notes, user, twins, paths, loading_notes)


@record
class Early:
    """The Rego child of a run with --policy, spawned before the inputs are read (:func:`start_early`), and, where
    it could be, started on its job then; else the spawned process waits for the job run_with_rego gives it."""

    spawned: Any  # sandbox.Spawned, or None: no engine could be chosen (run_with_rego says why)
    setup: _Setup | None = None
    started: _Started | None = None

    def stop(self) -> None:
        """Stop the child if its answers were not read (the run failed before the Rego stage); else nothing."""
        if self.started is not None:
            self.started.child.stop()
        if self.spawned is not None:
            self.spawned.discard()  # nothing, if a child took it over with its job


def spawn_child(opts: Any) -> Any:
    """A child process for the run's Rego (sandbox.Spawned), started now: its interpreter and the engine's imports
    run while this process reads the inputs. None where no engine can be chosen (run_with_rego reports it)."""
    from natpolicy.rego.engines import choose_engine
    from natpolicy.rego.sandbox import Spawned

    try:
        engine, notes = choose_engine(getattr(opts, "rego_engine", None))
    except Exception:  # noqa: BLE001 - raised again, in order, where run_with_rego chooses the engine
        return None
    from natpolicy.invocation import owns_process

    # Forked (on Linux) only from natpolicy's own console script, and only for regorus: a fork's memory is a copy
    # of this process's, which a policy cannot read but a memory-safety bug of the engine could; regorus is Rust,
    # rego-cpp (regopy) is C++ and crashes on some inputs (sandbox), and a caller's process (the GitHub Action's
    # step) holds the job's whole environment. The modules: imported by this process in a run with --policy
    # (msgspec by the plan loader's structs, which keep typing_extensions and inspect out of it; the policies'
    # reading and checks), and by the engine's child too: a forked child gets them with the fork.
    return Spawned(engine, shared=("natpolicy.loaders.plan_structs", "natpolicy.rego.user", "natpolicy.rego.guards"),
                   fork=engine == "regorus" and owns_process(), engine_notes=tuple(notes))


def start_early(opts: Any, spawned: Any = None) -> Early | None:
    """Start the child of a run with --policy before the loaders build the model, where it can (else only hold
    ``spawned``, the process :func:`spawn_child` started, for run_with_rego).

    The child's start (an interpreter, the engine's imports), the plan's conversion and the evaluation then run on
    another core while this process loads the plans and runs the Python rules, not only the latter. Only user
    policies that do not read ``data.natpolicy`` (built from the model) can start so, and only where every step
    before the start succeeds: anything raised here is dropped, and the same steps run again in their usual place
    in :func:`run_with_rego`, after the loaders, so that a run's errors are reported in the same order as ever.
    """
    if opts.engine == "rego" or not opts.policies:
        return Early(spawned)
    try:
        setup = _setup(opts, [], spawned)
        if setup.user is None or setup.user.wants_data:
            return Early(spawned)
        started = _start_rego(None, opts, setup.engine, setup.paths, setup.user, None,
                              spawned if spawned is not None and spawned.engine == setup.engine else None)
        return Early(spawned, setup, started)
    except Exception:  # noqa: BLE001 - raised again, in order, where run_with_rego repeats the step
        return Early(spawned)


def _spawned_for(early: Early | None, engine: str) -> Any:
    """The process spawn_child started for this run, if it imported ``engine``'s module (always, with the same
    options), else None: a new one starts."""
    spawned = early.spawned if early is not None else None
    return spawned if spawned is not None and spawned.engine == engine else None


def run_with_rego(model: ResourceModel, checks: list[BaseCheck], opts: Any, early: Early | None = None) -> RunResult:
    """Python checks (or their Rego twins with ``--engine rego``), then user policies.

    ``early``: the child :func:`start_early` started for this run, its setup done already."""
    known = early.setup if early is not None and early.started is not None else None
    setup = known if known is not None else _setup(opts, checks, early.spawned if early is not None else None)
    engine, engine_notes, user, twins, paths = setup.engine, setup.engine_notes, setup.user, setup.twins, setup.paths
    loading_notes = setup.loading_notes
    from natpolicy.rego.evaluate import PolicyError

    started: _Started | InputError | None = early.started if early is not None else None
    if started is None and (user is not None or twins is not None):
        try:
            # The child starts now and converts the plan and evaluates on another core while the
            # Python rules run here; its limits hold from now on.
            started = _start_rego(model, opts, engine, paths, user, twins, _spawned_for(early, engine))
        except PolicyError:
            raise
        except InputError as exc:
            started = exc  # reported after the Python rules, beside their findings, as always
    try:
        result = run(model, [] if twins is not None else checks)
    except BaseException:
        if isinstance(started, _Started):
            started.child.stop()
        raise
    result.notes.extend(engine_notes)
    result.notes.extend(loading_notes)
    if started is None:
        return result
    scrub = Scrubber(model)
    try:
        if isinstance(started, InputError):
            raise started
        extra, rules, notes = _rego_findings(started, model, checks, opts, engine, user, twins, scrub, result)
    except PolicyError:
        raise  # the policy never ran: no report, as for a policy that does not parse
    except InputError as exc:
        return _without_rego(result, model, checks, twins, scrub, str(exc))
    finally:
        if isinstance(started, _Started):
            started.child.stop()  # finished already, unless something above failed before its answers were read
    result.notes.extend(notes)
    result.findings = sorted(result.findings + extra, key=Finding.sort_key)
    result.checks = list(rules.values())
    return result


@record
class _Started:
    """The Rego child of a run, started, and what its answers will be read against."""

    child: Any  # sandbox.RunningChild
    sets: list[Any]
    plans: list[Any]
    chosen: list[Any]
    for_twins: list[int]
    for_user: list[int]
    wants_data: bool
    limits: Any


def _start_rego(model: ResourceModel | None, opts: Any, engine: str, paths: list[Any], user: Any,
                twins: Any, spawned: Any = None) -> _Started:
    from natpolicy.rego.evaluate import Plan, build_job
    from natpolicy.rego.input_keys import readable_input_keys
    from natpolicy.rego.inputs import COMBINED, combined, evaluation_units
    from natpolicy.rego.sandbox import DEFAULT_MEMORY_MIB, DEFAULT_TIMEOUT, Limits, RunningChild

    chosen = [s for s in (twins, user) if s is not None]
    sets = [s.set for s in chosen]
    wants_data = any(s.wants_data for s in chosen)
    # Every plan is sent once, for every set: what any of them can read of it.
    keys = readable_input_keys(p.source for s in sets for p in s.policies)
    # One evaluation unit per plan, per document (per element of a list); the
    # twins read the plans, the user policies every unit (or, with --combine, one).
    plans: list[Any] = []
    for_twins: list[int] = []
    for_user: list[int] = []
    for doc, value in evaluation_units(paths):
        if doc.plan:
            for_twins.append(len(plans))
        for_user.append(len(plans))
        data = _data_for(model, doc.origin, _change_keys(doc)) if wants_data and doc.plan else None
        # A plan goes to the engine as its text, never as Python values turned back into JSON: as its UTF-8 where
        # that is known (the file's own bytes, never decoded here), else as doc.text.
        utf8 = _engine_text(doc, keys)
        plans.append(Plan(doc.origin, value, data, doc.text if utf8 is None else None, utf8))
    if getattr(opts, "combine", False) and user is not None:
        for_user = [len(plans)]
        plans.append(Plan(COMBINED, combined(paths), None))
    if twins is not None:
        twins.set.only = for_twins
    if user is not None:
        user.set.only = for_user
    limits = Limits(timeout=getattr(opts, "rego_timeout", None) or DEFAULT_TIMEOUT,
                    memory_mib=getattr(opts, "rego_memory", None) or DEFAULT_MEMORY_MIB)
    child = RunningChild(build_job(sets, plans, engine), limits, spawned)
    return _Started(child, sets, plans, chosen, for_twins, for_user, wants_data, limits)


def _rego_findings(started: _Started, model: ResourceModel, checks: list[BaseCheck], opts: Any, engine: str,
                   user: Any, twins: Any, scrub: Scrubber,
                   result: RunResult) -> tuple[list[Finding], dict[str, BaseCheck], list[str]]:
    from natpolicy.invocation import progress_wanted
    from natpolicy.rego.evaluate import Progress, interpret

    sets, plans, chosen, for_twins, for_user = (started.sets, started.plans, started.chosen, started.for_twins,
                                                started.for_user)
    if started.wants_data:
        _note_data_findings(model, result)
    limits = started.limits
    enabled = progress_wanted(opts.progress, opts.quiet)
    with Progress(enabled=enabled, label="rego") as progress, _Steps(progress, sets, plans) as steps:
        outcome = started.child.wait(steps.begin)
    # print() output is reported even when Rego failed: it is how a policy is debugged. After a crash the same
    # stream holds the engine's own last words (rego-cpp's `terminate called ...`), so it is labelled for both.
    label = "Rego print() or the engine before it crashed" if outcome.stopped == "crash" else "Rego print()"
    result.notes.extend(printed_notes(outcome.printed, outcome.printed_dropped, scrub, label))
    values = interpret(outcome, sets, plans, limits, engine)

    extra: list[Finding] = []
    notes: list[str] = []
    rules: dict[str, BaseCheck] = {c.id: c for c in checks}
    for j, plan in enumerate(plans):
        if twins is not None and j in for_twins:
            extra.extend(twins.findings(model, plan.origin, values[chosen.index(twins)][j], scrub))
        if user is not None and j in for_user:
            found, checks_used, found_notes = user.findings(model, plan.origin, values[chosen.index(user)][j], scrub)
            extra.extend(found)
            notes.extend(found_notes)
            for check in checks_used:
                rules.setdefault(check.id, check)
    return extra, rules, notes


def _without_rego(result: RunResult, model: ResourceModel, checks: list[BaseCheck], twins: Any,
                  scrub: Scrubber, problem: str) -> RunResult:
    """The run's result when Rego failed: the Python findings, and the failure as one error line."""
    if twins is not None:
        # The twins were to replace the Python rules: run those instead, so
        # the report still holds the built-in findings.
        printed, noticed = result.notes, result.rule_notes
        result = run(model, checks)
        result.notes[:0] = printed
        result.rule_notes[:0] = [n for n in noticed if n not in result.rule_notes]
        result.notes.append("the built-in rules ran as Python checks, because Rego failed")
    result.checks = list(checks)
    line = safe_line(scrub(problem))
    result.errors.append(line)
    result.stderr_errors.append(line)
    return result


class _Steps:
    """Turns the child's stage answers into progress steps."""

    def __init__(self, progress: Any, sets: Sequence[Any], plans: Sequence[Any]) -> None:
        self.progress, self.sets, self.plans = progress, sets, plans
        self._step = contextlib.ExitStack()

    def begin(self, event: dict[str, Any]) -> None:
        from natpolicy.rego.evaluate import stage_label

        self._step.close()
        _, what, origin = stage_label(event, self.sets, self.plans)
        self._step.enter_context(self.progress.step(f"{origin}: {what}" if origin else what))

    def __enter__(self) -> _Steps:
        return self

    def __exit__(self, *exc: object) -> None:
        self._step.close()




def _engine_text(doc: Any, keys: frozenset[str] | None) -> bytes | tuple[Any, ...] | None:
    """The UTF-8 text the engine parses for ``doc``: only the top-level sections the policies can read, if known.

    Parsing the text is most of what a small policy costs; ``planned_values``,
    ``prior_state`` and ``configuration`` are three fifths of a large plan.
    """
    if keys is None or doc.sections is None:
        return doc.utf8
    from natpolicy.rego.plan_bytes import sections_parts

    return sections_parts(doc.sections, keys)  # in pieces: sandbox.job_payload writes each to the pipe


def _change_keys(doc: Any) -> Any:
    """What data.natpolicy reads of a plan (its changes' addresses), without building the whole plan if it can."""
    from natpolicy.rego.plan_bytes import change_keys

    keys = change_keys(doc.text) if doc.text is not None else None
    return keys if keys is not None else doc.parsed


def _data_for(model: ResourceModel | None, origin: str, doc: Any) -> dict[str, Any]:
    from natpolicy.rego.facts import natpolicy_data

    assert model is not None, "data.natpolicy is built from the model: start_early never starts such a run"
    return natpolicy_data(model, origin, doc)


def _note_data_findings(model: ResourceModel, result: RunResult) -> None:
    """What building ``data.natpolicy`` noticed joins the run's rule notes, once (as the NAT rules' would)."""
    from natpolicy.rego.facts import natpolicy_notes

    for note in natpolicy_notes(model):
        if note not in result.rule_notes:
            result.rule_notes.append(note)


def _user_policy_set(opts: Any) -> Any:
    from natpolicy import registry
    from natpolicy.rego.user import UserPolicies

    builtin_ids = frozenset(c.id for c in registry.discover())
    return UserPolicies.load(opts.policies, opts.namespaces, opts.all_namespaces, builtin_ids,
                             rego_version=getattr(opts, "rego_version", None) or "v1",
                             data_paths=getattr(opts, "data_files", ()),
                             strict_builtin_errors=bool(getattr(opts, "strict_builtin_errors", False)))


def _twin_set(checks: list[BaseCheck]) -> Any:
    from natpolicy.rego.twins import Twins

    return Twins.load(checks)
