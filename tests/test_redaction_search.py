"""The credential redaction's quick searches: they pass a text exactly when the slower forms they replaced did."""
from __future__ import annotations

import base64
import random
import re
from dataclasses import replace
from typing import Any

import pytest

from natpolicy import redact
from natpolicy.check import Severity
from natpolicy.findings import Finding
from natpolicy.model import SourceLocation
from natpolicy.outputs.redaction import redact_result
from natpolicy.runner import RunResult
from natpolicy.wordtrie import trie_pattern

_TRIE = re.compile(trie_pattern(redact._trigger_words()))  # the trigger as it was: each word from its first letter


def _texts() -> list[str]:
    """Each trigger word whole, cut short at either end, with one letter changed, among other letters."""
    rng = random.Random(20)
    words = redact._trigger_words()
    alphabet = "".join(sorted(set("".join(words)))) + "ab -_.\0é"
    out = [*words, "", "plain text", "aws_security_group.app_11 allows all traffic from ::/0"]
    for word in words:
        out += [word[1:], word[:-1], f"x{word}y", word + word[::-1]]
        out += [word[:i] + c + word[i + 1:] for i in range(len(word)) for c in rng.sample(alphabet, 3)]
    for _ in range(20_000):
        word = rng.choice(words)
        cut = word[rng.randint(0, 2):len(word) - rng.randint(0, 2)] if rng.random() < 0.8 else word
        pad = lambda: "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6)))  # noqa: E731
        out.append(pad() + cut + pad())
    return out


def test_the_anchored_trigger_finds_a_match_exactly_where_the_trie_does() -> None:
    texts = _texts()
    assert sum(_TRIE.search(t) is not None for t in texts) > 1000  # both answers are well represented
    for text in texts:
        assert (redact._trigger_search(text) is None) == (_TRIE.search(text) is None), text


def test_the_written_out_trigger_is_the_one_built_from_the_words() -> None:
    assert redact._TRIGGER_PATTERN == redact._anchored_pattern(redact._trigger_words())


def test_no_trigger_word_holds_the_separator_the_finding_probe_joins_fields_with() -> None:
    assert not any("\0" in word for word in redact._trigger_words())


# -- redact_result: every field of every finding, redacted exactly as field by field ------------------------

TOKEN = "ghp_" + "Z" * 36


def _finding(**changes: Any) -> Finding:
    fields: dict[str, Any] = {
        "rule_id": "SG001", "rule_name": "Open group", "severity": Severity.HIGH, "level": "error",
        "address": "aws_security_group.a", "resource_type": "aws_security_group", "message": "a is open",
        "origin": "plan.json", "location": SourceLocation("plan.json", 1), "key": "k", "details": {"n": 1},
    }
    return Finding(**{**fields, **changes})


def _field_by_field(f: Finding) -> Finding:
    """Every text of the finding through ``redact`` (what ``redact_result`` must give)."""
    changed: dict[str, Any] = {}
    for name in ("rule_id", "rule_name", "address", "resource_type", "message", "origin", "key", "suppression"):
        value = getattr(f, name)
        if isinstance(value, str) and redact.redact(value) != value:
            changed[name] = redact.redact(value)
    if redact.redact(f.location.path) != f.location.path:
        changed["location"] = replace(f.location, path=redact.redact(f.location.path))
    if f.details and redact.redact_value(dict(f.details)) != f.details:
        changed["details"] = redact.redact_value(dict(f.details))
    return replace(f, **changed) if changed else f


@pytest.mark.parametrize("where", ["rule_name", "address", "message", "origin", "key", "suppression", "path",
                                   "details key", "details value", "nowhere"])
def test_a_token_in_any_field_is_redacted_also_after_findings_that_share_the_other_fields(where: str) -> None:
    plain = _finding()
    token = base64.b64encode(TOKEN.encode()).decode() if where == "message" else TOKEN
    changes: dict[str, Any] = {
        "path": {"location": SourceLocation(f"dir/{token}.tf", 1)},
        "details key": {"details": {token: 1}}, "details value": {"details": {"n": [1, (token,)]}},
        "nowhere": {},
    }.get(where, {where: f"x {token} y"})
    tainted = _finding(**changes)
    findings = [plain, tainted, plain, _finding(details={})]
    result = redact_result(RunResult(findings=findings, checks=[], resources=1))
    assert result.findings == [_field_by_field(f) for f in findings]
    assert (result.findings[1] != tainted) == (where != "nowhere")
    assert result.findings[0] is plain and result.findings[2] is plain  # nothing to redact: the very object


def test_the_written_out_trigger_program_is_the_one_re_compiles() -> None:
    import _sre  # type: ignore[import-not-found]
    import sys
    from re import _compiler, _parser  # type: ignore[attr-defined]

    if (sys.version_info[:2], _sre.MAGIC) != redact._TRIGGER_PROGRAM_FOR:
        return  # another matcher: _compile_trigger compiles the pattern (the next test)
    program = _compiler._code(_parser.parse(redact._TRIGGER_PATTERN, 0), 0)
    assert list(redact._TRIGGER_PROGRAM) == [int(op) for op in program]
    compiled = redact._compile_trigger()
    assert compiled == re.compile(redact._TRIGGER_PATTERN)  # Pattern equality: pattern, flags and program
    assert (compiled.flags, compiled.groups, compiled.groupindex) == (re.UNICODE, 0, {})


def test_another_matcher_compiles_the_trigger_pattern(monkeypatch) -> None:
    monkeypatch.setattr(redact, "_TRIGGER_PROGRAM_FOR", ((2, 7), 0))
    assert redact._compile_trigger() == re.compile(redact._TRIGGER_PATTERN)
