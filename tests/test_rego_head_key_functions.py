"""A rule's head ref naming a function of its package in brackets: OPA resolves it to the function and refuses the
module (head_key_functions; probes residue31-ref-head-key-*)."""
from __future__ import annotations

from natpolicy.rego.head_key_functions import head_key_functions


def _refused(source: str, *others: str) -> list[str]:
    return [source[offset:offset + 1] + ":" + message.split(" ")[2] for offset, message in
            head_key_functions(source, others)]


def test_a_function_named_in_a_head_ref_is_refused_in_any_file_of_the_package() -> None:
    assert _refused("package p\nr(1) := 5\ns[r] := 2 if { true }\n") == ["r:`r`"]
    assert _refused("package p\ns.a[r] contains 1 if { r = 1 }\n", "package p\nr(x) := x\n") == ["r:`r`"]


def test_a_name_the_body_declares_a_rule_or_another_package_passes() -> None:
    # declared in the body (`:=`, `some`), OPA leaves it local; a rule that is no function is read for its value;
    # a function of another package is another name
    assert _refused("package p\nr(1) := 5\ns[r] := 2 if { r := 1 }\nt[r] := 1 if { some r in [1] }\n") == []
    assert _refused("package p\nr := 5\ns[r] := 2 if { true }\n") == []
    assert _refused("package p\ns[r] := 2 if { r := 1 }\n", "package q\nr(x) := x\n") == []


def test_a_call_after_an_unrelated_declaration_is_no_declaration() -> None:
    # `some x in ...` declares x, not r: `r(x)` reads the function, and OPA still resolves the head's `r` to it
    assert _refused("package p\nr(1) := 5\ns[r] := 2 if {\n\tsome x in input.xs\n\tr(x) == 5\n}\n") == ["r:`r`"]
    assert _refused("package p\nr(1) := 5\ns[r] := 2 if { some x; x = 1; r(x) == 5 }\n") == ["r:`r`"]
    # declared as one of several names, inside a pattern, or by `some r`
    assert _refused("package p\nr(1) := 5\ns[r] := 2 if { some k, r in input.xs }\n") == []
    assert _refused("package p\nr(1) := 5\ns[r] := 2 if { [r, y] := [1, 2]; y }\n") == []
    assert _refused("package p\nr(1) := 5\ns[r] := 2 if { some y, r; r = y; y = 1 }\n") == []
