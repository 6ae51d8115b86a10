"""Runs checks over a model and turns their violations into findings."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from natpolicy.address import address_in_text
from natpolicy.check import BaseCheck, GraphCheck, Note, ResourceCheck, Violation
from natpolicy.findings import Finding
from natpolicy.gc_pause import paused_gc
from natpolicy.model import UNKNOWN, FindingContext, Resource, ResourceModel, SourceLocation
from natpolicy.outputs.severity import sarif_level
from natpolicy.records import field, record


@record
class RunResult:
    """What the rules found in one run, and what the run noticed on the way; the reports render it."""

    findings: list[Finding]
    checks: list[BaseCheck]
    resources: int
    # Problems that did not stop the run (a rule crashing on odd input, an
    # HCL file that would not parse); reported as SARIF tool notifications.
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # What the checks noticed about the input (``check.Note``), first of equals
    # kept, in check order; the app reports them after the loaders' notes.
    rule_notes: list[str] = field(default_factory=list)
    # Errors that must also reach stderr (a failed Rego stage): the app prints them after the
    # report, beside the input errors, so the run's last line says why it exits 2.
    stderr_errors: list[str] = field(default_factory=list)


def run(model: ResourceModel, checks: Iterable[BaseCheck]) -> RunResult:
    # Rules build indexes over the whole model; the cyclic collector would
    # re-scan the freshly loaded plan on every threshold (see gc_pause).
    with paused_gc():
        return _run(model, checks)


def _run(model: ResourceModel, checks: Iterable[BaseCheck]) -> RunResult:
    checks = list(checks)
    by_type: dict[str, list[ResourceCheck]] = {}
    graph: list[GraphCheck] = []
    for check in checks:
        if isinstance(check, GraphCheck):
            graph.append(check)
        elif isinstance(check, ResourceCheck):
            for type_ in check.supported_types:
                by_type.setdefault(type_, []).append(check)

    raw: list[tuple[BaseCheck, Violation, Resource]] = []
    errors: list[str] = []
    notes: dict[str, None] = {}  # an ordered set: equal notes from several checks are one
    runs_by_type = _quiet_runs(by_type, model)
    for resource in model:
        runs = runs_by_type.get(resource.type)
        # A check judges the state after apply: something being destroyed
        # is never reported for the configuration it is leaving behind.
        # Asked only of resources of a type some check reads (a property call per resource).
        if runs is None or resource.mode != "managed" or not resource.exists_after:
            continue
        for quiet, type_checks in runs:
            if quiet:
                # Every check of this run would return nothing for it (``ResourceCheck.quiet_resources``):
                # no violation, note or error to collect, so not calling them changes nothing.
                seen = quiet.get(id(resource))
                if seen is not None and seen[0] is resource and seen[1] is resource.after:
                    continue
            for check in type_checks:
                try:
                    for violation in check.scan(resource, model):
                        if isinstance(violation, Note):
                            notes.setdefault(violation.text, None)
                            continue
                        raw.append((check, violation, violation.resource or resource))
                except Exception as exc:  # a rule bug must not hide every other finding
                    errors.append(f"rule {check.id} failed on {resource.address}: {type(exc).__name__}: {exc}")
    for gcheck in graph:
        try:
            for violation in gcheck.scan(model):
                if isinstance(violation, Note):
                    notes.setdefault(violation.text, None)
                    continue
                if violation.resource is None:
                    raise ValueError("graph check violations must name their resource")
                raw.append((gcheck, violation, violation.resource))
        except Exception as exc:
            errors.append(f"rule {gcheck.id} failed: {type(exc).__name__}: {exc}")

    scrub = Scrubber(model)
    findings = [_finding(check, v, res, scrub) for check, v, res in raw]
    findings = _dedupe(findings)
    findings.sort(key=Finding.sort_key)
    return RunResult(findings=findings, checks=checks, resources=len(model), errors=[scrub(e) for e in errors],
                     rule_notes=list(notes))


# The checks of one resource type, in order, cut into runs of consecutive checks that share one
# ``quiet_resources`` mapping (``None``: none to share): a resource in a run's mapping skips the whole run.
_QuietRun = tuple[Mapping[int, tuple[Resource, Any]] | None, list[ResourceCheck]]


def _quiet_runs(by_type: dict[str, list[ResourceCheck]], model: ResourceModel) -> dict[str, list[_QuietRun]]:
    """``by_type`` with each type's checks cut into runs by the ``quiet_resources`` they share.

    Asked once per check, before any ``scan``: it builds what the check's first ``scan`` would
    have built (a memo of the model). A check whose answer fails is asked resource by resource,
    as before, so its own failure is reported where ``scan`` meets it.
    """
    quiet: dict[int, Mapping[int, tuple[Resource, Any]] | None] = {}
    runs_by_type: dict[str, list[_QuietRun]] = {}
    for type_, type_checks in by_type.items():
        runs: list[_QuietRun] = []
        for check in type_checks:
            if id(check) not in quiet:
                try:
                    quiet[id(check)] = check.quiet_resources(model)
                except Exception:  # noqa: BLE001 - scan meets it again and reports it
                    quiet[id(check)] = None
            mapping = quiet[id(check)]
            if runs and mapping is not None and runs[-1][0] is mapping:
                runs[-1][1].append(check)
            else:
                runs.append((mapping, [check]))
        runs_by_type[type_] = runs
    return runs_by_type


def _finding(check: BaseCheck, violation: Violation, resource: Resource, scrub: Scrubber) -> Finding:
    severity = violation.severity or check.severity
    # What the loader knows about the resource (a block deleted in the commit: where it was).
    context = resource.finding_context or _NO_CONTEXT
    return _new_finding({
        "rule_id": check.id,
        "rule_name": check.name,
        "severity": severity,
        "level": violation.level or sarif_level(severity),
        "address": resource.address,
        "resource_type": resource.type,
        "message": scrub(violation.message + context.note),
        "origin": resource.origin,
        "location": resource.location or SourceLocation(path=resource.origin or "<unknown>"),
        "key": violation.key,
        "details": scrub.value({**(violation.details or {}), **context.details}),
        "suppression": None,
        "suppression_kind": "inSource",
        "related": (),
    })


def _new_finding(fields: dict[str, Any]) -> Finding:
    """``Finding(**fields)`` given every field in order, without running its ``__init__``.

    ``Finding`` is frozen, so its ``__init__`` sets each of its 14 fields through
    ``object.__setattr__``: about 30,000 instructions a finding, two thirds of turning a
    violation into one. It has no ``__post_init__`` and no slots, so an instance is its
    ``__dict__``: the same fields, set at once (``tests/test_runner_findings.py`` holds this
    to ``Finding(**fields)``, defaults and field order included).
    """
    finding: Finding = _NEW(Finding)
    _SET(finding, "__dict__", fields)
    return finding


_NEW = object.__new__
_SET = object.__setattr__


# A resource without a loader's context: one for all of them (frozen; its details are only read).
_NO_CONTEXT = FindingContext()


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, str, str]] = set()
    out = []
    for f in findings:
        k = (f.rule_id, f.origin, f.address, f.key)
        if k not in seen:
            seen.add(k)
            out.append(f)
    return out


# Very short values would mangle ordinary words and carry little secret;
# rules render such values through ``Resource.show`` instead.
_MIN_SECRET = 4
_HIDDEN = "(sensitive value)"


class Scrubber:
    """Last line of defence: no string the plan marks sensitive leaves natpolicy.

    Rules already render values through ``Resource.show``; this catches any
    that slip through (a message built from a raw value, say). It never
    rewrites a resource address of the model: an address is public (it is
    the finding's location), so a secret that happens to be part of one
    (``db_name = "main"`` beside ``aws_vpc.main``) must not mangle it.
    """

    def __init__(self, model: ResourceModel) -> None:
        secrets: set[str] = set()
        # id(mask) -> does it hold a `true` at any depth? Only there does _collect_sensitive collect anything,
        # and the plan decode shares one mask object among every resource with the same mask text (a 10k plan
        # has a handful, mostly {"tags": {}, "tags_all": {}}): each is looked at once, not walked per resource.
        # The masks stay referenced by the resources during this loop, so no id is reused. The lookups are
        # written out in the loop, not called (a call per mask was half the loop's cost), and as resources
        # of one type come in a row and mostly share their mask, the last mask judged is compared first.
        marking: dict[int, bool] = {}
        last_mask: Any = None
        last_marked = False
        for res in model:
            after_mask = res.after_sensitive
            if after_mask:
                if after_mask is last_mask:
                    marked = last_marked
                else:
                    found = marking.get(id(after_mask))
                    if found is None:
                        found = marking[id(after_mask)] = _marks_any(after_mask)
                    marked = last_marked = found
                    last_mask = after_mask
                if marked:
                    _collect_sensitive(res.after, after_mask, secrets)
            before_mask = res.before_sensitive
            # A no-op's two sides are often one object with one mask (the plan decode shares them): walked once.
            if before_mask and (before_mask is not after_mask or res.before is not res.after):
                if before_mask is last_mask:
                    marked = last_marked
                else:
                    found = marking.get(id(before_mask))
                    if found is None:
                        found = marking[id(before_mask)] = _marks_any(before_mask)
                    marked = last_marked = found
                    last_mask = before_mask
                if marked:
                    _collect_sensitive(res.before, before_mask, secrets)
        self._index = _SecretIndex(s for s in secrets if len(s) >= _MIN_SECRET)
        # Most plans mark nothing sensitive (or only short values): then no text changes, asked once here
        # rather than through _SecretIndex.__bool__ per text (a message and each key and value of details).
        self._hides = bool(self._index)
        self._model = model
        self._addresses: set[str] | None = None  # built on the first message that needs it

    def __call__(self, text: str) -> str:
        index = self._index
        if not self._hides or index.find(text) is None:
            return text
        addresses = self._public_addresses()
        out: list[str] = []
        pos = 0
        for match in address_in_text().finditer(text):  # a resource address inside a message
            if match.group(0) in addresses:
                out.append(index.sub(text[pos:match.start()]))
                out.append(match.group(0))
                pos = match.end()
        out.append(index.sub(text[pos:]))
        return "".join(out)

    def value(self, value: Any) -> Any:
        """``details`` and the like: every string inside, scrubbed (keys too)."""
        if not self._hides:
            return _copied(value)  # what the walk below gives when no string changes
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            return {self(k) if isinstance(k, str) else k: self.value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        return value

    def _public_addresses(self) -> set[str]:
        if self._addresses is None:
            found: set[str] = set()
            for res in self._model:
                found.add(res.address)
                found.add(res.config_address)
                if res.previous_address:
                    found.add(res.previous_address)
            self._addresses = found
        return self._addresses


class _SecretIndex:
    """Finds any of many secrets in a text in time linear in the text, whatever their number.

    One regular expression alternating 100,000 secrets costs seconds to
    compile and is tried secret by secret at every position of every message
    (minutes for 10,000 findings). Instead the secrets are indexed by their
    first ``_MIN_SECRET`` characters: each position of the text costs one
    set lookup, and only a position that starts some secret looks at the
    lengths of the secrets sharing that start (longest first, as the
    alternation did).
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        by_head: dict[str, set[str]] = {}
        for secret in secrets:
            by_head.setdefault(secret[:_MIN_SECRET], set()).add(secret)
        self._heads = {head: (sorted({len(s) for s in group}, reverse=True), group)
                       for head, group in by_head.items()}

    def __bool__(self) -> bool:
        return bool(self._heads)

    def _longest_at(self, text: str, i: int) -> int:
        found = self._heads.get(text[i:i + _MIN_SECRET])
        if found is None:
            return 0
        lengths, group = found
        for length in lengths:
            if text[i:i + length] in group:
                return length
        return 0

    def find(self, text: str) -> int | None:
        """Where the first secret starts in ``text``; ``None`` if none does."""
        for i in range(len(text) - _MIN_SECRET + 1):
            if self._longest_at(text, i):
                return i
        return None

    def sub(self, text: str) -> str:
        """``text`` with every secret (leftmost, longest first, not overlapping) replaced by ``_HIDDEN``."""
        out: list[str] = []
        pos = i = 0
        last = len(text) - _MIN_SECRET
        while i <= last:
            length = self._longest_at(text, i)
            if length:
                out += [text[pos:i], _HIDDEN]
                i = pos = i + length
            else:
                i += 1
        out.append(text[pos:])
        return "".join(out)


def _copied(value: Any) -> Any:
    """``Scrubber.value`` with nothing to hide: dicts copied, lists and tuples copied as lists, the rest as is."""
    if type(value) is dict:  # details: mostly a few plain values, copied in one step
        out = dict(value)
        for key, item in out.items():
            if isinstance(item, (dict, list, tuple)):
                out[key] = _copied(item)  # a new value for a key already there: the dict keeps its size
        return out
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_copied(item) for item in value]
    return value


