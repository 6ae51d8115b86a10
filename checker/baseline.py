"""Baselines: adopt the gate in an existing repository without fixing everything first.

``natpolicy check … --create-baseline FILE`` records the current findings;
``natpolicy check … --baseline FILE`` then reports only findings that are not
in it. An entry matches by ``Finding.fingerprint`` (rule + Terraform address +
the rule's discriminator key), never by line, so a baseline survives line
moves, reformatting and a regenerated plan; and by the finding's origin (the
plan file or Terraform root, as natpolicy shows it: relative to the working
directory, which in the GitHub Action is the workspace), because the same
address exists in every environment: accepting ``aws_security_group.web`` in
``prod/plan.json`` must not hide a new one in ``staging/plan.json``.

File format (JSON, UTF-8, deterministic: sorted, no timestamps, so that
re-creating an unchanged baseline gives a byte-identical file and a clean diff)::

    {
      "natpolicy_baseline": 1,
      "findings": [
        {"fingerprint": "3f0c…:1", "rule_id": "SG002", "address": "aws_security_group.web",
         "key": "tcp:22-22:ipv4", "origin": "prod/plan.json"}
      ]
    }

``rule_id``/``address``/``key`` are there for reviewers, and so that an entry
can be written by hand: an entry without ``fingerprint`` matches by its rule
and address, and by its ``key`` when it has one (none: any key). An entry
without ``origin`` (hand-written, or from a natpolicy that did not record it)
matches in every plan. Suppressed findings are not recorded: their suppression
is already the decision to accept them.
"""
from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from natpolicy.errors import InputError
from natpolicy.findings import Finding, fingerprint
from natpolicy.runner import RunResult

FORMAT_VERSION = 1
_SURROGATE = re.compile("[\\ud800-\\udfff]")
# How many stale entries the note names; the rest are counted.
STALE_SHOWN = 5


@dataclass(frozen=True)
class Entry:
    """One accepted finding. ``None`` fields match anything."""

    rule_id: str | None = None
    address: str | None = None
    key: str | None = None
    origin: str | None = None
    fingerprint: str | None = None

    def label(self) -> str:
        """How a note names the entry: what a reviewer would look for in the file."""
        text = " ".join(part for part in (self.rule_id, self.address) if part) or str(self.fingerprint)
        if self.key:
            text += f" [{self.key}]"
        return text + (f" in {self.origin}" if self.origin is not None else "")


