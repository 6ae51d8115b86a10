"""regopy 1.5.2, verified: each problem the issue lists, and how the engine wrapper handles it.

Everything here runs the real engine; nothing is mocked.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("regopy")

from natpolicy.rego.engine import (  # noqa: E402
    REGOPY_VERSION,
    STATEMENT_LIMIT,
    UNDEFINED,
    EvaluationError,
    PolicySyntaxError,
    RegopyEngine,
)
from natpolicy.rego.source import char_line_col, line_col, scan_module  # noqa: E402


@pytest.fixture(scope="module")
def engine() -> RegopyEngine:
    return RegopyEngine()


def value(engine: RegopyEngine, source: str, rule: str, document: object = None) -> object:
    compiled = engine.compile({"p.rego": source}, None, [f"p/{rule}"])
    return engine.evaluate(compiled, f"p/{rule}", engine.prepare_input(document if document is not None else {}))


def test_the_pinned_version_is_the_one_installed() -> None:
    import regopy

    assert regopy.__version__ == REGOPY_VERSION == "1.5.2"


def test_v0_rules_are_silently_misread_as_objects(engine: RegopyEngine) -> None:
    # The engine accepts conftest's old syntax and turns the set into an object...
    src = "package p\ndeny[msg] {\n  input.x == 1\n  msg := \"bad\"\n}\n"
    assert value(engine, src, "deny", {"x": 1}) == {"bad": True}
    # ...so natpolicy refuses it before the engine sees it.
    info = scan_module(src)
    assert len(info.problems) == 1
    assert char_line_col(src, info.problems[0].offset) == (2, 11)
    assert "deny contains msg if" in info.problems[0].message


@pytest.mark.parametrize("src", [
    "package p\nallow { true }\n",
    "package p\nx = 5 { true }\n",
    "package p\nimport rego.v1\ndeny[msg] if { msg := \"x\" }\n",
])
def test_other_v0_forms_are_refused(src: str) -> None:
    assert scan_module(src).problems


@pytest.mark.parametrize("src", [
    "package p\nimport rego.v1\ndeny contains msg if {\n msg := sprintf(\"{%s}\", [\"a\"])\n}\n",
    "package p\nimport rego.v1\nobj := {\"a\": {1, 2}}\nf(x) := y if { y := x }\np := 1 if { true } else := 2\n",
    "package p\nimport rego.v1\n# deny[msg] { in a comment }\nwarn contains \"x\" if true\n",
    "package p\nimport rego.v1\nx := `raw { string`\ndefault allow := false\n",
])
def test_v1_forms_are_accepted(src: str) -> None:
    assert scan_module(src).problems == []


def test_net_builtins_and_rule_metadata_are_missing(engine: RegopyEngine) -> None:
    src = "package p\nimport rego.v1\nx := net.cidr_contains(\"10.0.0.0/8\", \"10.1.1.1\")\ny := rego.metadata.rule()\n"
    assert value(engine, src, "x") is UNDEFINED
    assert value(engine, src, "y") is UNDEFINED
    import regopy

    interp = regopy.Interpreter()
    assert not interp.is_builtin("net.cidr_contains")


def test_sprintf_of_a_builtin_made_string_gives_invalid_json_reported_clearly(engine: RegopyEngine) -> None:
    src = 'package p\nimport rego.v1\nm := sprintf("[%s]", [concat(",", ["a", "b"])])\n'
    with pytest.raises(EvaluationError) as err:
        value(engine, src, "m")
    assert err.value.code == "invalid_json"
    assert "build the message with concat" in err.value.message


def test_some_key_value_in_a_comprehension_does_not_parse(engine: RegopyEngine) -> None:
    src = 'package p\nimport rego.v1\no := {"a": 1}\nx := [v | some k, v in o]\n'
    with pytest.raises(PolicySyntaxError) as err:
        engine.compile({"p.rego": src}, None, ["p/x"])
    assert err.value.message == "Invalid collection"
    assert line_col(src, err.value.offset)[0] == 4
    # The workaround natpolicy's twins use.
    assert value(engine, 'package p\nimport rego.v1\no := {"a": 1}\nx := [v | some k; v := o[k]]\n', "x") == [1]


def test_statement_cap_is_an_error_with_its_cause(engine: RegopyEngine) -> None:
    src = ("package p\nimport rego.v1\n"
           "x := count([1 | some i in numbers.range(1, 3000); some j in numbers.range(1, 3000); i == j])\n")
    with pytest.raises(EvaluationError) as err:
        value(engine, src, "x")
    assert err.value.is_statement_cap
    assert err.value.message == "Maximum statement count reached"
    assert STATEMENT_LIMIT == 10_000_000


def test_conflicting_values_and_unknown_functions_carry_their_message(engine: RegopyEngine) -> None:
    with pytest.raises(EvaluationError) as err:
        value(engine, "package p\nimport rego.v1\ny := 1\ny := 2\n", "y")
    assert err.value.code == "eval_conflict_error"


def test_syntax_errors_map_byte_offsets_to_line_and_column(engine: RegopyEngine) -> None:
    src = "package p\n# é, ü: two-byte characters before the error\nx := {\n"
    with pytest.raises(PolicySyntaxError) as err:
        engine.compile({"dir/my policy.rego": src}, None, ["p/x"])
    assert err.value.module == "dir/my policy.rego"  # names are length-prefixed: spaces survive
    assert err.value.message == "this is unclosed"
    assert line_col(src, err.value.offset) == (3, 6)


def test_input_strings_with_quotes_compare_and_round_trip(engine: RegopyEngine) -> None:
    # regopy's Input() keeps strings unescaped while literals are escaped:
    # `"` and `\` would compare unequal and come back as invalid JSON.
    src = 'package p\nimport rego.v1\nhit if input.a == "x[\\"k\\"]"\nback := input.a\ntab := input.b\n'
    doc = {"a": 'x["k"]', "b": "tab\there\\"}
    assert value(engine, src, "hit", doc) is True
    assert value(engine, src, "back", doc) == 'x["k"]'
    assert value(engine, src, "tab", doc) == "tab\there\\"


def test_min_max_sort_order_numbers_as_text(engine: RegopyEngine) -> None:
    src = "package p\nimport rego.v1\nm := min([443, 3389])\ns := sort([3389, 443, 22])\n"
    assert value(engine, src, "m") == 3389  # OPA: 443
    assert value(engine, src, "s") == [22, 3389, 443]  # OPA: [22, 443, 3389]


def test_false_is_undefined_through_query_but_not_through_bundles(engine: RegopyEngine) -> None:
    src = "package p\nimport rego.v1\nb(v) := true if { v == 1 } else := false\nz := b(2)\nm := [1 == 2]\n"
    import regopy

    interp = regopy.Interpreter()
    interp.log_level = regopy.LogLevel.NONE
    interp.add_module("p.rego", src)
    assert str(interp.query("data.p.z")) == "undefined"  # Interpreter.query loses a top-level false
    # natpolicy evaluates compiled bundle entrypoints, which keep it.
    assert value(engine, src, "z") is False
    assert value(engine, src, "m") == [False]


def test_with_aborts_the_process_so_natpolicy_refuses_it() -> None:
    code = textwrap.dedent("""
        from natpolicy.rego.engine import RegopyEngine
        e = RegopyEngine()
        mods = {"a.rego": "package a\\nimport rego.v1\\nq := 1 if { is_array(input.r) }\\n",
                "t.rego": "package t\\nimport rego.v1\\ntest_a if {\\n v := data.a.q with input as {\\"r\\": []}\\n v == 1\\n}\\n"}
        e.compile(mods, None, ["t/test_a"])
        print("survived")
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "survived" not in proc.stdout
    problems = scan_module("package t\nimport rego.v1\nt if {\n  x := data.a.q with input as {}\n}\n").problems
    assert len(problems) == 1 and "`with`" in problems[0].message


