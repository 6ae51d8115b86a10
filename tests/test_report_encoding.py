"""The JSON and SARIF writers' encoder: ``json.dumps(value, indent=2)`` byte for byte, at C speed."""
from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from natpolicy.outputs.indented_json import dumps_indented

_SCALARS = (st.none() | st.booleans() | st.integers() | st.integers(min_value=-(10 ** 40), max_value=10 ** 40)
            | st.floats(allow_nan=False, allow_infinity=False) | st.text())
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=30)


@settings(max_examples=300, database=None, deadline=None)
@given(value=_VALUES)
def test_any_json_value_is_written_as_json_dumps_indent_2_writes_it(value: Any) -> None:
    assert dumps_indented(value) == json.dumps(value, indent=2)


@pytest.mark.parametrize("value", [
    {"a": [], "b": {}, "c": [[]], "d": [{}], "": {"": ""}},
    {"text": "é \u2028 \x00 \x1f \U0001F600 <>&'\"\\/ :,{}[]", "n": [1e100, 1e-7, -0.0, 5e-324, 2 ** 70]},
    # Not JSON, or escapes msgspec refuses: the standard library's own indent, same bytes all the same.
    {"nan": math.nan, "inf": [math.inf, -math.inf]},
    {"lone surrogate": "\ud800", "key \udfff": 1},
], ids=["empty containers", "escapes and numbers", "nan and infinity", "lone surrogates"])
def test_edge_values_are_written_as_json_dumps_indent_2_writes_them(value: Any) -> None:
    assert dumps_indented(value) == json.dumps(value, indent=2)
