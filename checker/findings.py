"""A located, fingerprinted result of one rule on one resource."""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from natpolicy.check import Severity
from natpolicy.model import SourceLocation


@dataclass(frozen=True)
class Finding:
    rule_id: str
    rule_name: str
    severity: Severity
    level: str  # SARIF level: error, warning or note
    address: str
    resource_type: str
    message: str
    origin: str  # plan file or directory the resource came from
    location: SourceLocation
    key: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)
    suppression: str | None = None  # the reason, when suppressed
    # SARIF suppression kind: "inSource" (a skip comment) or "external" (config file).
    suppression_kind: str = "inSource"

    @property
    def fingerprint(self) -> str:
        """Stable across line moves and reformatting: rule + address (+ key)."""
        return fingerprint(self.rule_id, self.address, self.key)

    @property
    def suppressed(self) -> bool:
        return self.suppression is not None

    def sort_key(self) -> tuple[Any, ...]:
        return (-self.severity, self.rule_id, self.origin, self.address, self.key)


def fingerprint(rule_id: str, address: str, key: str = "") -> str:
    digest = hashlib.sha256(f"{rule_id}\0{address}\0{key}".encode()).hexdigest()
    return f"{digest[:16]}:1"