def _marks_any(mask: Any) -> bool:
    """Does a sensitivity mask hold ``true`` anywhere (what ``_collect_sensitive`` collects under)?"""
    if mask is True:
        return True
    if isinstance(mask, dict):
        return any(_marks_any(sub) for sub in mask.values())
    if isinstance(mask, list):
        return any(_marks_any(sub) for sub in mask)
    return False


def _collect_sensitive(value: Any, mask: Any, out: set[str]) -> None:
    if mask is True:
        _strings(value, out)
    elif isinstance(mask, dict) and isinstance(value, dict):
        for k, sub in mask.items():
            if sub:
                _collect_sensitive(value.get(k), sub, out)
    elif isinstance(mask, list) and isinstance(value, list):
        for sub, item in zip(mask, value, strict=False):  # a hostile plan's mask may differ in length
            if sub:
                _collect_sensitive(item, sub, out)


def _strings(value: Any, out: set[str]) -> None:
    if value is UNKNOWN or value is None:
        return
    if isinstance(value, str):
        out.add(value)
    elif isinstance(value, bool):
        return
    elif isinstance(value, (int, float)):
        out.add(str(value))
    elif isinstance(value, dict):
        for v in value.values():
            _strings(v, out)
    elif isinstance(value, list):
        for v in value:
            _strings(v, out)
