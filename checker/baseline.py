"""Baselines: adopt the gate in an existing repository without fixing everything first.

``natpolicy check … --create-baseline FILE`` records the current findings;
``natpolicy check … --baseline FILE`` then reports only findings that are not
in it. Matching is by ``Finding.fingerprint`` (rule + Terraform address + the
rule's discriminator key), never by file or line, so a baseline survives line
moves, reformatting and a plan regenerated elsewhere.

File format (JSON, UTF-8, deterministic: sorted, no timestamps, so that
re-creating an unchanged baseline gives a byte-identical file and a clean diff)::

    {
      "natpolicy_baseline": 1,
      "findings": [
        {"fingerprint": "3f0c…:1", "rule_id": "SG001",
         "address": "aws_security_group.web", "key": "ingress[0]"}
      ]
    }

``rule_id``/``address``/``key`` are there for reviewers, and so an entry can
be written by hand: an entry without ``fingerprint`` is matched by its rule,
address and key. Suppressed findings are not recorded: their suppression is
already the decision to accept them.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from natpolicy.errors import InputError
from natpolicy.findings import Finding, fingerprint
from natpolicy.runner import RunResult

FORMAT_VERSION = 1


def dumps(findings: Iterable[Finding]) -> str:
    entries = {
        f.fingerprint: {"fingerprint": f.fingerprint, "rule_id": f.rule_id, "address": f.address, "key": f.key}
        for f in findings
        if not f.suppressed
    }
    ordered = sorted(entries.values(), key=lambda e: (e["rule_id"], e["address"], e["key"], e["fingerprint"]))
    return json.dumps({"natpolicy_baseline": FORMAT_VERSION, "findings": ordered}, indent=2) + "\n"


def write(path: str | Path, findings: Iterable[Finding]) -> None:
    try:
        Path(path).write_text(dumps(findings), encoding="utf-8")
    except OSError as exc:
        raise InputError(str(path), f"cannot write the baseline: {exc.strerror or exc}") from None


def load(path: str | Path) -> frozenset[str]:
    """The fingerprints a baseline file accepts."""
    source = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InputError(source, "baseline file not found (create one with --create-baseline)") from None
    except OSError as exc:
        raise InputError(source, f"cannot read the baseline: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(source, f"not a natpolicy baseline (invalid JSON: {exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise InputError(source, 'not a natpolicy baseline (expected an object with a "findings" list)')
    version = data.get("natpolicy_baseline")
    if version != FORMAT_VERSION:
        raise InputError(source, f"unsupported baseline version {version!r} (this natpolicy reads {FORMAT_VERSION})")
    return frozenset(_entry_fingerprint(source, i, e) for i, e in enumerate(data["findings"]))


def _entry_fingerprint(source: str, index: int, entry: Any) -> str:
    if isinstance(entry, dict):
        if isinstance(entry.get("fingerprint"), str) and entry["fingerprint"]:
            return entry["fingerprint"]
        rule, address, key = entry.get("rule_id"), entry.get("address"), entry.get("key", "")
        if isinstance(rule, str) and isinstance(address, str) and isinstance(key, str) and rule and address:
            return fingerprint(rule, address, key)
    raise InputError(source, f"baseline entry {index} needs a fingerprint, or a rule_id and an address")


def apply(result: RunResult, accepted: frozenset[str], source: str) -> RunResult:
    """Drop findings the baseline accepts; say how many, so nothing vanishes silently."""
    kept = [f for f in result.findings if f.suppressed or f.fingerprint not in accepted]
    matched = {f.fingerprint for f in result.findings if not f.suppressed and f.fingerprint in accepted}
    dropped = len(result.findings) - len(kept)
    notes = list(result.notes)
    if dropped:
        noun = "finding" if dropped == 1 else "findings"
        notes.append(f"baseline {source}: {dropped} existing {noun} not reported")
    stale = len(accepted - matched)
    if stale:
        noun = "entry matches" if stale == 1 else "entries match"
        notes.append(f"baseline {source}: {stale} {noun} no current finding (fixed?); "
                     "re-create it with --create-baseline to drop them")
    return replace(result, findings=kept, notes=notes)
