"""natpolicy.rego.regopy_shadow: a comprehension's own variable regopy 1.5.2 reads as the outer one.

OPA gives a comprehension body its own scope: `some n in` or `n :=` there is
a new `n` even when the rule's body bound one before. regopy binds the outer
one (probe ``comprehension-assign-shadows-outer``), so natpolicy refuses it
there with its line, unless it renames the comprehension's own `some n in`
variable first (regorus_shadow, on both engines); each near miss must stay quiet
on regopy, and nothing is refused on regorus (which answers `:=` as OPA).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from natpolicy.errors import InputError
from natpolicy.rego.guards import engine_refusals, refuse_for_engine
from natpolicy.rego.loading import PolicyFile
from natpolicy.rego.regopy_shadow import shadowing_declarations
from natpolicy.rego.source import char_line_col, scan_module

ROOT = Path(__file__).parents[1]
P = "package p\n\n"  # the body below starts on line 3


def found(body: str) -> list[tuple[int, str]]:
    source = P + body
    return [(char_line_col(source, offset)[0], message) for offset, message in shadowing_declarations(source)]


@pytest.mark.parametrize(("body", "line", "name"), [
    # Declarations natpolicy cannot rename (comprehension_scopes): the value reads the outer `n` (OPA too), or `n`
    # is used in that body before its declaration (OPA reads the outer one there).
    ('x := [z, n] if {\n  n := "a"\n  z := [n | n := concat("", [n, "!"])]\n}\n', 5, "n"),
    ('x := [z, n] if {\n  n := "a"\n  z := [[n, w] | some w in [n]; some n in input.xs]\n}\n', 5, "n"),
    # A function argument is bound before the body.
    ('f(n) := [z, n] if {\n  z := [n | n := concat("", [n, "!"])]\n}\n', 4, "n"),
    # An `else` branch's own body; a comprehension inside another one's body, or inside `every`.
    ('x := 1 if {\n  false\n} else := [n, z] if {\n  n := "a"\n  z := [n | n := concat("", [n, "!"])]\n}\n', 7,
     "n"),
    ('x := z if {\n  z := [w | some n in input.ys; w := [n | n := concat("", [n, "!"])]]\n}\n', 4, "n"),
    ('x if {\n  n := "a"\n  every m in input.xs {\n    count([n | n := concat("", [n, m])]) > 0\n  }\n}\n', 6, "n"),
    # A comprehension in the rule's head, inside another whose body bound the name (regopy answered
    # [[["r", "r"]]], OPA [[["r", "a"]]]; and [[]] for `[y | v := 1; y := {v | [v] := [2]}]` before the renaming).
    ('x := [y | some v in ["a"]; y := {[v, w] | some w in [v]; some v in ["r"]}]\n', 3, "v"),
    ('x := [y | v := [1]; y := {v | [v] := v}]\n', 3, "v"),
])
def test_a_comprehension_redeclaring_a_bound_name_is_refused_on_regopy(body: str, line: int, name: str) -> None:
    errors = found(body)
    assert errors, "not refused"
    assert errors[0][0] == line and f"declares `{name}`" in errors[0][1], errors
    assert "regopy 1.5.2 binds the outer one" in errors[0][1] and "\n" not in errors[0][1]
    source = P + body
    refusals = engine_refusals(source, "regopy")
    assert any("binds the outer one" in message for _, message in refusals)
    # regorus answers `:=` as OPA, and refuses a `some n in` natpolicy cannot rename on its own: nothing added there.
    assert not any("binds the outer one" in message for _, message in engine_refusals(source, "regorus"))


@pytest.mark.parametrize("body", [
    # The same name in a sibling rule.
    'y := n if {\n  n := "a"\n}\nx := [y, z] if {\n  z := [n | some n in input.xs]\n}\n',
    # Bound only after the comprehension (the head is evaluated after the body too).
    'x := [n, z] if {\n  z := [n | some n in input.xs]\n  n := "a"\n}\n',
    # Only inside: two sibling comprehensions, each with its own `n`.
    'x := [y, z] if {\n  y := [n | some n in input.ys]\n  z := [n | some n in input.xs]\n}\n',
    # An `every` that declares `n` is its own scope, like a comprehension.
    'x := z if {\n  every n in input.xs {\n    n != "a"\n  }\n  z := [n | some n in input.xs]\n}\n',
    # A comprehension in the head (regopy answers it as OPA), and in a function's head.
    'x := [n, [n | some n in input.xs]] if {\n  n := "a"\n}\n',
    'f(n) := [n | some n in input.xs]\n',
    # `=` inside unifies with the outer `n` in OPA too; a use, not a declaration.
    'x := [n, z] if {\n  n := "a"\n  z := [m | some m in input.xs; n = "a"]\n}\n',
    'x := [n, z] if {\n  n := "a"\n  z := [m | some m in input.xs; m != n]\n}\n',
    # `n` only as a key of a ref (`input.n`), a call (`n.f(...)` is not a variable) or a string.
    'x := z if {\n  v := input.n\n  w := "n"\n  z := [n | some n in input.xs]\n}\n',
    # `every n in` itself with an outer `n` (regopy answers it as OPA).
    'x := n if {\n  n := "a"\n  every n in input.xs {\n    n != "a"\n  }\n}\n',
    # A set union is not a comprehension; a ref's index uses `n`, a comprehension's term too.
    'x := s if {\n  n := {1}\n  s := n | {2}\n  t := input.m[n]\n  u := [n | some m in input.xs]\n}\n',
])
def test_a_comprehension_name_regopy_reads_as_opa_is_not_refused(body: str) -> None:
    assert found(body) == []


@pytest.mark.parametrize(("body", "value"), [
    ('x := [z, n] if {\n  n := "a"\n  z := [n | some n in input.xs]\n}\n', [["b", "c"], "a"]),
    ('x := z if {\n  i := 0\n  z := [v | some i, v in input.xs; i > 0]\n}\n', ["c"]),
    ('x := [n, z] if {\n  some n in input.ys\n  z := [n | some n in input.xs]\n}\n', ["y", ["b", "c"]]),
    ('f(n) := [z, n] if {\n  z := [n | some n in input.xs]\n}\nx := f("a")\n', [["b", "c"], "a"]),
    ('x := [y | some v in ["a"]; y := {[v, w] | some w in ["q"]; some v in input.xs}]\n', [[["b", "q"], ["c", "q"]]]),
    # `n :=` and `[n, _] :=` are renamed the same way (regopy bound the outer `n`).
    ('x := [z, n] if {\n  n := "a"\n  z := [m | some s in input.xs; n := upper(s); m := n]\n}\n', [["B", "C"], "a"]),
    ('x := [z, n] if {\n  n := "a"\n  z := [n | [n, _] := input.ps[_]]\n}\n', [["b", "c"], "a"]),
    ('x := [y | v := 1; y := {v | [v] := [2]}]\n', [[2]]),
])
def test_a_declaration_natpolicy_renames_is_answered_on_regopy_as_opa(body: str, value: object) -> None:
    from natpolicy.rego.engines import create_engine, installed_engines
    from tests.test_rego_default_mode import default_answer

    assert found(body) == []
    if "regopy" not in installed_engines():
        pytest.skip("regopy is not installed here")
    probe = {"source": P + body, "rule": "x", "input": {"xs": ["b", "c"], "ys": ["y"], "ps": [["b", 1], ["c", 2]]}}
    assert default_answer(create_engine("regopy"), probe) == ("ok", value)


def test_a_plain_some_is_left_to_regorus_some() -> None:
    # `some n` (no `in`) in a comprehension is refused on both engines by regorus_some: reported once.
    source = P + 'x := [z, n] if {\n  n := "a"\n  z := [n | some n; n := input.xs[_]]\n}\n'
    assert found(source[len(P):]) == []
    messages = [message for _, message in engine_refusals(source, "regopy")]
    assert any("`some n` in a comprehension" in message for message in messages), messages


def test_refuse_for_engine_names_the_file_and_line_on_regopy_only() -> None:
    source = 'package p\n\nx := [z, n] if {\n  n := "a"\n  z := [n | n := concat("", [n, "!"])]\n}\n'
    policy = PolicyFile(Path("p.rego"), "policy/p.rego", source, scan_module(source))
    with pytest.raises(InputError) as raised:
        refuse_for_engine([policy], "regopy")
    assert raised.value.source == "policy/p.rego:5:13"
    refuse_for_engine([policy], "opa")  # OPA is the reference: nothing to refuse


def test_no_policy_of_the_repository_is_refused() -> None:
    sources = [f.read_text(encoding="utf-8") for top in ("policies", "fixtures", "tests")
               for f in sorted((ROOT / top).rglob("*.rego"))]
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        sources.extend(m.group(1) for m in re.finditer(r"```rego\n(.*?)```", doc.read_text(encoding="utf-8"),
                                                       re.DOTALL))
    assert len(sources) > 10
    for source in sources:
        assert list(shadowing_declarations(source)) == [], source[:200]
