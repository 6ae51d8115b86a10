"""A rule's ``else`` branches as OPA's type checker types them: each one a definition of the rule.

Settled from OPA's source: ``WalkRules`` (``v1/ast/visit.go``) visits ``Rule.Else``, so ``NewGraph``
(``v1/ast/compile.go``) adds each branch as a node of the rule graph, ``Graph.Sort`` returns it, and
``CheckTypes`` (``v1/ast/check.go``) runs ``checkRule`` on it; the parser gives a branch a copy of the rule's head
(``parseElse``), so its type is filed at the rule's path by ``typeTreeNode.Insert``, whose ``mergeTypes``
(``v1/ast/env.go``) joins it with the others as it joins several definitions of a rule (not one ``Or`` of the
chain). This reader types them so already (``Package.add``, one definition per branch); what it did not follow was
``mergeTypes`` making two objects of no static property one object (keys and values joined by ``Or``), which it
joined as OPA's ``any<...>``: ``r(1)`` passed where OPA finds an object, "undefined function". Sets, two of them
one set of either's elements, it followed already.
"""
from __future__ import annotations

import pytest

from rego_compile_checks import PROBES, assert_probes_as_opa, assert_refused_at, type_errors_by_line

P = "package p\n\n"  # the body below starts on line 3
TWO = 'r := {k: 1 | some k in ["a"]} if input.a else := {k: "s" | some k in ["b"]}\n'  # line 3

REFUSED = [
    (TWO + "h if {\n  r(1)\n}\n", 5, "calls data.p.r, a rule whose value is an object"),
    # Three branches, and definitions beside an else chain: one object all the same.
    ('r := {k: 1 | some k in ["a"]} if input.a else := {k: "s" | some k in ["b"]} if input.b else := {k: 2 | '
     'some k in ["c"]}\nh if {\n  r(1)\n}\n', 5, "rule whose value is an object"),
    (TWO + 'r := {k: true | some k in ["c"]} if input.c\nh if {\n  r(1)\n}\n', 6, "rule whose value is an object"),
    # The merged object's values: any<number, string>, keys strings.
    (TWO + "h if {\n  r.x.y\n}\n", 5, "`r.x.y` looks inside an any<number, string>"),
    (TWO + "h if {\n  some k\n  r[k]\n  k + 1\n}\n", 7, "`k + 1` applies `+` to a string"),
    # `{}` is OPA's object[any: any] (TypeEnv.Get of an empty Object, v1/ast/typeenv.go): merged with another
    # object of no static property, whatever its values, into object[any: any] (Or of any is any), in any order.
    ('r := {} if input.a else := {k: {v | v := 1} | some k in ["a"]}\nh if {\n  r(1)\n}\n', 5,
     "calls data.p.r, a rule whose value is an object, as a function"),
    ('r := {} if input.a else := {}\nh if {\n  r(1)\n}\n', 5, "calls data.p.r, a rule whose value is an object, as"),
    ('r := {k: 1 | some k in ["a"]}\nr := {} if input.b\nh if {\n  r(1)\n}\n', 6, "a rule whose value is an object,"),
    # Sets: one set of either's elements (followed before).
    ('r := {1} if input.a else := {"a"}\nh if {\n  r(1)\n}\n', 5, "a rule whose value is a set[any<number, string>]"),
]


@pytest.mark.parametrize(("body", "line", "says"), REFUSED)
def test_what_opa_refuses_is_refused_at_its_line(body: str, line: int, says: str) -> None:
    assert_refused_at(type_errors_by_line(P + body), line, says)


@pytest.mark.parametrize("body", [
    # A static property on one side: mergeTypes joins them by Or, OPA's any<...>, which a call passes.
    'r := {"a": 1} if input.a else := {k: "s" | some k in ["b"]}\nh if {\n  r(1)\n}\n',
    # Another kind beside them: the merged object and a string, any<...>.
    TWO[:-1] + ' if input.b else := "x"\nh if {\n  r(1)\n}\n',
    # `{}` merged: object[any: any], so any key is any.
    'r := {} if input.a else := {k: 1 | some k in ["a"]}\nh if {\n  upper(r.x.y)\n  r.z + 1\n}\n',
    # The merged values read as a number and as a string both.
    TWO + "h if {\n  r.x + 1\n  upper(r.y)\n}\n",
])
def test_what_opa_accepts_is_not_refused(body: str) -> None:
    assert type_errors_by_line(P + body) == []


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_the_probes_are_refused_or_pass_as_opa_does(engine: str) -> None:
    assert_probes_as_opa([name for name in PROBES if name.startswith(("types30a-else-", "types30a-empty-object-"))], 4, engine)
