"""Terraform's regular expressions in bounded time (checker/loaders/hcl/re2.py).

Terraform matches with Go's regexp, which never backtracks. natpolicy uses
RE2 (google-re2) and, where no wheel exists, a Python ``re`` fallback that
refuses what it cannot bound. Both engines are run here: the fallback by
switching ``ENGINE``, since this machine has the wheel.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from natpolicy.loaders.hcl import re2
from natpolicy.model import UNKNOWN
from test_hcl_functions import CASES, ERR, run

# Catastrophic on a backtracking engine: each extra "a" doubles Python's time.
REDOS = [
    'regex("(a+)+$", "{}!")',
    'regexall("(a|a)*b", "{}")',
    'replace("{}!", "/(a*)*$/", "x")',
    'regex("(a?){{30}}a{{30}}", "{}")',
]
RE2_ONLY = {'regex("\\\\p{Greek}+", "aαβ")', 'regex("(?U)a+", "aaa")'}  # the fallback does not reproduce these


@pytest.fixture(params=["re2", "python"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setattr(re2, "ENGINE", request.param)
    yield request.param


@pytest.mark.parametrize("template", REDOS)
def test_catastrophic_patterns_end_at_once(engine: str, template: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Counted, not timed: Python's backtracking `re` must never be handed the hostile text.
    backtracked: list[str] = []

    class Watched:
        def __init__(self, compiled: re.Pattern[str]) -> None:
            self._compiled = compiled

        def search(self, text: str) -> object:
            backtracked.append(text)
            return self._compiled.search(text)

        def finditer(self, text: str) -> object:
            backtracked.append(text)
            return self._compiled.finditer(text)

    real_init = re2._BoundedPattern.__init__

    def watched_init(self: Any, compiled: re.Pattern[str], unbounded: int) -> None:
        real_init(self, Watched(compiled), unbounded)  # type: ignore[arg-type]

    monkeypatch.setattr(re2._BoundedPattern, "__init__", watched_init)
    re2._compile_fallback.cache_clear()
    notes: list[str] = []
    got = run(template.format("a" * 5000), notes)
    re2._compile_fallback.cache_clear()  # compiled through the watcher: not for the next test
    assert [t for t in backtracked if len(t) >= 5000] == []
    if engine == "re2":
        assert got is not UNKNOWN  # RE2 answers (a match, "no match" as an error, or the replaced text)
    else:
        assert got is UNKNOWN
        assert any("without RE2" in n for n in notes), notes


def test_re2_matches_where_python_would_hang() -> None:
    assert run('regex("(a+)+$", "{}")'.format("a" * 100_000)) == ["a" * 100_000]  # greedy, as Go's
    assert run('regex("(a+)+$", "{}!")'.format("a" * 100_000)) is ERR  # no match: Terraform's error


def test_fallback_refuses_long_texts_for_many_repetitions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(re2, "ENGINE", "python")
    notes: list[str] = []
    assert run('regex("a*a*a*a*b", "{}")'.format("a" * 3000), notes) is UNKNOWN
    assert any("without RE2" in n for n in notes)
    assert run('regex("a*a*a*a*b", "aab")') == "aab"  # short texts are still matched
    assert run('regex("([a-z0-9-]+\\\\.)?[a-z]+", "web.example")') == ["web."]  # `?` over a group does not multiply


REGEX_CASES = [c for c in CASES if c[0].startswith(("regex", "replace(")) and c[0] not in RE2_ONLY]


@pytest.mark.parametrize("text, expected", REGEX_CASES, ids=[c[0] for c in REGEX_CASES])
def test_both_engines_agree_with_terraform(engine: str, text: str, expected: Any) -> None:
    from conftest import same

    got = run(text)
    if expected is UNKNOWN or expected is ERR:
        assert got is expected
    else:
        assert same(got, expected), got


def test_text_that_is_not_unicode_is_unknown_not_a_crash() -> None:
    assert run('regex("a", "\\ud800a")') is UNKNOWN


def test_re2_prints_nothing_for_a_refused_pattern(capfd: pytest.CaptureFixture[str]) -> None:
    assert run('regex("(?=a)", "a")') is ERR
    assert capfd.readouterr().err == ""
