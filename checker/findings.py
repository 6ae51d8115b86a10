"""A located, fingerprinted result of one rule on one resource."""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from natpolicy.check import Severity
from natpolicy.model import SourceLocation
from natpolicy.records import field, record

if TYPE_CHECKING:
    from hashlib import sha256
else:
    # CPython's own SHA-256 (``_sha2`` from 3.12): importing ``hashlib`` loads OpenSSL and sets up every algorithm,
    # 11 M instructions at each start (a small plan's run is about 400 M) for the one digest findings need.
    try:
        from _sha256 import sha256
    except ImportError:  # pragma: no cover - a newer CPython, or another interpreter
        try:
            from _sha2 import sha256
        except ImportError:
            from hashlib import sha256


@record(frozen=True)
class RelatedLocation:
    """Another place a finding concerns (SARIF ``relatedLocations``).

    A finding on a resource inside a module is shown on the ``module`` block
    that calls it (the line a pull request changes); the resource's own block
    is then a related location: with its file and lines when the module's
    code is at hand (a local folder, ``.terraform/modules``), else only by its
    address (``location`` is ``None``).
    """

    address: str
    location: SourceLocation | None
    message: str
    declaration: bool = True  # the finding's own resource block (what the finding was on before it moved)


@record(frozen=True)
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
    related: tuple[RelatedLocation, ...] = ()

    @property
    def block_location(self) -> SourceLocation:
        """The resource's own block when the finding was moved onto its module call, else ``location``."""
        for item in self.related:
            if item.declaration and item.location is not None:
                return item.location
        return self.location

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
    digest = sha256(f"{rule_id}\0{address}\0{key}".encode()).hexdigest()
    return f"{digest[:16]}:1"