@dataclass
class Baseline:
    """The entries of a baseline file, indexed for matching many findings."""

    entries: list[Entry]
    _by_fingerprint: dict[str, list[int]] = field(default_factory=dict, init=False, repr=False)
    _by_rule_address: dict[tuple[str, str], list[int]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        for i, e in enumerate(self.entries):
            if e.fingerprint is not None:
                self._by_fingerprint.setdefault(e.fingerprint, []).append(i)
            else:  # hand-written without a key: rule + address, any key
                self._by_rule_address.setdefault((str(e.rule_id), str(e.address)), []).append(i)

    def matches(self, f: Finding) -> list[int]:
        """Indexes of the entries that accept ``f``."""
        candidates = self._by_fingerprint.get(f.fingerprint, []) + self._by_rule_address.get((f.rule_id, f.address), [])
        return [i for i in candidates if self.entries[i].origin in (None, f.origin)]


def dumps(findings: Iterable[Finding]) -> str:
    entries = {
        (f.fingerprint, f.origin): {"fingerprint": f.fingerprint, "rule_id": f.rule_id, "address": f.address,
                                    "key": f.key, "origin": f.origin}
        for f in findings
        if not f.suppressed
    }
    ordered = sorted(entries.values(),
                     key=lambda e: (e["rule_id"], e["address"], e["key"], e["origin"], e["fingerprint"]))
    return json.dumps({"natpolicy_baseline": FORMAT_VERSION, "findings": ordered}, indent=2) + "\n"


def write(path: str | Path, findings: Iterable[Finding]) -> None:
    from natpolicy.safe_write import write_text

    try:
        write_text(path, dumps(findings))  # atomic; refuses a link or special file at ``path``
    except OSError as exc:
        from natpolicy.loaders.paths import display_path

        reason = exc.strerror or str(exc).replace(str(path), "").strip()
        raise InputError(display_path(str(path)), f"cannot write the baseline: {reason}") from None


def load(path: str | Path) -> Baseline:
    """The entries a baseline file accepts."""
    source = str(path)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            # A committed `baseline.json -> /dev/zero` (or a FIFO) would never finish reading.
            raise InputError(source, "cannot read the baseline: not a regular file")
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InputError(source, "baseline file not found (create one with --create-baseline)") from None
    except OSError as exc:
        raise InputError(source, f"cannot read the baseline: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(source, f"not a natpolicy baseline (invalid JSON: {exc})") from None
    except RecursionError:
        raise InputError(source, "not a natpolicy baseline (JSON nested too deeply)") from None
    except ValueError:  # int(): a number past Python's digit limit (CVE-2020-10735)
        raise InputError(source, "not a natpolicy baseline (a number with too many digits)") from None
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise InputError(source, 'not a natpolicy baseline (expected an object with a "findings" list)')
    version = data.get("natpolicy_baseline")
    if version != FORMAT_VERSION:
        shown = ascii(version) if len(ascii(version)) <= 20 else ascii(version)[:17] + "..."
        raise InputError(source, f"unsupported baseline version {shown} (this natpolicy reads {FORMAT_VERSION})")
    return Baseline([_entry(source, i, e) for i, e in enumerate(data["findings"])])


def _entry(source: str, index: int, raw: Any) -> Entry:
    if not isinstance(raw, dict):
        raise InputError(source, f"baseline entry {index} is not an object")
    fields = {}
    for name in ("fingerprint", "rule_id", "address", "key", "origin"):
        value = raw.get(name)
        if value is not None and not isinstance(value, str):
            raise InputError(source, f"baseline entry {index}: {name} must be a string")
        if value is not None and _SURROGATE.search(value):
            # Shown in the stale-entry note, which no output could encode.
            raise InputError(source, f"baseline entry {index}: {name} holds half a UTF-16 surrogate pair")
        fields[name] = value
    entry = Entry(**fields)
    if entry.fingerprint:
        return entry
    if not entry.rule_id or not entry.address:
        raise InputError(source, f"baseline entry {index} needs a fingerprint, or a rule_id and an address")
    if entry.key is not None:  # rule, address and key: exactly one fingerprint
        return replace(entry, fingerprint=fingerprint(entry.rule_id, entry.address, entry.key))
    return replace(entry, fingerprint=None)


def apply(result: RunResult, accepted: Baseline, source: str) -> RunResult:
    """Drop findings the baseline accepts; say how many, and which entries matched nothing."""
    kept: list[Finding] = []
    used: set[int] = set()
    for f in result.findings:
        matched = [] if f.suppressed else accepted.matches(f)
        used.update(matched)
        if not matched:
            kept.append(f)
    notes = list(result.notes)
    dropped = len(result.findings) - len(kept)
    if dropped:
        notes.append(f"baseline {source}: {dropped} existing {_plural(dropped, 'finding')} not reported")
    stale = [e for i, e in enumerate(accepted.entries) if i not in used]
    if stale:
        verb = "entry matches" if len(stale) == 1 else "entries match"
        named = "; ".join(e.label() for e in stale[:STALE_SHOWN])
        if len(stale) > STALE_SHOWN:
            named += f"; and {len(stale) - STALE_SHOWN} more"
        notes.append(f"baseline {source}: {len(stale)} {verb} no current finding (fixed?): {named}. "
                     "Re-create it with --create-baseline to drop them")
    return replace(result, findings=kept, notes=notes)


def _plural(n: int, noun: str) -> str:
    return noun if n == 1 else noun + "s"
