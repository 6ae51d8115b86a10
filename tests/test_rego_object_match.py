"""natpolicy.rego.type_check: `=` (and a statement's `==`) between an object literal and an object of known keys.

OPA types an object literal with literal string keys as an object of exactly
those keys (static properties, no dynamic part), and ``unifies`` checks each
static key of one side against the same key of the other (``unifiesObjects``
in ``v1/ast/check.go``): a key one side never has, or two field types that
share no kind, is a "match error" that refuses the module. Each refusal names
its line; each near miss is valid Rego OPA accepts and must stay quiet.
"""
from __future__ import annotations

import pytest

from natpolicy.rego.guards import engine_refusals
from natpolicy.rego.source import char_line_col
from rego_compile_checks import PROBES, assert_refused_at, regorus_never_answers, type_errors_by_line

P = "package p\n\n"  # the body below starts on line 3


def found(body: str) -> list[tuple[int, str]]:
    return type_errors_by_line(P + body)


@pytest.mark.parametrize(("body", "line", "says"), [
    ('x if {\n  o := {"a": 1}\n  o == {"a": "x"}\n}\n', 5, 'over the key "a" as a string and as a number'),
    ('x if {\n  o := {"a": 1}\n  o = {"b": 1}\n}\n', 5, 'over the key "b", which the other object never has'),
    ('x if {\n  {"a": 1, "b": 2} == {"a": 1}\n}\n', 4, 'over the key "b", which the other object never has'),
    ('x if {\n  o := {"a": 1}\n  not o == {"a": true}\n}\n', 5, 'over the key "a" as a boolean and as a number'),
    ('x if {\n  {"a": input.x} == {"b": 1}\n}\n', 4, 'over the key "a"'),  # input.x is typed any, not nil
    # A rule of two object definitions (OPA's any<...>): a key neither has.
    ('r := {"a": 1}\n\ndefault r := {"b": "s"}\n\nx if {\n  r == {"c": 1}\n}\n', 8, 'the key "c"'),
    ('limits := {"cpu": 2}\n\nx if {\n  limits == {"cpu": "2"}\n}\n', 6, 'the key "cpu" as a string and as a number'),
])
def test_an_object_literal_that_never_matches_is_refused(body: str, line: int, says: str) -> None:
    errors = found(body)
    assert_refused_at(errors, line, says)
    assert "(OPA: match error)" in errors[0][1]


@pytest.mark.parametrize("body", [
    'x if {\n  o := {"a": 1}\n  o == {"a": 2}\n}\n',
    'x if {\n  o := {"a": 1}\n  o != {"a": "x"}\n}\n',  # an inequality compares any two values
    'x if {\n  {"a": input.x} == {"a": 1}\n}\n',
    'x if {\n  o := {"a": 1}\n  o == {"a": input.x}\n}\n',
    # A key only the other side has, where it may be one of several objects (a rule's definitions).
    'r := {"a": 1}\n\ndefault r := {"b": "s"}\n\nx if {\n  r == {"b": "t"}\n  r == {"a": 1}\n}\n',
    # A pattern that binds its name.
    'x if {\n  {"a": z} = {"a": 1}\n  z + 1\n}\n',
    # A computed key, or `{}` through a function: any key may be there; nested objects are not looked into.
    'x if {\n  k := "b"\n  {k: 1} == {"a": 1}\n}\n',
    'x if {\n  {"a": {"b": 1}} == {"a": {"b": 2}}\n}\n',
    'x if {\n  object.union({}, {}) == {"a": 1}\n}\n',
])
def test_objects_that_may_match_pass(body: str) -> None:
    assert found(body) == []


@pytest.mark.parametrize("body", [
    # A side holding a name of no known type: an argument OPA has not typed (nil) is unified structurally, a
    # name of any type as above, and both find the key "a" missing (tests/test_rego_patterns.py has more).
    'f(y) if {\n  {"a": y} == {"b": 1}\n}\n',
    'x if {\n  y := input.a\n  {"a": y} == {"b": 1}\n}\n',
])
def test_a_side_with_a_name_of_no_known_type_is_refused_too(body: str) -> None:
    assert_refused_at(found(body), 5 if "y :=" in body else 4, 'over the key "a", which the other object never has')


def test_what_is_refused_fails_on_regorus_when_reached() -> None:
    # The differential check against a real engine: the two objects never match, so the rule is never true.
    body = 'helper if {\n  o := {"a": 1}\n  o == {"a": "x"}\n}\n'
    assert found(body)
    regorus_never_answers(P + body)  # undefined, never true




@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_the_probe_is_refused_by_natpolicy_itself_on_its_line(engine: str) -> None:
    source = PROBES["object-literal-field-never-matches"]["source"]
    refusals = engine_refusals(source, engine)
    assert refusals and char_line_col(source, refusals[0][0])[0] == 4, refusals
