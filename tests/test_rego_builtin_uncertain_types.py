"""A builtin's argument or output of a type held only in part: a set constant key, an object of several computed keys.

OPA types an object literal key by key (``TypeEnv.Get``, v1/ast/typeenv.go): a
constant key is a static property under its JSON value (``set()`` is the JSON
array ``[]``, so ``types.Keys`` and ``Object.Select`` see an array), and each
computed key overwrites the dynamic property, so the last one in OPA's order of
keys is its type, an order natpolicy does not follow. Such an object passed to
a builtin (or a package function), alone or joined into a rule's ``any<...>``
(``unifiesAny``: one part that unifies is enough), is checked once per
candidate: one verdict is OPA's whichever it keeps; two are refused as unsure.
Each refusal names its line (all pass silently before this change); each near
miss is valid Rego OPA accepts.
"""
from __future__ import annotations

import pytest

from natpolicy.rego.builtin_types import ARRAY, NUMBER, OBJECT, STRING, RegoType, accepts_each, keys_of, kind
from natpolicy.rego.type_keys import ConstKey
from rego_compile_checks import assert_refused_at, refusal, type_errors_by_line

P = "package p\n\n"  # the body below starts on line 3
DEFINED_TWICE = "o := {input.a: 1, input.b: %s} if input.x\n\no := %s if not input.x\n\n"  # lines 3 and 5


def found(body: str) -> list[tuple[int, str]]:
    return type_errors_by_line(P + body)


@pytest.mark.parametrize(("body", "line", "says"), [
    # A set constant key is an array to the type checker (types.Keys: TypeOf of its JSON value).
    ('h if {\n  some k, _ in {set(): 1}\n  y := k | {1}\n}\n', 5, "applies `|` to an array (`k`)"),
    ('h if {\n  some k, _ in {set(): 1, "a": 2}\n  y := k | {1}\n}\n', 5, "applies `|` to an any<array, string>"),
    # Every candidate refused: refused as a type error.
    ('h if {\n  o := {input.a: 1, input.b: true}\n  strings.replace_n(o, "x")\n}\n', 5,
     "argument 1 of strings.replace_n(...), `o`"),
    ('h if {\n  o := {input.a: 1, input.b: "s"}\n  urlquery.decode_object("a", o)\n}\n', 5,
     "the output of urlquery.decode_object(...), `o`"),
    (DEFINED_TWICE % ("true", "[1]") + 'h if strings.replace_n(o, "x")\n', 7, "argument 1 of strings.replace_n"),
])
def test_what_opa_refuses_is_refused_at_its_line(body: str, line: int, says: str) -> None:
    assert_refused_at(found(body), line, says)


@pytest.mark.parametrize(("body", "line"), [
    # One candidate unifies, the other not: OPA's verdict hangs on the one it keeps.
    ('h if {\n  o := {input.a: 1, input.b: "s"}\n  strings.replace_n(o, "x")\n}\n', 5),
    ('f(x) := {input.a: 1, input.b: "s"}\n\nh if strings.replace_n(f(1), "x")\n', 5),
    ('h if {\n  o := {input.a: ["s"], input.b: 1}\n  urlquery.decode_object("a", o)\n}\n', 5),
    # Joined with a part that never unifies: the candidates decide.
    (DEFINED_TWICE % ('"s"', "[1]") + 'h if strings.replace_n(o, "x")\n', 7),
])
def test_what_hangs_on_the_key_opa_keeps_is_refused_as_unsure(body: str, line: int) -> None:
    errors = found(body)
    assert errors and errors[0][0] == line, errors
    assert "natpolicy cannot tell whether OPA's type checker accepts" in errors[0][1]
    assert "computed keys of several types" in errors[0][1] and "\n" not in errors[0][1]


@pytest.mark.parametrize("body", [
    # A set key's array type: array.concat takes it (it was refused as a set before).
    'h if {\n  some k, _ in {set(): 1}\n  array.concat(k, [1])\n  count(k)\n}\n',
    'h if {\n  some k, _ in {{1}: 1}\n  array.concat(k, [1])\n}\n',
    # Every candidate unifies.
    'h if {\n  o := {input.a: "t", input.b: "s"}\n  strings.replace_n(o, "x")\n  count(o)\n}\n',
    'h if {\n  o := {input.a: ["s"], input.b: "s"}\n  urlquery.encode_object(o)\n}\n',
    # Joined with a part that unifies: enough, whichever candidate OPA keeps (unifiesAny).
    DEFINED_TWICE % ('"s"', '{"a": "s"}') + 'h if strings.replace_n(o, "x")\n',
    DEFINED_TWICE % ('"s"', '{"a": "s"}') + 'h := count(o)\n',
])
def test_what_opa_accepts_passes(body: str) -> None:
    assert found(body) == []


def test_candidates_give_one_verdict_or_two() -> None:
    def dynamic(value: str) -> RegoType:
        return RegoType(frozenset({OBJECT}), static=(), rest=(kind(STRING), kind(value)))
    strings = dynamic(STRING)
    both = RegoType(frozenset({OBJECT}), candidates=(dynamic(NUMBER), dynamic(STRING)))
    assert accepts_each(strings, both) == {True, False}
    assert accepts_each(strings, RegoType(frozenset({OBJECT}), candidates=(dynamic(NUMBER), dynamic(ARRAY)))) \
        == {False}
    assert accepts_each(strings, dynamic(STRING)) == {True}
    # A set constant key's type is the array its JSON is.
    assert keys_of(RegoType(frozenset({OBJECT}), fields=((ConstKey("set", "{}"), kind(NUMBER)),))) == kind(ARRAY)


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_every_engine_refuses_it_at_its_line(engine: str) -> None:
    body = 'helper if {\n  o := {input.a: 1, input.b: "s"}\n  strings.replace_n(o, "x") == "x"\n}\n'
    assert refusal({"a.rego": P + body}, engine).startswith("a.rego:5:")


def test_a_literal_holding_such_an_object_is_tried_per_candidate() -> None:
    # json.patch takes array[object<op: string, path: any, any: any>]: "op" selects the dynamic value, a number in
    # one candidate, a string in the other.
    errors = found('h if {\n  o := {input.a: 1, input.b: "s"}\n  json.patch({}, [o])\n}\n')
    assert errors and errors[0][0] == 5 and "natpolicy cannot tell" in errors[0][1], errors
    assert found('h if {\n  o := {input.a: "t", input.b: "s"}\n  json.patch({}, [o])\n}\n') == []
    errors = found('h if {\n  o := {input.a: 1, input.b: true}\n  json.patch({}, [o])\n}\n')
    assert errors and errors[0][0] == 5 and "argument 2 of json.patch(...)" in errors[0][1], errors
    # Said whole where the short forms read the same ("an array[object] ... it takes array[object]" before):
    # each object OPA may keep, and the declared properties.
    assert "is an array<object[any: number] or object[any: boolean]>, which json.patch never takes (it takes " \
           'array[object<"op": string, "path": any, any: any>])' in errors[0][1], errors
    errors = found('h if {\n  json.patch({}, [{"op": 1}])\n}\n')
    assert errors and 'is an array<object<"op": number>>, which json.patch never takes' in errors[0][1], errors
    errors = found('h if {\n  net.cidr_merge([{"a": 1}])\n}\n')  # short forms apart: said short, as before
    assert errors and "is an array[object], which net.cidr_merge never takes (it takes array or set)" in errors[0][1]
