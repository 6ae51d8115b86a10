"""A literal argument holding objects this reader does not follow, and a rule's value joined from a part of several kinds.

An object literal of several computed keys is typed by OPA from the key last
in its order of keys (``TypeEnv.Get``, v1/ast/typeenv.go), an order natpolicy
does not follow. A literal argument is unified piece by piece (check.go
``unify1Array``/``unify1Object``: a ref or name element by ``unifies``, an
``any<...>`` by ``unifiesAny``, one part is enough), so a literal holding two
such objects, or one joined into a rule's value, is typed once per way OPA may
keep their keys (``type_worlds.worlds``): one verdict is OPA's, two are refused
as unsure. A rule's value of several definitions is OPA's ``Or`` of them, which
flattens a part of several kinds (the ``-`` operator's ``any<number, set[any]>``)
into its parts: held part by part. Each refusal passed silently before.
"""
from __future__ import annotations

import pytest

from natpolicy.rego.builtin_types import NUMBER, OBJECT, SET, STRING, RegoType, closed_object, kind, union
from natpolicy.rego.type_worlds import MOST_WAYS, worlds
from rego_compile_checks import assert_refused_at, refusal, type_errors_by_line

P = "package p\n\n"  # the body below starts on line 3
O_NUMBER_OR_BOOLEAN = "o := {input.a: 1, input.b: true}\n\n"  # line 3: object[any: number] or object[any: boolean]
O_NUMBER_OR_STRING = "o := {input.a: 1, input.b: \"s\"}\n\n"  # line 3: one candidate has "op" a string, one not
Q = "q := {input.c: 1, input.d: \"s\"}\n\n"  # line 5


def found(body: str) -> list[tuple[int, str]]:
    return type_errors_by_line(P + body)


@pytest.mark.parametrize(("body", "line", "says"), [
    # Two objects of computed keys in one literal: o never has "op" a string, whichever key OPA keeps of q.
    (O_NUMBER_OR_BOOLEAN + Q + "h := json.patch({}, [o, q])\n", 7, "argument 2 of json.patch(...), `[o, q]`"),
    (O_NUMBER_OR_BOOLEAN + Q + "h := json.patch({}, [q, {\"v\": [o]}, o])\n", 7, "argument 2 of json.patch"),
    # Joined into a rule's value inside a literal: no part of any<object<a: number>, object[any: ...]> has "op".
    ("o := {input.a: 1, input.b: true} if input.x\n\no := {\"a\": 1}\n\nh := json.patch({}, [o])\n", 7,
     "argument 2 of json.patch(...), `[o]`"),
    # A part of several kinds (the `-` operator's any<number, set[any]>) beside an object: held part by part.
    ("v := {\"a\": 1} if input.x\n\nv := input.a - input.b if input.y\n\nh := strings.replace_n(v, \"x\")\n", 7,
     "argument 1 of strings.replace_n(...), `v`, is an any<number, object, set>"),
])
def test_what_opa_refuses_is_refused_at_its_line(body: str, line: int, says: str) -> None:
    assert_refused_at(found(body), line, says)


@pytest.mark.parametrize(("body", "line"), [
    # o's candidates differ, q passes either way: OPA's verdict hangs on the key it keeps of o.
    (O_NUMBER_OR_STRING + "q := {input.c: \"t\", input.d: \"s\"}\n\nh := json.patch({}, [o, q])\n", 7),
    (O_NUMBER_OR_STRING + "h := json.patch({}, [o, o])\n", 5),
    # Joined: the plain part never unifies, the computed-key part's candidates decide.
    ("o := {input.a: 1, input.b: \"s\"} if input.x\n\no := {\"a\": 1}\n\nh := json.patch({}, [o])\n", 7),
    # More ways than MOST_WAYS (2 ** 7): not tried, refused.
    ("".join(f"o{n} := {{input.a: 1, input.b: \"s\"}}\n\n" for n in range(7))
     + "h := json.patch({}, [o0, o1, o2, o3, o4, o5, o6])\n", 17),
])
def test_what_hangs_on_the_keys_opa_keeps_is_refused_as_unsure(body: str, line: int) -> None:
    errors = found(body)
    assert errors and errors[0][0] == line, errors
    assert "natpolicy cannot tell whether OPA's type checker accepts" in errors[0][1] and "\n" not in errors[0][1]


@pytest.mark.parametrize("body", [
    # Every way unifies: count takes anything, an array of strings' elements are strings.
    O_NUMBER_OR_BOOLEAN + Q + "h := count([o, q])\n",
    "o := {input.a: \"s\", input.b: \"t\"}\n\nh := json.patch({}, [o, {\"op\": \"add\", \"path\": \"/a\"}])\n",
    # Joined with a part that unifies (unifiesAny).
    "o := {input.a: 1, input.b: true} if input.x\n\no := {\"op\": \"add\", \"path\": \"/a\"}\n\n"
    "h := json.patch({}, [o])\n",
    "v := {\"a\": \"s\"} if input.x\n\nv := input.a - input.b if input.y\n\nh := strings.replace_n(v, \"x\")\n",
    "v := {\"a\": 1} if input.x\n\nv := input.a - input.b if input.y\n\nh := count(v)\n",
])
def test_what_opa_accepts_passes(body: str) -> None:
    assert found(body) == []


def test_one_name_written_twice_is_one_choice() -> None:
    candidates = RegoType(frozenset({OBJECT}), candidates=(kind(OBJECT), closed_object({"a": kind(NUMBER)})))
    ways = worlds([("o", 1, candidates), ("o", 2, candidates), ("q", 3, candidates)], kind(OBJECT))
    assert ways is not None and len(ways) == 4
    assert all(way[1] == way[2] for way in ways)
    assert worlds([(f"o{n}", n, candidates) for n in range(7)], kind(OBJECT)) is None and 2 ** 7 > MOST_WAYS


def test_a_part_of_several_kinds_is_held_part_by_part() -> None:
    joined = union(closed_object({"a": kind(NUMBER)}), kind(NUMBER, SET))
    assert joined.alternatives == (closed_object({"a": kind(NUMBER)}), kind(NUMBER), kind(SET))
    assert union(closed_object({"a": kind(STRING)}), RegoType(frozenset({NUMBER, SET}), joined=False)).alternatives


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_every_engine_refuses_it_at_its_line(engine: str) -> None:
    message = refusal({"a.rego": P + O_NUMBER_OR_BOOLEAN + Q + "h := json.patch({}, [o, q])\n"}, engine)
    assert message.startswith("a.rego:7:"), message
