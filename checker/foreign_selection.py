"""``--check`` and ``--skip-check`` given Checkov, tfsec or Trivy ids, mapped through ``natpolicy.foreign_ids``.

A foreign id whose question a whole natpolicy rule answers (CKV2_AWS_11 ->
FLOW001) selects or skips that rule. One that asks about a single port
(CKV_AWS_24: port 22) runs the SG rules but keeps, or drops, only the findings
about exactly that port, so ``--skip-check CKV_AWS_24`` still reports an open
MySQL port. ``--check`` with an id that maps to nothing is a usage error (the
run would check nothing the user asked for); ``--skip-check`` with one is a
note (nothing natpolicy runs is skipped).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from natpolicy.errors import UsageError
from natpolicy.findings import Finding
from natpolicy.foreign_ids import Equivalent, is_foreign, lookup, unmapped_reason
from natpolicy.records import field, record

__all__ = ["ForeignSelection", "split_selection"]


@record(frozen=True)
class ForeignSelection:
    include: list[str]  # natpolicy ids and families for registry.select
    exclude: list[str]
    keep: tuple[Equivalent, ...] = ()  # --check by port: keep these findings of their rules only
    whole: frozenset[str] = frozenset()  # rules or families asked for whole (natively or by a foreign id)
    drop: tuple[Equivalent, ...] = ()  # --skip-check by port: drop these findings
    notes: list[str] = field(default_factory=list)

    def filter(self, findings: Sequence[Finding]) -> list[Finding]:
        out = []
        for f in findings:
            if any(e.covers(f.rule_id, f.key) for e in self.drop):
                continue
            if self.keep and not self._whole(f.rule_id) and not any(e.covers(f.rule_id, f.key) for e in self.keep):
                continue
            out.append(f)
        return out

    def _whole(self, rule_id: str) -> bool:
        from natpolicy.check import rule_family

        return rule_id in self.whole or rule_family(rule_id) in self.whole


def _tokens(items: Iterable[str]) -> list[str]:
    return [part.strip() for raw in items for part in str(raw).split(",") if part.strip()]


def split_selection(include: Iterable[str], exclude: Iterable[str]) -> ForeignSelection:
    """natpolicy tokens pass through unchanged; foreign ones become rules, finding filters or notes."""
    inc: list[str] = []
    exc: list[str] = []
    keep: list[Equivalent] = []
    drop: list[Equivalent] = []
    whole: set[str] = set()
    notes: list[str] = []
    for token in _tokens(include):
        if not is_foreign(token):
            inc.append(token)
            whole.add(token.upper())
            continue
        equivalent = lookup(token)
        if equivalent is None:
            raise UsageError(f"--check {token}: {unmapped_reason(token)}")
        inc.extend(equivalent.rules)
        if equivalent.port is None and not equivalent.all_protocols:
            whole.update(equivalent.rules)
        else:
            keep.append(equivalent)
    for token in _tokens(exclude):
        if not is_foreign(token):
            exc.append(token)
            continue
        equivalent = lookup(token)
        if equivalent is None:
            notes.append(f"--skip-check {token} skips nothing: {unmapped_reason(token)}")
        elif equivalent.port is None and not equivalent.all_protocols:
            exc.extend(equivalent.rules)
        else:
            drop.append(equivalent)
    return ForeignSelection(inc, exc, tuple(keep), frozenset(whole), tuple(drop), notes)
