"""A rule that is no function called as one: refused on regopy (whose compiler aborts the process on it), with
its line, and left to regorus, where OPA's type checker passes it (the rule's value any).

Measured on regopy 1.5.2: compiling any of the refused modules below kills the process (SIGSEGV/SIGABRT,
"shape `rego-ruleheadcomp` has no field `rego-ruleargs`"), so they are never given to it here.
"""
from __future__ import annotations

import pytest

from rego_compile_checks import refusal

P = "package p\n\n"  # the body below starts on line 3

REFUSED = [
    ({"p.rego": P + "r := input.x\nh if {\n  r(1)\n}\n"}, "p.rego:5:3", "`r(...)` calls data.p.r"),
    ({"p.rego": P + "r := input.x\nh if {\n  not r()\n}\n"}, "p.rego:5:7", "`r(...)` calls data.p.r"),
    ({"p.rego": P + "r := input.x\nh if {\n  data.p.r(1)\n}\n"}, "p.rego:5:3", "calls data.p.r,"),
    ({"p.rego": P + "r.a := input.x\nh if {\n  r.a(1)\n}\n"}, "p.rego:5:3", "calls data.p.r.a,"),
    ({"p.rego": P + "r := input.x if input.a else := input.y\nh if {\n  r(1)\n}\n"}, "p.rego:5:3", "data.p.r"),
    # A rule of another package, through its path or an import.
    ({"q.rego": "package q\n\nr := input.x\n", "p.rego": P + "h if {\n  data.q.r(1)\n}\n"}, "p.rego:4:3",
     "calls data.q.r,"),
    ({"q.rego": "package q\n\nr := input.x\n", "p.rego": P + "import data.q\n\nh if {\n  q.r(1)\n}\n"},
     "p.rego:6:3", "calls data.q.r,"),
]


@pytest.mark.parametrize(("files", "where", "says"), REFUSED)
def test_a_rule_called_as_a_function_is_refused_on_regopy_with_its_line(files: dict[str, str], where: str,
                                                                       says: str) -> None:
    found = refusal(files, "regopy")
    assert found.startswith(where + ": ") and says in found, found
    assert "regopy 1.5.2 aborts" in found and "\n" not in found
    # OPA's type checker passes these (the rule's value is any): regorus is not refused.
    assert refusal(files, "regorus") == ""


@pytest.mark.parametrize("files", [
    {"p.rego": P + "r(a) := a\nh if {\n  r(1)\n}\n"},  # a function
    {"p.rego": P + "r := input.x\nh if {\n  upper(r)\n  r == 1\n}\n"},  # the rule read, not called
    {"p.rego": P + "r.f(a) := a\nh if {\n  r.f(1)\n}\n"},  # a function below a ref head
    {"q.rego": "package q\n\nr(a) := a\n", "p.rego": P + "h if {\n  data.q.r(1)\n}\n"},
])
def test_a_function_called_passes_on_regopy(files: dict[str, str]) -> None:
    assert refusal(files, "regopy") == ""

