"""The Rego functions natpolicy appends to a module for regopy 1.5.2 (regopy_*.py) must not hold what natpolicy
refuses in a user's policy because regopy reads it otherwise than OPA: a function's argument in a bracket inside a
comprehension, which regopy iterates afresh (regopy_closures). The rank helper of sort/min/max held one, and
``sort([3, 3])`` stopped with "object keys must be unique" (two equal elements got one place)."""
from __future__ import annotations

import pytest

from natpolicy.rego import (
    marshal_html,
    regopy_arith,
    regopy_builtins,
    regopy_compare,
    regopy_keys,
    regopy_loop_order,
    regopy_patterns,
    regopy_regex,
    regopy_rewrite,
    regopy_stops,
    regopy_strings,
    regopy_time,
    regopy_web,
    sprintf_regopy,
)
from natpolicy.rego.engines import installed_engines
from natpolicy.rego.regopy_closures import rebound_closures
from rego_answers import regopy_answer as answer

# Every helper text a rewrite for regopy appends (grep "HELPER" checker/rego/regopy_*.py).
HELPERS = {
    "arith": regopy_arith.ARITH_HELPERS, "builtins": regopy_builtins.BUILTIN_HELPERS,
    "string order": regopy_compare.STRING_BEFORE_HELPERS, "compare": regopy_compare.COMPARE_HELPERS,
    "patterns": regopy_patterns.PATTERN_HELPERS, "regex": regopy_regex.REGEX_HELPERS,
    "stops": regopy_stops.STOPS_HELPERS, "glob": regopy_stops.GLOB_HELPERS, "strings": regopy_strings.STRING_HELPERS,
    "time": regopy_time.TIME_HELPERS, "web": regopy_web.WEB_HELPERS, "sprintf": sprintf_regopy.HELPERS,
    "order": regopy_rewrite.rewrite_for_regopy("package p\nx := sort(input.a)\n").split("\n", 2)[2],
    "marshal": marshal_html.escape_html_in_marshals("package p\nx := json.marshal(input.a)\n"),
    "keys": regopy_keys.KEYS_HELPERS, "loop order": regopy_loop_order.SEQ_HELPER,
}


@pytest.mark.parametrize("name", sorted(HELPERS))
def test_no_helper_holds_a_closure_regopy_rebinds(name: str) -> None:
    source = "package p\n" + HELPERS[name]
    found = [(source.count("\n", 0, offset) + 1, message) for offset, message in rebound_closures(source)]
    assert not found, found


@pytest.mark.skipif("regopy" not in installed_engines(), reason="regopy is not installed here")
def test_sort_min_and_max_of_equal_elements_answer_as_opa() -> None:
    assert answer("[sort([3, 3]), sort(input.a), max(input.a), min(input.a), sort([\"a b\", \"a\", \"a b\"])]",
                  {"a": [3, 1, 3, 2, 1]}) == [[3, 3], [1, 1, 2, 3, 3], 3, 1, ["a", "a b", "a b"]]
    # the near miss: distinct elements, which were already ranked alike
    assert answer("[sort(input.a), max(input.a)]", {"a": [10, 9, -1]}) == [[-1, 9, 10], 10]
