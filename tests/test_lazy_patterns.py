"""natpolicy's regular expressions that a plan run does not use are compiled on first use, not at import.

Each cost every start about 0.3-0.5 M instructions to compile. The patterns are the very ones compiled at
import before (the same text and flags, so the same matches). Their uses are tested where they are used (``test_address.py``,
``test_plan_decoding.py``, ``test_hostile_plans.py``, the runner's redaction tests).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import FIXTURES, after_fresh_check
from natpolicy import address
from natpolicy.loaders import plan_json, plan_text
from natpolicy.outputs import doclinks

FIXTURE = FIXTURES / "plans" / "nat-deleted.json"
_INDEX = r'(?:\[(?:"(?:[^"\\]|\\.)*"|[0-9]+)\])?'
EXPECTED = {
    "natpolicy.address._plain": r'[^"\\$%]*',
    "natpolicy.address.address_in_text": (r"(?<![\w.\-\]])(?:module\.[A-Za-z_][\w-]*" + _INDEX
                                          + r"\.)*(?:data\.)?[A-Za-z_][\w-]*\.[A-Za-z_][\w-]*" + _INDEX),
    "natpolicy.loaders.plan_json._printable": r"[ -~]{1,40}",
    "natpolicy.loaders.plan_text._surrogate_escape": r"\\u[dD][89a-fA-F]",
}
# Used by a pretty-printed plan (the fixture is one), not by terraform's one-line output.
ALSO = {"natpolicy.loaders.plan_json._address": r'"address"\s*:\s*"((?:[^"\\]|\\.)*)"'}
# Texts around the two patterns replaced by str methods: ASCII, Unicode decimal and other digits, dots.
TEXTS = ["", "0", "1", "01", "123456789", "1234567890", "1.2.3", "0.1.0", "1..2", ".1", "1.", ".", "1.2.3.dev4",
         "1.2.3+local", "1.2.3rc1", "1.2\n", "\n1", " 1", "1 ", "\u00b9", "1\u00b2", "\u0661", "\u0661.\u0662",
         "\uff11.2", "\U0001d7ce", "\u2167", "\u00bd", "x", "1.x", "-1", "+1", "1e3", "\u0966\u0967"]


def test_each_pattern_is_the_one_compiled_at_import_before() -> None:
    made = {"natpolicy.address._plain": address._plain(), "natpolicy.address.address_in_text": address.address_in_text(),
            "natpolicy.loaders.plan_json._printable": plan_json._printable(),
            "natpolicy.loaders.plan_text._surrogate_escape": plan_text._surrogate_escape(),
            "natpolicy.loaders.plan_json._address": plan_json._address()}
    assert {name: (p.pattern, p.flags) for name, p in made.items()} == {
        name: (text, re.compile(text).flags) for name, text in {**EXPECTED, **ALSO}.items()}


@pytest.mark.parametrize("text", TEXTS, ids=ascii)
def test_the_release_test_is_the_pattern_it_replaces(text: str) -> None:
    assert doclinks._is_release(text) is bool(re.fullmatch(r"\d+(\.\d+)*", text))
    assert doclinks.doc_ref(text) == (f"v{text}" if re.fullmatch(r"\d+(\.\d+)*", text) else "main")


@pytest.mark.parametrize("text", TEXTS, ids=ascii)
def test_the_major_version_test_is_the_pattern_it_replaces(text: str) -> None:
    assert plan_json._ascii_number(text) is bool(re.fullmatch("[0-9]{1,9}", text))


def test_every_decimal_digit_is_one_to_both() -> None:
    """``\\d`` and ``str.isdecimal`` over every code point (the release test's premise)."""
    pattern = re.compile(r"\d")
    assert [c for c in map(chr, range(0x110000)) if bool(pattern.fullmatch(c)) != c.isdecimal()] == []


def test_a_plan_run_compiles_none_of_them(tmp_path: Path) -> None:
    then = (
        "import importlib\n"
        f"names = {sorted(EXPECTED)!r}\n"
        "sizes = [getattr(importlib.import_module(n.rpartition('.')[0]), n.rpartition('.')[2]).cache_info().currsize"
        " for n in names]\n"
        "print('@@', sizes)\n"
    )
    lines, stderr = after_fresh_check(FIXTURE, tmp_path / "out.sarif", then)
    assert lines == ["@@ [0, 0, 0, 0]"], stderr
