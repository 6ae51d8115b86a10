"""Rego results -> natpolicy ``Finding``s, and the rules SARIF lists for them.

The outputs build their rule tables from ``RunResult.checks`` (``BaseCheck``
instances); a Rego rule gets a small synthetic ``BaseCheck`` subclass, so the
text, JSON and SARIF renderers need no change and ``ruleIndex`` stays right.

Rule ids: a result's own ``id`` field wins, except the id of a built-in rule
(``NAT001``), which becomes ``<package>/NAT001`` so the finding does not wear
that rule's documentation. Otherwise the id is ``<package>/<rule>``
(``main/deny``, ``main/warn_tags``): for plain ``deny``/``warn`` that is the
ruleId conftest writes to SARIF; conftest folds suffixed rules into
``main/deny``, natpolicy keeps them apart.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from natpolicy.address import resource_type_of
from natpolicy.check import BaseCheck, Severity
from natpolicy.findings import Finding, sha256  # CPython's own SHA-256: no OpenSSL loaded (see natpolicy.findings)
from natpolicy.model import ResourceModel, SourceLocation
from natpolicy.records import record

__all__ = ["RegoResult", "RegoRuleCheck", "rule_check", "to_finding", "severity_of", "RULE_ID"]

RULE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$")
# Result fields natpolicy interprets; all others become finding details.
_RESERVED = frozenset({"msg", "id", "severity", "address", "resource", "resource_type", "key", "title"})


@record
class RegoResult:
    """One element of a ``deny``/``violation``/``warn`` set, normalised."""

    rule_id: str
    rule_name: str
    severity: Severity
    level: str
    message: str
    address: str | None
    resource_type: str | None
    key: str
    details: dict[str, Any]
    doc: str  # for the synthetic rule's help text
    policy_path: str  # where the rule is written, for the SARIF help link
    builtin_clash: str = ""  # the built-in rule id the result asked for, now prefixed with its package
    unused: tuple[str, ...] = ()  # fields natpolicy could not use (kept in details): `id`, `severity`, ...


class RegoRuleCheck(BaseCheck):
    """A Rego rule as the outputs see it. Subclassed per rule by :func:`rule_check`."""

    doc_text: ClassVar[str] = ""
    policy_path: ClassVar[str] = ""

    @classmethod
    def documentation(cls) -> str:
        return cls.doc_text

    @classmethod
    def doc_relpath(cls) -> str:
        return cls.policy_path


def rule_check(result: RegoResult) -> RegoRuleCheck:
    attrs = {
        "id": result.rule_id,
        "name": result.rule_name,
        "severity": result.severity,
        "categories": ("rego",),
        "precision": "high",
        "doc_text": result.doc,
        "policy_path": result.policy_path,
    }
    cls = type(f"Rego_{re.sub(r'[^A-Za-z0-9]', '_', result.rule_id)}", (RegoRuleCheck,), attrs)
    return cls()


def severity_of(value: Any, default: Severity) -> Severity | None:
    """A result's ``severity`` field; ``None`` when it is not a severity name."""
    if value is None:
        return default
    if not isinstance(value, str):
        return None
    try:
        return Severity.parse(value)
    except ValueError:
        return None


def to_finding(result: RegoResult, model: ResourceModel, origin: str, scrub: Any) -> Finding:
    """Locate a result like any other finding: by its resource if it names one."""
    resource = model.get(result.address, origin=origin) if result.address else None
    if resource is not None and resource.location is not None:
        location = resource.location
    else:
        location = SourceLocation(path=origin if origin else "<unknown>", start_line=1)
    resource_type = result.resource_type or (
        resource.type if resource is not None else resource_type_of(result.address))
    return Finding(
        rule_id=result.rule_id,
        rule_name=result.rule_name,
        severity=result.severity,
        level=result.level,
        address=result.address or origin,
        resource_type=resource_type or "",
        message=scrub(result.message),
        origin=origin,
        location=location,
        key=result.key,
        details=_scrub_details(result.details, scrub),
    )


def message_key(message: str) -> str:
    return sha256(message.encode()).hexdigest()[:12]


def _scrub_details(value: Any, scrub: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if value.__class__ is dict or isinstance(value, Mapping):  # a plain dict without the ABC's check (per result)
        return {str(k): _scrub_details(v, scrub) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_details(v, scrub) for v in value]
    return value


def reserved_fields() -> frozenset[str]:
    return _RESERVED
