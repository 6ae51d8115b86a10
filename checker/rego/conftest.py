"""User policies in conftest style: which rules to query and what their results mean.

Each behaviour follows conftest's own source (``policy/engine.go``,
``output/result.go``); docs/rego.md ("conftest's rules, side by side") lists
them with natpolicy's answer.

* rules ``deny``/``violation`` (failures) and ``warn`` (warnings), each with
  optional ``_suffix`` parts, in package ``main`` unless ``--namespace``
  (repeatable, globs) or ``--all-namespaces`` says otherwise;
* a result is a string (the message) or an object with a string ``msg`` and
  optional fields: ``id``, ``severity``, ``address``/``resource``, ``key``,
  ``title``; every other field lands in the finding's ``details``. conftest
  reads all of these as opaque metadata, so one natpolicy cannot use (an id
  with a space, severity ``"error"``) stays in ``details``, with a note,
  instead of stopping a policy conftest runs;
* an empty message (``""``, ``{"msg": ""}``) is a pass, as conftest's
  ``Result.Passed`` reads it (a note counts them);
* ``exception contains rules if { ...; rules := ["foo"] }`` exempts
  ``deny_foo``, ``violation_foo`` and ``warn_foo``: conftest's
  ``removeRulePrefix`` strips the ``violation_``/``deny_``/``warn_`` prefix,
  turns plain ``deny``/``violation``/``warn`` into ``""``, and looks the
  name up with ``data.<namespace>.exception[_][_] == name``; exempted
  results are counted in a note;
* a rule whose value is a bare boolean (``deny if { ... }``, ``deny = true``)
  is no set of results: conftest ignores it, and so does natpolicy (a note);
* a namespace with nothing to query (no such package, or only helpers)
  passes with a note, as conftest passes it.
"""
from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from typing import Any

from natpolicy.check import Severity
from natpolicy.errors import InputError
from natpolicy.outputs.severity import sarif_level
from natpolicy.rego.engine import UNDEFINED
from natpolicy.rego.evaluate import Query
from natpolicy.rego.loading import PolicyFile
from natpolicy.rego.results import RULE_ID, RegoResult, message_key, reserved_fields, severity_of

__all__ = ["FAILURE", "WARNING", "select_queries", "parse_results", "exempted_rules", "exception_shape_note",
           "is_exempt", "plain_name_note", "rule_suffix", "unused_fields_note", "is_warning_finding", "where"]

FAILURE = re.compile(r"^(deny|violation)(_[a-zA-Z0-9]+)*$")
WARNING = re.compile(r"^warn(_[a-zA-Z0-9]+)*$")

# deny/violation are errors, warn a warning (as conftest writes them to
# SARIF); the default severities are the ones whose SARIF level that is, so a
# rule's defaultConfiguration and its results agree. With a severity field,
# the severity decides (SARIF level from it, as for every built-in rule).
_DEFAULTS = {"failure": Severity.HIGH, "warning": Severity.MEDIUM}


def select_queries(policies: Sequence[PolicyFile], namespaces: Sequence[str],
                   all_namespaces: bool) -> tuple[list[Query], list[str]]:
    """The deny/violation/warn/exception rules of the selected packages, and notes on what has none.

    A selection with nothing to query passes, as in conftest (which reports
    zero tests); the note says why, so a mistyped ``--namespace`` is visible
    with ``-v``.
    """
    patterns = list(namespaces) or ["main"]
    packages = sorted({p.package for p in policies})
    chosen = packages if all_namespaces else [
        pkg for pkg in packages if any(fnmatch.fnmatchcase(pkg, pat) for pat in patterns)]
    if not chosen:
        found = ", ".join(packages) or "none"
        return [], [f"no Rego policy is in namespace {', '.join(patterns)} (packages found: {found}), so no user "
                    "policy ran; use --namespace NAME or --all-namespaces"]
    queries: list[Query] = []
    seen: set[tuple[str, str]] = set()
    for policy in policies:
        if policy.package not in chosen:
            continue
        for rule in policy.info.rules:
            if ((FAILURE.match(rule) or WARNING.match(rule) or rule == "exception")
                    and (policy.package, rule) not in seen):
                seen.add((policy.package, rule))
                queries.append(Query(policy.package, rule, policy))
    # A package of helpers only (or of exceptions only) has nothing to report: skip it.
    reporting = {q.package for q in queries if q.rule != "exception"}
    silent = [pkg for pkg in chosen if pkg not in reporting]
    notes = []
    if silent:
        files = ", ".join(p.display for p in policies if p.package in silent)
        notes.append(f"no deny, violation or warn rule in Rego package {', '.join(silent)} ({files}), so it "
                     "reports nothing; conftest-style policies report through `deny contains msg if { ... }` "
                     "(or violation/warn, with _suffix variants)")
    return [q for q in queries if q.package in reporting], notes