def test_messages_and_print_never_reach_stdout() -> None:
    # rego-cpp writes diagnostics (at its default log level) and print() to
    # file descriptor 1, below Python; the wrapper sends both to stderr.
    code = textwrap.dedent("""
        from natpolicy.rego.engine import RegopyEngine, PolicySyntaxError
        e = RegopyEngine()
        c = e.compile({"p.rego": "package p\\nimport rego.v1\\nx := print(\\"from print\\")\\n"}, None, ["p/x"])
        e.evaluate(c, "p/x", e.prepare_input({}))
        try:
            e.compile({"bad.rego": "package p\\nx := {\\n"}, None, ["p/x"])
        except PolicySyntaxError:
            pass
        import regopy
        i = regopy.Interpreter()  # default log level: prints parse errors
        try:
            from natpolicy.rego.engine import _quiet_stdout
            with _quiet_stdout():
                i.add_module("bad2.rego", "package q\\ny := {\\n")
                i.query("data.q.y")
        except regopy.RegoError:
            pass
        print("{}")
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "{}\n"
    assert "from print" in proc.stderr


def test_input_is_converted_once_and_reused(engine: RegopyEngine) -> None:
    prepared = engine.prepare_input({"n": 2})
    a = engine.compile({"a.rego": "package a\nimport rego.v1\nx := input.n * 2\n"}, None, ["a/x"])
    b = engine.compile({"b.rego": "package b\nimport rego.v1\ny := input.n + 1\n"}, None, ["b/y"])
    assert engine.evaluate(a, "a/x", prepared) == 4
    assert engine.evaluate(b, "b/y", prepared) == 3
    assert engine.evaluate(a, "a/x", prepared) == 4


def test_data_is_compiled_once_into_the_bundle(engine: RegopyEngine) -> None:
    compiled = engine.compile({"m.rego": "package m\nimport rego.v1\nx := data.natpolicy.k[input.key]\n"},
                              {"natpolicy": {"k": {"a": 1, "b": 2}}}, ["m/x"])
    assert engine.evaluate(compiled, "m/x", engine.prepare_input({"key": "b"})) == 2
    assert engine.evaluate(compiled, "m/x", engine.prepare_input({"key": "c"})) is UNDEFINED


def test_the_result_of_a_set_rule_is_a_json_array(engine: RegopyEngine) -> None:
    src = 'package p\nimport rego.v1\ndeny contains m if { some m in ["b", "a"] }\n'
    assert sorted(value(engine, src, "deny")) == ["a", "b"]  # type: ignore[arg-type]
    assert json.dumps(value(engine, src, "deny"))
