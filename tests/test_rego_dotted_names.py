"""source.dotted_end / dotted_name / dotted_call / dotted_start: the one scan of a dotted name (``a.b.c``) that the
Rego passes share, each within its own bound (``end`` is the first token not read)."""
from __future__ import annotations

import pytest

from natpolicy.rego.source import calls_in, dotted_call, dotted_end, dotted_name, dotted_start, tokens, with_targets


def _texts(source: str) -> list[str]:
    return [t.text for t in tokens(source)]


def test_a_dotted_name_ends_at_its_last_name() -> None:
    toks = tokens("x := a.b.c + 1")
    assert _texts("x := a.b.c + 1")[2:7] == ["a", ".", "b", ".", "c"]
    assert dotted_end(toks, 2, len(toks)) == 6
    assert dotted_name(toks, 2, len(toks)) == ("a.b.c", 6)
    assert dotted_name(toks, 0, len(toks)) == ("x", 0)  # no `.name` after it: the name alone


@pytest.mark.parametrize(("end", "last", "name"), [(3, 2, "a"), (4, 2, "a"), (5, 4, "a.b"), (6, 4, "a.b"),
                                                   (7, 6, "a.b.c")])
def test_no_token_at_or_after_the_bound_is_read(end: int, last: int, name: str) -> None:
    toks = tokens("x := a.b.c")
    assert dotted_name(toks, 2, end) == (name, last)


def test_a_trailing_dot_and_a_bracket_end_the_name() -> None:
    trailing = tokens("a.b.")
    assert dotted_name(trailing, 0, len(trailing)) == ("a.b", 2)
    bracket = tokens('a.b["c"].d')
    assert dotted_name(bracket, 0, len(bracket)) == ("a.b", 2)  # `["c"]` is a key, not a name of it
    string_after = tokens('a."b"')
    assert dotted_end(string_after, 0, len(string_after)) == 0


def test_a_call_is_a_dotted_name_and_its_paren_before_the_bound() -> None:
    toks = tokens("net.cidr_contains(x, y)")
    assert dotted_call(toks, 0, len(toks))
    assert not dotted_call(toks, 0, 3)  # the `(` is at 3: past the bound
    assert dotted_call(toks, 0, 4)
    assert not dotted_call(tokens("a.b[0](x)"), 0, 9)  # a bracket in between: no called name
    assert not dotted_call(tokens("a.b"), 0, 3)
    assert dotted_call(tokens("f(x)"), 0, 4)


def test_read_backwards_from_the_last_name() -> None:
    toks = tokens("y := net.cidr_contains(x)")
    last = _texts("y := net.cidr_contains(x)").index("cidr_contains")
    assert dotted_start(toks, last) == 2
    assert dotted_start(toks, last, start=3) == last  # `net` lies before the bound
    assert dotted_start(toks, 0) == 0
    bracket = tokens("a[0].b")
    assert dotted_start(bracket, 5) == 5  # `]` before the dot is no name


def test_the_shared_scan_keeps_calls_and_with_targets() -> None:
    source = "p if { x := set(); count(input.a) > 0; data.lib.f(1) with data.x.y as 2 with input as {} }"
    assert [c.name for c in calls_in(tokens(source))] == ["count", "data.lib.f"]
    assert [name for _, name in with_targets(tokens(source))] == ["data.x.y", "input"]
    assert list(with_targets(tokens("p if { true with"))) == []
