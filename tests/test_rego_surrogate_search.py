"""The search for a JSON escape of half a UTF-16 surrogate pair (which the reference decode judges) starts at the
first backslash: it must answer exactly as the regex over the whole text, wherever the escape and the backslashes
stand, and the plan's fast check and the cut must still hand such a text to the reference path."""
from __future__ import annotations

import itertools

import pytest

from natpolicy.errors import InputError
from natpolicy.rego.input_paths import PathNode
from natpolicy.rego.input_pruning import pruner_for
from natpolicy.rego.plan_bytes import SURROGATE_ESCAPE, has_surrogate_escape, read_plan

PIECES = [b'{"a":', b'"x"', b"\\\\", b'\\"', b"\\ud83d", b"\\uDBFF", b"\\ud7ff", b"\\udc00", b"\\u0041", b"\\",
          b"\\u", b"\\ud", b"\\uD8", b"}", b"12"]


@pytest.mark.parametrize("size", [1, 2, 3])
def test_the_same_answer_as_the_regex_over_the_whole_text(size: int) -> None:
    for parts in itertools.product(PIECES, repeat=size):
        text = b"".join(parts)
        assert has_surrogate_escape(text) is (SURROGATE_ESCAPE.search(text) is not None), text


def test_an_escape_after_many_backslashes_far_into_the_text_is_found() -> None:
    text = b'{"a":"' + b'\\"' * 1000 + b"x" * 100_000 + b'\\ud83d"}'
    assert has_surrogate_escape(text)
    assert not has_surrogate_escape(text.replace(b"\\ud83d", b"\\u0041"))


def test_a_plan_holding_one_is_left_to_the_reference_decode_and_the_cut_hands_the_whole_text() -> None:
    plan = (b'{"format_version":"1.2","resource_changes":[],"variables":{"v":{"value":"' + b'\\"' * 50 + b"y" * 5000
            + b'\\ud83d\\ude00"}}}')
    read = read_plan(plan, "plan.json")
    assert read.utf8 is None and read.document is not None  # the fast check stood aside: the reference decode read it
    with pytest.raises(InputError, match="half of a UTF-16 surrogate pair"):  # and judges a lone half, as ever
        read_plan(plan.replace(b"\\ude00", b""), "plan.json")
    tree = PathNode()
    tree.child("format_version")
    pruner = pruner_for(tree, 100)
    assert pruner is not None
    assert pruner.prune(plan) is None
    assert pruner.prune(plan.replace(b"\\ud83d\\ude00", b"\\u0041")) == b'{"format_version":"1.2"}'