def kind_of(rule: str) -> str:
    return "failure" if FAILURE.match(rule) else "warning"


def exempted_rules(value: Any) -> set[str]:
    """The names ``data.<ns>.exception[_][_]`` reaches: ``{"tags"}`` for ``exception contains ["tags"]``.

    conftest asks ``exception[_][_] == name``, so whatever Rego iterates at
    both levels counts (sets, arrays, object values) and only strings can
    equal a name; anything else (``exception contains "tags"``: a string is
    not iterable) exempts nothing, without an error. :func:`exception_shape_note`
    says so.
    """
    names: set[str] = set()
    for entry in _members(value):
        names.update(name for name in _members(entry) if isinstance(name, str))
    return names


def exception_shape_note(value: Any, query: Query) -> str | None:
    """A note when ``exception`` holds values but no name at ``exception[_][_]`` (conftest exempts nothing then)."""
    if value is UNDEFINED or exempted_rules(value) or not _members(value):
        return None
    return (f"{query.ref} ({where(query)}) names no rule at {query.ref}[_][_], so it exempts nothing, as in "
            f"conftest: write `exception contains rules if {{ rules := [\"foo\"] }}` (an array of names)")


def _members(value: Any) -> list[Any]:
    """What Rego's ``value[_]`` iterates: a collection's elements, an object's values; nothing for a scalar."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return list(value.values())
    return []


def rule_suffix(rule: str) -> str:
    """What conftest looks up in ``exception`` for ``rule`` (``removeRulePrefix`` in policy/engine.go).

    Plain ``deny``, ``violation`` and ``warn`` are ``""`` (conftest#589), so
    ``rules := [""]`` exempts them, and ``"deny"`` names ``deny_deny`` only.
    """
    if rule in ("deny", "violation", "warn"):
        return ""
    for prefix in ("violation_", "deny_", "warn_"):
        rule = rule.removeprefix(prefix)
    return rule


def is_exempt(rule: str, names: set[str]) -> bool:
    """Does an ``exception`` listing ``names`` exempt the results of ``rule``?"""
    return rule_suffix(rule) in names


def plain_name_note(rule: str, names: set[str], package: str) -> str | None:
    """A note when ``exception`` names ``"deny"`` beside a plain ``deny`` it does not exempt (natpolicy once did)."""
    if rule in ("deny", "violation", "warn") and rule in names and not is_exempt(rule, names):
        return (f"the exception of package {package} names {rule!r}, which exempts {rule}_{rule} but not plain "
                f"{rule}, as in conftest; to exempt plain deny, violation and warn, name \"\"")
    return None


def is_warning_finding(details: Any) -> bool:
    """Is this a user policy's ``warn`` result? Only natpolicy sets a finding's ``query`` detail."""
    query = details.get("query") if hasattr(details, "get") else None
    return isinstance(query, str) and query.startswith("data.") and bool(WARNING.match(query.rsplit(".", 1)[-1]))


def parse_results(value: Any, query: Query,
                  builtin_ids: frozenset[str] = frozenset()) -> tuple[list[RegoResult], int]:
    """The findings of one rule's value, and how many of its results passed (an empty message)."""
    if value is UNDEFINED:
        return [], 0
    if isinstance(value, dict):
        if value and all(v is True for v in value.values()):
            cause = ("is an object whose values are all `true`: the shape of Rego v0 `"
                     f"{query.rule}[msg] {{ ... }}`, which regopy misreads; "
                     f"write `{query.rule} contains msg if {{ ... }}`")
        else:
            cause = f"is an object, not a set of results; write `{query.rule} contains msg if {{ ... }}`"
        raise InputError(where(query), f"{query.ref} {cause}")
    if not isinstance(value, list):
        raise InputError(where(query), f"{query.ref} must be a set of results (`{query.rule} contains msg if ...`), "
                                        f"got {_kind(value)}")
    severity = _DEFAULTS[kind_of(query.rule)]
    out: list[RegoResult] = []
    passed = 0
    keys: set[tuple[str, str, str]] = set()
    # A string result (the common `msg`) reads nothing of itself but its text, so every one of a query's is the
    # first one's with another message: built from it (_StringResults) rather than read field by field again.
    strings: _StringResults | None = None
    for item in value:
        if item.__class__ is str and item and strings is not None:
            result: RegoResult | None = strings.made(item)
        else:
            result = _one(item, query, severity, builtin_ids)
            if strings is None and item.__class__ is str and result is not None:
                strings = _StringResults(result)
        if result is None:
            passed += 1
            continue
        if result.address is None and not result.key:
            # Results naming no resource all sit at the plan's path: only the
            # message tells them apart, whichever order the engine returns.
            result.key = message_key(result.message)
        # The first result per resource keeps an empty key, so its
        # fingerprint survives message rewording; later ones on the same
        # resource are told apart by their message.
        triple = (result.rule_id, result.address or "", result.key)
        if triple in keys:
            result.key = message_key(result.message)
        keys.add((result.rule_id, result.address or "", result.key))
        out.append(result)
    return out, passed


class _StringResults:
    """The results of one query's string items, each made as :func:`_one` makes the first: the same fields but for
    the message (and a details dict of its own, as each result's is)."""

    def __init__(self, first: RegoResult) -> None:
        self.first = first
        # Taken now: parse_results may give ``first`` another key once it is made.
        self.key = first.key
        self.details = dict(first.details)

    def made(self, message: str) -> RegoResult:
        f = self.first
        return RegoResult(f.rule_id, f.rule_name, f.severity, f.level, message, f.address, f.resource_type, self.key,
                          dict(self.details), f.doc, f.policy_path, f.builtin_clash, f.unused)


def _one(item: Any, query: Query, default_severity: Severity, builtin_ids: frozenset[str]) -> RegoResult | None:
    """One result, or None for an empty message: conftest's ``Result.Passed`` (output/result.go) counts it as passed."""
    fields: dict[str, Any]
    if isinstance(item, str):
        fields = {"msg": item}
    elif isinstance(item, dict) and isinstance(item.get("msg"), str):
        fields = item
    else:
        # conftest errors on an object without a string msg (output.NewResult) and drops other values
        # unread; natpolicy stops on both, so no result is lost without a word.
        raise InputError(where(query), f"{query.ref} returned {_kind(item)}; each result must be a string or an "
                                        "object with a string `msg`")
    if not fields["msg"]:
        return None
    # conftest keeps every field but msg as opaque metadata: one natpolicy cannot use is kept in the
    # details (unused names it for a note) rather than stopping a policy conftest runs.
    unused: list[str] = []
    rule_id = fields.get("id")
    if rule_id is not None and not (isinstance(rule_id, str) and RULE_ID.match(rule_id)):
        unused.append("id")
        rule_id = None
    if rule_id is None:
        rule_id = f"{query.package}/{query.rule}"
    clash = ""
    if rule_id in builtin_ids:
        # Under the built-in id the report would show the built-in rule's
        # name, documentation and help link for a finding it never made (the
        # exported twins carry such ids, for conftest): keep it apart.
        clash, rule_id = rule_id, f"{query.package}/{rule_id}"
    severity = severity_of(fields.get("severity"), default_severity)
    if severity is None:
        unused.append("severity")
        severity = default_severity
    address = fields.get("address", fields.get("resource"))
    if address is not None and not isinstance(address, str):
        unused.append("address" if "address" in fields else "resource")
        address = None
    # The display fields: a value of another kind is kept in the details too, not dropped.
    key, title, resource_type = fields.get("key"), fields.get("title"), fields.get("resource_type")
    for field, value, kinds in (("key", key, (str, int)), ("title", title, str), ("resource_type", resource_type, str)):
        if value is not None and not isinstance(value, kinds):
            unused.append(field)
    details = {k: v for k, v in fields.items() if k not in reserved_fields() or k in unused}
    details["query"] = query.ref
    name = title if isinstance(title, str) and title else f"Rego rule {query.ref}"
    return RegoResult(
        rule_id=rule_id,
        rule_name=name,
        severity=severity,
        level=sarif_level(severity),
        message=fields["msg"],
        address=address or None,
        resource_type=resource_type if isinstance(resource_type, str) else None,
        key=str(key) if isinstance(key, (str, int)) else "",
        details=details,
        doc=f"User Rego policy: `{query.ref}` in `{query.policy.display}`.\n\n{name}",
        policy_path=query.policy.display,
        builtin_clash=clash,
        unused=tuple(unused),
    )


def unused_fields_note(ref: str, place: str, fields: set[str]) -> str:
    """Why some results' fields are only details: the values natpolicy reads them as."""
    wants = {"id": "a rule id (letters, digits and _ . : / -, up to 128 characters)",
             "severity": "low, medium, high or critical", "address": "a string", "resource": "a string",
             "key": "a string or a whole number", "title": "a string", "resource_type": "a string"}
    said = "; ".join(f"`{f}` must be {wants[f]}" for f in sorted(fields))
    return (f"{ref} ({place}) returned fields natpolicy cannot use ({said}): they stay in the finding's details, "
            "and the rule's defaults apply, as conftest reads them as metadata only")


def where(query: Query) -> str:
    """``file:line`` of the rule ``query`` asks for."""
    return f"{query.policy.display}:{query.policy.line_of_rule(query.rule)}"


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    return {dict: "an object", list: "an array", str: "a string", int: "a number", float: "a number"}.get(
        type(value), "null")
