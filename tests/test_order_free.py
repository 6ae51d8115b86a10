"""natpolicy.rego.order_free: array comprehensions only counted, whose order regopy need not match."""
from __future__ import annotations

import pytest

from natpolicy.rego.engines import create_engine
from natpolicy.rego.order_free import counted_comprehensions
from natpolicy.rego.source import tokens
from tests.test_rego_conformance import ENGINES, PROBES
from tests.test_rego_default_mode import default_answer


def _counted(source: str) -> list[str]:
    toks = tokens(source)
    return [source[toks[i].offset:toks[i].offset + 12] for i in sorted(counted_comprehensions(source, toks))]


def test_counted_comprehensions() -> None:
    source = ("package p\nn := count(c) if {\n  c := [r | some r in s]\n}\nm := count([r | s[r]])\n"
              "w := count(c) if { c := [r | some r in s]; count(c) > 1 }\n"
              "g := count(c) if { c := [r | some r in s]; count(__natpolicy_if_countable(c)) > 1 }\n")
    assert _counted(source) == ["[r | some r ", "[r | s[r]])\n", "[r | some r ", "[r | some r "]


@pytest.mark.parametrize("source", [
    "package p\nx := [r | some r in s]\n",  # the rule's value: read whole
    "package p\nx := n if { c := [r | some r in s]; n := [count(c), c] }\n",  # read whole too
    "package p\nx := count([r | some r in s][0])\n",  # one element: its order matters
    "package p\nx := n if { c := [r | some r in s]; n := c[0] }\n",
    "package p\nx := n if { c := [r | some r in s] }\n",  # not used at all: left as written
    "package p\nx := count(y) if { y := [r | some r in s]; z := input.count(y) }\n",
    "package p\nx := count({r | some r in s})\n",  # a set comprehension: never wrapped
])
def test_near_misses_are_not_counted(source: str) -> None:
    assert _counted(source) == []


def test_regopy_answers_a_counted_comprehension_over_a_set_of_objects() -> None:
    # Without order_free, regopy stopped: it cannot sort a set of objects as OPA does (regopy_rewrite).
    if "regopy" not in ENGINES:
        pytest.skip("regopy is not installed here")
    probe = next(p for p in PROBES if p["name"] == "counted-comprehension-over-a-set-of-objects")
    assert default_answer(create_engine("regopy"), probe) == ("ok", [2, 2])
