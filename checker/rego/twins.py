"""The built-in rules' Rego twins (``policies/rego``), run by ``--engine rego``.

Each twin package ``natpolicy.rules.<family>`` exports ``findings``, an
*array* of ``{rule, address, msg, severity, key?}``; ``deny``/``warn`` are the
same results as sets for conftest and OPA. natpolicy queries the array:
regopy builds sets in quadratic time, arrays in linear time.

Findings carry the Python rule's metadata (name, documentation, SARIF help),
so a report looks the same whichever engine produced it.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from natpolicy.check import BaseCheck, Severity
from natpolicy.errors import InputError
from natpolicy.findings import Finding
from natpolicy.model import ResourceModel, SourceLocation
from natpolicy.outputs.severity import sarif_level
from natpolicy.rego.engine import UNDEFINED
from natpolicy.rego.evaluate import PolicySet, Query
from natpolicy.rego.loading import PolicyFile, read_policy

__all__ = ["twin_files", "Twins", "export_twins"]


def _twin_dir() -> Path:
    import natpolicy.policies.rego as pkg

    return Path(pkg.__file__).resolve().parent


def twin_files(include_tests: bool = False) -> list[Path]:
    base = _twin_dir()
    return sorted(p for p in base.glob("*.rego") if include_tests or not p.name.endswith("_test.rego"))


def export_twins(target: str, *, force: bool = False) -> list[Path]:
    """Copy the twins, their tests and the differences note into ``target``.

    A folder that already holds ``.rego`` files (someone's own policies, or an
    earlier export they edited) is written into only with ``force``. Each file
    is written atomically and never through a link (see safe_write).
    """
    from natpolicy.loaders.paths import display_path
    from natpolicy.safe_write import write_text

    out = Path(target)
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise InputError(display_path(target), "exists and is not a directory")
    if not force and out.is_dir():
        present = sorted(p.name for p in out.iterdir() if p.name.endswith(".rego"))
        if present:
            raise InputError(display_path(target), f"already holds .rego files ({', '.join(present[:3])}"
                             f"{', ...' if len(present) > 3 else ''}); add --force to write into it")
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    base = _twin_dir()
    for path in [*twin_files(include_tests=True), base / "DIFFERENCES.md"]:
        if path.is_file():
            dest = out / path.name
            try:
                write_text(dest, path.read_text(encoding="utf-8"), within=out)
            except OSError as exc:
                reason = exc.strerror or str(exc).replace(str(dest), "").strip()
                raise InputError(display_path(str(dest)), f"cannot write: {reason}") from None
            written.append(dest)
    return written


_HEAVIEST_FIRST = ("natpolicy.rules.nat",)
_TWIN_CAP_ADVICE = ("this built-in twin is too costly for regopy on a plan this size "
                    "(see benchmarks/RESULTS-rego.md): leave out --engine rego to check the same rules "
                    "with the default Python engine")


class Twins:
    def __init__(self, policy_set: PolicySet, checks: dict[str, BaseCheck]) -> None:
        self.set = policy_set
        self.checks = checks

    @property
    def wants_data(self) -> bool:
        return False  # the twins read the plan alone, as they must in OPA

    @classmethod
    def load(cls, checks: Sequence[BaseCheck]) -> Twins:
        policies: list[PolicyFile] = [read_policy(p, f"policies/rego/{p.name}") for p in twin_files()]
        queries = [Query(p.package, "findings", p) for p in policies if p.package.startswith("natpolicy.rules.")]
        # The twin that joins by scanning goes first: on a plan too large for
        # it, natpolicy stops after its one query instead of after all the others.
        queries.sort(key=lambda q: q.package not in _HEAVIEST_FIRST)
        return cls(PolicySet(policies, queries, cap_advice=_TWIN_CAP_ADVICE), {c.id: c for c in checks})

    def findings(self, model: ResourceModel, origin: str, values: Sequence[tuple[Query, Any]],
                 scrub: Any) -> list[Finding]:
        """The findings of one plan's values (``interpret``'s answer for this set)."""
        found: list[Finding] = []
        for query, value in values:
            if value is UNDEFINED:
                continue
            if not isinstance(value, list):
                raise InputError(f"{query.policy.display}", f"{query.ref} is not an array")
            for item in value:
                finding = self._finding(item, model, origin, scrub)
                if finding is not None:
                    found.append(finding)
        seen: set[tuple[str, str, str]] = set()
        unique = []
        for f in found:
            if (f.rule_id, f.address, f.key) not in seen:
                seen.add((f.rule_id, f.address, f.key))
                unique.append(f)
        return unique

    def _finding(self, item: Any, model: ResourceModel, origin: str, scrub: Any) -> Finding | None:
        check = self.checks.get(str(item.get("rule"))) if isinstance(item, dict) else None
        if check is None:
            return None  # a rule not selected with --check/--skip-check
        address = str(item.get("address", ""))
        resource = model.get(address, origin=origin)
        try:
            severity = Severity.parse(str(item.get("severity"))) if item.get("severity") else check.severity
        except ValueError:
            severity = check.severity
        return Finding(
            rule_id=check.id,
            rule_name=check.name,
            severity=severity,
            level=sarif_level(severity),
            address=address,
            resource_type=str(item.get("resource_type") or (resource.type if resource else "")),
            message=scrub(str(item.get("msg", ""))),
            origin=origin,
            location=(resource.location if resource is not None and resource.location is not None
                      else SourceLocation(path=origin, start_line=1)),
            key=str(item.get("key") or ""),
            details={"engine": "rego"},
        )
