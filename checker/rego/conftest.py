"""User policies in conftest style: which rules to query and what their results mean.

* rules ``deny``/``violation`` (failures) and ``warn`` (warnings), each with
  optional ``_suffix`` parts, in package ``main`` unless ``--namespace``
  (repeatable, globs) or ``--all-namespaces`` says otherwise;
* a result is a string (the message) or an object with a string ``msg`` and
  optional fields: ``id``, ``severity``, ``address``/``resource``, ``key``,
  ``title``; every other field lands in the finding's ``details``;
* ``exception contains rules if { ...; rules := ["foo"] }`` exempts
  ``deny_foo``, ``violation_foo`` and ``warn_foo``: conftest strips the
  ``violation_``/``deny_``/``warn_`` prefix of a rule and looks the rest up in
  ``data.<namespace>.exception[_][_]`` (so ``"deny"`` names plain ``deny``;
  ``""`` still exempts plain ``deny`` and ``violation``, as natpolicy always
  read it); exempted results are counted in a note;
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

__all__ = ["FAILURE", "WARNING", "select_queries", "parse_results", "exempted_rules", "is_exempt",
           "rule_suffix", "is_warning_finding"]

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


def exempted_rules(value: Any, query: Query) -> set[str]:
    """The names an ``exception`` value lists: ``{"tags"}`` for ``exception contains ["tags"]``."""
    if value is UNDEFINED:
        return set()
    if not isinstance(value, list) or not all(
            isinstance(v, list) and all(isinstance(s, str) for s in v) for v in value):
        raise InputError(_where(query), f"{query.ref} must be a set of arrays of rule names "
                                        f"(`exception contains rules if {{ rules := [\"foo\"] }}`), got {_kind(value)}")
    return {name for names in value for name in names}


def rule_suffix(rule: str) -> str:
    """What conftest looks up in ``exception``: the rule name without its kind prefix."""
    for prefix in ("violation_", "deny_", "warn_"):
        rule = rule.removeprefix(prefix)
    return rule


def is_exempt(rule: str, names: set[str]) -> bool:
    """Does an ``exception`` listing ``names`` exempt the results of ``rule``?"""
    if rule_suffix(rule) in names:
        return True
    return "" in names and rule in ("deny", "violation")


def is_warning_finding(details: Any) -> bool:
    """Is this a user policy's ``warn`` result? Only natpolicy sets a finding's ``query`` detail."""
    query = details.get("query") if hasattr(details, "get") else None
    return isinstance(query, str) and query.startswith("data.") and bool(WARNING.match(query.rsplit(".", 1)[-1]))


def parse_results(value: Any, query: Query, builtin_ids: frozenset[str] = frozenset()) -> list[RegoResult]:
    if value is UNDEFINED:
        return []
    if isinstance(value, dict):
        if value and all(v is True for v in value.values()):
            cause = ("is an object whose values are all `true`: the shape of Rego v0 `"
                     f"{query.rule}[msg] {{ ... }}`, which regopy misreads; "
                     f"write `{query.rule} contains msg if {{ ... }}`")
        else:
            cause = f"is an object, not a set of results; write `{query.rule} contains msg if {{ ... }}`"
        raise InputError(_where(query), f"{query.ref} {cause}")
    if not isinstance(value, list):
        raise InputError(_where(query), f"{query.ref} must be a set of results (`{query.rule} contains msg if ...`), "
                                        f"got {_kind(value)}")
    severity = _DEFAULTS[kind_of(query.rule)]
    out: list[RegoResult] = []
    keys: set[tuple[str, str, str]] = set()
    for item in value:
        result = _one(item, query, severity, builtin_ids)
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
    return out


def _one(item: Any, query: Query, default_severity: Severity, builtin_ids: frozenset[str]) -> RegoResult:
    fields: dict[str, Any]
    if isinstance(item, str):
        fields = {"msg": item}
    elif isinstance(item, dict) and isinstance(item.get("msg"), str):
        fields = item
    else:
        raise InputError(_where(query), f"{query.ref} returned {_kind(item)}; each result must be a string or an "
                                        "object with a string `msg`")
    rule_id = fields.get("id")
    if rule_id is None:
        rule_id = f"{query.package}/{query.rule}"
    if not isinstance(rule_id, str) or not RULE_ID.match(rule_id):
        raise InputError(_where(query), f"{query.ref} returned an `id` that is not a usable rule id: {rule_id!r} "
                                        "(letters, digits and _ . : / -, up to 128 characters)")
    clash = ""
    if rule_id in builtin_ids:
        # Under the built-in id the report would show the built-in rule's
        # name, documentation and help link for a finding it never made (the
        # exported twins carry such ids, for conftest): keep it apart.
        clash, rule_id = rule_id, f"{query.package}/{rule_id}"
    severity = severity_of(fields.get("severity"), default_severity)
    if severity is None:
        raise InputError(_where(query), f"{query.ref} returned severity {fields.get('severity')!r}; "
                                        "use low, medium, high or critical")
    address = fields.get("address", fields.get("resource"))
    if address is not None and not isinstance(address, str):
        raise InputError(_where(query), f"{query.ref} returned a non-string `address`/`resource`: {_kind(address)}")
    key = fields.get("key")
    details = {k: v for k, v in fields.items() if k not in reserved_fields()}
    details["query"] = query.ref
    title = fields.get("title")
    name = title if isinstance(title, str) and title else f"Rego rule {query.ref}"
    return RegoResult(
        rule_id=rule_id,
        rule_name=name,
        severity=severity,
        level=sarif_level(severity),
        message=fields["msg"],
        address=address or None,
        resource_type=fields.get("resource_type") if isinstance(fields.get("resource_type"), str) else None,
        key=str(key) if isinstance(key, (str, int)) else "",
        details=details,
        doc=f"User Rego policy: `{query.ref}` in `{query.policy.display}`.\n\n{name}",
        policy_path=query.policy.display,
        builtin_clash=clash,
    )


def _where(query: Query) -> str:
    return f"{query.policy.display}:{query.policy.line_of_rule(query.rule)}"


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    return {dict: "an object", list: "an array", str: "a string", int: "a number", float: "a number"}.get(
        type(value), "null")
