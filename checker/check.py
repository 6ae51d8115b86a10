"""The base every rule in ``natpolicy.policies`` is built on.

A rule is one class in one file, Checkov style: an ID, a name, a severity,
categories, the resource types it covers and a ``scan`` method. Unlike
Checkov, constructing a check registers nothing: the registry finds classes,
and options (such as port lists from the config file) are passed in.

Rules import only this module and ``natpolicy.model``.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from natpolicy.model import Resource, ResourceModel
from natpolicy.records import field, record

# ``record`` and ``field`` are re-exported: rules declare their own value types with them and import only the model
# and this base (``field`` is ``dataclasses.field`` to a type checker; ``natpolicy.records`` says why it is its own).
__all__ = ["Severity", "Violation", "Note", "BaseCheck", "ResourceCheck", "GraphCheck", "field", "record",
           "rule_family"]


def rule_family(rule_id: str) -> str:
    """``SG001`` -> ``SG``: a rule's family is its ID without the number."""
    return rule_id.rstrip("0123456789")


class Severity(enum.IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (use low, medium, high or critical)") from None

    @property
    def label(self) -> str:
        # From a table: ``self.name`` is an enum descriptor, and a report asks each finding's label twice or more
        # (a user policy's 6,000 findings: about 6 ms of a JSON report through ``name.lower()``).
        return _LABELS[self._value_]


_LABELS = {severity._value_: severity.name.lower() for severity in Severity}


@record(frozen=True)
class Violation:
    """What a check reports. The runner turns it into a located ``Finding``.

    ``resource`` is required from graph checks and implied for resource checks.
    ``severity`` and ``level`` override the rule's defaults for this one case
    (e.g. a private NAT gateway, or a teardown reported as a note).
    ``details`` holds structured facts for JSON and markdown output; it must
    never carry attribute values the plan marks sensitive.
    """

    message: str
    resource: Resource | None = None
    severity: Severity | None = None
    level: str | None = None
    details: Mapping[str, Any] | None = None
    # A stable discriminator when one resource can fail one rule twice
    # (e.g. two ingress rules of one group); it goes into the fingerprint.
    key: str = ""


@record(frozen=True)
class Note:
    """A run note a check yields beside its violations (SARIF tool notification).

    For what the rule noticed about the input as a whole, not about one
    resource ("two plans manage the same route table"). The runner keeps the
    first of equal notes, in the order the checks ran, and the app reports
    them after the loaders' notes. Checks never write notes into the model.
    """

    text: str


class BaseCheck:
    id: ClassVar[str] = ""
    name: ClassVar[str] = ""
    severity: ClassVar[Severity] = Severity.MEDIUM
    categories: ClassVar[tuple[str, ...]] = ()
    supported_types: ClassVar[tuple[str, ...]] = ()
    # How sure we are a finding is real; SARIF `precision`.
    precision: ClassVar[str] = "high"
    # Option names and defaults this rule reads from the config file.
    default_options: ClassVar[Mapping[str, Any]] = {}
    # One line of Markdown for the README's rules table (scripts/rules_table.py).
    summary: ClassVar[str] = ""
    # Can the rule decide on one resource alone? Such rules are offered to
    # Checkov (natpolicy.checkov_adapter), which shows a check one resource.
    judges_one_resource: ClassVar[bool] = False

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        merged = dict(self.default_options)
        merged.update(options or {})
        self.options: dict[str, Any] = merged

    @classmethod
    def doc_path(cls) -> Path:
        """The rule's documentation sits beside its code, same stem, ``.md``."""
        import sys

        module = sys.modules[cls.__module__]
        return Path(module.__file__ or "").with_suffix(".md")

    @classmethod
    def doc_relpath(cls) -> str:
        """The doc's path in the source repository, e.g. ``policies/sg/sg001_all_traffic.md``."""
        parts = cls.__module__.split(".")
        if parts[:2] == ["natpolicy", "policies"]:
            return "/".join(["policies", *parts[2:]]) + ".md"
        return "/".join(["checker", *parts[1:]]) + ".md"

    @classmethod
    def documentation(cls) -> str:
        path = cls.doc_path()
        return path.read_text(encoding="utf-8") if path.is_file() else ""


class ResourceCheck(BaseCheck):
    """Sees one resource at a time; the model is there for lookups."""

    judges_one_resource: ClassVar[bool] = True

    def scan(self, resource: Resource, model: ResourceModel) -> Iterable[Violation | Note]:
        raise NotImplementedError

    def quiet_resources(self, model: ResourceModel) -> Mapping[int, tuple[Resource, Any]] | None:
        """Resources ``scan`` says nothing about, by ``id()``, each with the ``after`` it was judged on; or None.

        The runner skips ``scan`` for a resource found here with that very ``after`` object
        (``scan`` would return nothing: no violation, no note, no error). Checks that share one
        mapping (the SG family) are skipped together with one lookup. ``None``: ask ``scan``.
        """
        return None


class GraphCheck(BaseCheck):
    """Sees the whole model once (several plans, if several were given)."""

    def scan(self, model: ResourceModel) -> Iterable[Violation | Note]:
        raise NotImplementedError
