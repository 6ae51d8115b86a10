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

from conftest import slow_rego_count  # noqa: E402
from natpolicy.rego.conftest_numbers import InputNumberError
from natpolicy.rego.engine import UNDEFINED, EvaluationError, PolicySyntaxError  # noqa: E402
from natpolicy.rego.engine_regopy import REGOPY_VERSION, STATEMENT_LIMIT, RegopyEngine  # noqa: E402
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
    # An import line ending in `if`/`in`/`contains` is complete: the rule after it is still seen.
    "package p\nimport future.keywords.if\ndeny[msg] if {\n  msg := \"obj form\"\n}\n",
    "package p\nimport future.keywords.contains\nwarn[msg] if { msg := \"x\" }\n",
    "package p\nimport rego.v1\ndeny(x) := x if true\n",
])
def test_other_v0_forms_are_refused(src: str) -> None:
    assert scan_module(src).problems


def test_classic_conftest_file_after_a_future_import_gets_the_set_advice() -> None:
    src = ("package main\n\nimport future.keywords.in\n\ndeny[msg] {\n"
           "  some rc in input.resource_changes\n  msg := rc.address\n}\n")
    problems = scan_module(src).problems
    assert len(problems) == 1
    assert char_line_col(src, problems[0].offset) == (5, 11)
    assert "write `deny contains msg if { ... }`" in problems[0].message


def test_rules_after_future_keyword_imports_are_all_found() -> None:
    src = ("package main\n\nimport future.keywords.in\nimport future.keywords.if\nimport future.keywords.contains\n\n"
           "deny_first contains msg if {\n  msg := \"first\"\n}\n\n"
           "deny_second contains msg if {\n  msg := \"second\"\n}\n")
    info = scan_module(src)
    assert info.problems == []
    assert info.rules == ["deny_first", "deny_second"]


def test_default_defines_its_rule() -> None:
    assert scan_module("package main\nimport rego.v1\ndefault deny := []\n").rules == ["deny"]
    # A helper's default is its own rule, not `deny`.
    assert scan_module("package main\nimport rego.v1\ndefault allow := false\n").rules == ["allow"]


def test_calls_and_import_aliases_are_collected_outside_comments_and_strings() -> None:
    src = ("package main\nimport rego.v1\nimport data.lib.util\nimport input.plan as tfplan\n"
           "# net.cidr_contains(\"in a comment\")\n"
           "deny contains m if {\n  m := concat(\"\", [\"net.cidr_contains(\"])\n  util.f(1)\n"
           "  net.cidr_contains(\"10.0.0.0/8\", tfplan.x)\n}\n")
    info = scan_module(src)
    assert [c.name for c in info.calls] == ["concat", "util.f", "net.cidr_contains"]
    assert char_line_col(src, info.calls[-1].offset) == (9, 3)
    assert info.import_aliases == {"util", "tfplan"}


@pytest.mark.parametrize("src", [
    "package p\nimport rego.v1\ndeny contains msg if {\n msg := sprintf(\"{%s}\", [\"a\"])\n}\n",
    "package p\nimport rego.v1\nobj := {\"a\": {1, 2}}\nf(x) := y if { y := x }\np := 1 if { true } else := 2\n",
    "package p\nimport rego.v1\n# deny[msg] { in a comment }\nwarn contains \"x\" if true\n",
    "package p\nimport rego.v1\nx := `raw { string`\ndefault allow := false\n",
])
def test_v1_forms_are_accepted(src: str) -> None:
    assert scan_module(src).problems == []


def test_net_builtins_and_rule_metadata_are_missing(engine: RegopyEngine) -> None:
    src = ("package p\nimport rego.v1\nx := net.cidr_contains(\"10.0.0.0/8\", \"10.1.1.1\")\ny := rego.metadata.rule()\n"
           "z := 1 if { _ := http.send({\"method\": \"get\", \"url\": \"http://x\"}) }\n")
    assert value(engine, src, "x") is UNDEFINED
    assert value(engine, src, "y") is UNDEFINED
    assert value(engine, src, "z") == 1  # assigning the missing call to `_` even succeeds
    # ...which is why natpolicy refuses such calls at load time, asking is_builtin.
    assert not engine.is_builtin("net.cidr_contains")
    assert engine.is_builtin("regex.match") and engine.is_builtin("object.get")


def test_the_list_of_missing_opa_builtins_matches_regopy(engine: RegopyEngine) -> None:
    from natpolicy.rego.builtins import OPA_BUILTINS_MISSING

    assert [name for name in sorted(OPA_BUILTINS_MISSING) if engine.is_builtin(name)] == []
    # print works although is_builtin denies it: rego-cpp treats it as a statement.
    assert not engine.is_builtin("print")


def test_sort_of_a_set_returns_an_array_after_the_rewrite(engine: RegopyEngine) -> None:
    # regopy's own sort returns a set for a set and orders numbers as text; natpolicy's rewrite
    # (regopy_rewrite) calls a sort that returns OPA's array in OPA's order.
    src = 'package p\nimport rego.v1\ns := sort({"b", "a"})\nfirst := s[0]\nt := sort([10, 9])\n'
    assert value(engine, src, "first") == "a"
    assert value(engine, src, "t") == [9, 10]


def test_sprintf_of_a_builtin_made_string_gives_invalid_json_reported_clearly(engine: RegopyEngine) -> None:
    # natpolicy rewrites a sprintf with a literal format into a concat (sprintf_regopy), which has no such leak;
    # a computed format (refused by the guards before any user policy runs) still reaches regopy's own sprintf.
    assert value(engine, 'package p\nm := sprintf("[%s]", [concat(",", ["a", "b"])])\n', "m") == "[a,b]"
    src = 'package p\nimport rego.v1\nf := "[%s]"\nm := sprintf(f, [concat(",", ["a", "b"])])\n'
    with pytest.raises(EvaluationError) as err:
        value(engine, src, "m")
    assert err.value.code == "invalid_json"
    assert "build the message with concat" in err.value.message


def test_some_key_value_in_a_comprehension_answers_and_a_key_pattern_does_not_parse(engine: RegopyEngine) -> None:
    # rego-cpp cannot parse `some k, v in` in an array comprehension; natpolicy writes it as OPA reads it
    # (regopy_some_pairs), so the line answers, also with a value pattern; a key pattern is still rego-cpp's parse
    # error, at its line.
    assert value(engine, 'package p\nimport rego.v1\no := {"a": 1}\nx := [v | some k, v in o]\n', "x") == [1]
    assert value(engine, 'package p\nimport rego.v1\no := {"a": [1]}\nx := [v | some k, [v] in o]\n', "x") == [1]
    src = 'package p\nimport rego.v1\no := {"a": [1]}\nx := [v | some [k], v in o]\n'
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


def test_an_error_printed_place_first_keeps_its_line(engine: RegopyEngine) -> None:
    # rego-cpp prints `p.rego:3:1: conflicting definitions of `a`:` for a function's parameters naming one
    # variable twice; its error node holds no message ("rego-cpp gave no detail" until 2026-12-07).
    src = "package p\nimport rego.v1\nf(a, a) := a\nx := f(1, 1)\n"
    with pytest.raises(PolicySyntaxError) as err:
        engine.compile({"p.rego": src}, None, ["p/x"])
    assert err.value.module == "p.rego" and line_col(src, err.value.offset)[0] == 3
    assert err.value.message == "conflicting definitions of `a`"


def test_input_strings_with_quotes_compare_and_round_trip(engine: RegopyEngine) -> None:
    # regopy's Input() keeps strings unescaped while literals are escaped:
    # `"` and `\` would compare unequal and come back as invalid JSON.
    src = 'package p\nimport rego.v1\nhit if input.a == "x[\\"k\\"]"\nback := input.a\ntab := input.b\n'
    doc = {"a": 'x["k"]', "b": "tab\there\\"}
    assert value(engine, src, "hit", doc) is True
    assert value(engine, src, "back", doc) == 'x["k"]'
    assert value(engine, src, "tab", doc) == "tab\there\\"


def test_min_max_sort_order_numbers_by_value_after_the_rewrite(engine: RegopyEngine) -> None:
    src = "package p\nimport rego.v1\nm := min([443, 3389])\ns := sort([3389, 443, 22])\n"
    # regopy's own min, max and sort order numbers as text (min([443, 3389]) is 3389); natpolicy's rewrite
    # (regopy_rewrite) replaces them with functions in Rego's order, as OPA answers.
    assert value(engine, src, "m") == 443
    assert value(engine, src, "s") == [22, 443, 3389]


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
        from natpolicy.rego.engine_regopy import RegopyEngine
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
        from natpolicy.rego.engine_regopy import RegopyEngine, PolicySyntaxError
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
            from natpolicy.rego.engine_regopy import quiet_stdout as _quiet_stdout
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


def test_input_is_set_once_per_interpreter_and_results_follow_the_input(engine: RegopyEngine) -> None:
    src = ("package p\nimport rego.v1\nn := count(input.resource_changes)\n"
           "first := input.resource_changes[0].address\ndeny contains rc.address if { some rc in input.resource_changes }\n")
    compiled = engine.compile({"p.rego": src}, None, ["p/n", "p/first", "p/deny"])
    one = engine.prepare_input({"resource_changes": [{"address": "a"}, {"address": "b"}]})
    two = engine.prepare_input({"resource_changes": [{"address": "z"}]})

    def answers(prepared: object) -> list[object]:
        return [engine.evaluate(compiled, "p/n", prepared), engine.evaluate(compiled, "p/first", prepared),
                sorted(engine.evaluate(compiled, "p/deny", prepared))]  # type: ignore[arg-type]

    # Across queries on one input, then across plans and back again.
    assert answers(one) == [2, "a", ["a", "b"]]
    assert compiled.input is one  # handed to the interpreter once, not once per query
    assert answers(two) == [1, "z", ["z"]]
    assert compiled.input is two
    assert answers(one) == [2, "a", ["a", "b"]]


def test_fractions_in_the_input_keep_their_digits(engine: RegopyEngine) -> None:
    # regopy's Input(dict) writes a float with six decimals (3.14159265 was 3.141593 and unequal to itself as a
    # literal, 1e-07 was 0, measured): such a document goes over as JSON text, which keeps the float.
    src = "package p\nimport rego.v1\nx := [input.pi, input.tiny, input.pi == 3.14159265, input.tiny > 0, input.q]\n"
    compiled = engine.compile({"p.rego": src}, None, ["p/x"])
    prepared = engine.prepare_input({"pi": 3.14159265, "tiny": 1e-07, "q": 'a"b'})
    assert prepared.input is None  # the JSON text path
    assert engine.evaluate(compiled, "p/x", prepared) == [3.14159265, 1e-07, True, True, 'a"b']
    # Near misses: whole numbers and fractions of six decimals or fewer keep the fast Input.
    plain = engine.prepare_input({"pi": 3.5, "tiny": 0.000001, "q": 'a"b', "n": 2.0**52})
    assert plain.input is not None
    assert engine.evaluate(compiled, "p/x", plain) == [3.5, 0.000001, False, True, 'a"b']


def test_a_float_of_more_than_15_digits_stops_where_regopy_would_round_it(engine: RegopyEngine) -> None:
    # regopy holds 15 significant digits: 0.30000000000000004 equalled 0.3 (OPA: unequal). Loud, never silent.
    src = "package p\nimport rego.v1\nx := input.a == 0.3\n"
    compiled = engine.compile({"p.rego": src}, None, ["p/x"])
    for value in (0.30000000000000004, [1, {"b": 1.2345678901234567}]):
        with pytest.raises(EvaluationError, match="more than 15 significant digits"):
            engine.evaluate(compiled, "p/x", engine.prepare_input({"a": value}))
    with pytest.raises(EvaluationError, match="the data holds a number of more than 15"):
        engine.compile({"p.rego": src}, {"d": 0.30000000000000004}, ["p/x"])
    # Near misses: 15 digits, whole numbers, and big floats of few digits answer.
    for value, expected in ((0.300000000000001, False), (0.3, True), (1e300, False), (2.0, False)):
        assert engine.evaluate(compiled, "p/x", engine.prepare_input({"a": value})) is expected, value


def test_integers_beyond_int64_keep_their_sign_and_order(engine: RegopyEngine) -> None:
    src = ("package p\nimport rego.v1\nbig := input.big\npositive := input.big > 0\n"
           "bigger := input.big > input.small\nhuge := input.huge\nsmall := input.small\n")
    compiled = engine.compile({"p.rego": src}, None, ["p/big", "p/positive", "p/bigger", "p/huge", "p/small"])
    prepared = engine.prepare_input({"big": 12345678901234567890, "small": 2**63 - 1})

    def get(rule: str) -> object:
        return engine.evaluate(compiled, f"p/{rule}", prepared)

    # As conftest hands them to OPA (conftest_numbers): each the integer of its float64's Go text, handed to regopy
    # as JSON text with those digits, sign and order kept.
    assert get("big") == 12345678901234567000
    assert get("positive") is True and get("bigger") is True
    assert get("small") == 9223372036854776000  # int64's largest is 2^63 as a float64
    with pytest.raises(InputNumberError):  # beyond a float64: conftest's encoding/json refuses it
        engine.prepare_input({"huge": 10**400})


def test_compiling_without_entrypoints_is_an_error_not_an_assertion(engine: RegopyEngine) -> None:
    with pytest.raises(EvaluationError) as err:
        engine.compile({"p.rego": "package p\nimport rego.v1\nx := 1\n"}, None, [])
    assert err.value.code == "no_entrypoints"


def test_progress_is_reported_while_one_long_query_runs(engine: RegopyEngine) -> None:
    import io

    from natpolicy.rego.evaluate import Progress

    src = ("package p\nimport rego.v1\n"
           f"x := {slow_rego_count(6)}\n")
    compiled = engine.compile({"p.rego": src}, None, ["p/x"])
    prepared = engine.prepare_input({})
    stream = io.StringIO()
    with Progress(True, "rego", after=0.3, every=60.0, stream=stream) as progress:
        with progress.step("plan.json: evaluating data.p.x (1/1)"):
            assert engine.evaluate(compiled, "p/x", prepared) == 6
    # The line can only be written while the step runs, more than 0.3 s in:
    # during the native call, which therefore releases the GIL.
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("natpolicy: rego: plan.json: evaluating data.p.x (1/1)\u2026 ")
    assert lines[0].endswith(" s")


def test_progress_stays_silent_for_short_runs_and_when_disabled() -> None:
    import io

    from natpolicy.rego.evaluate import Progress

    stream = io.StringIO()
    with Progress(True, "rego", stream=stream) as progress:
        with progress.step("plan.json: evaluating data.main.deny (1/1)"):
            pass
    with Progress(False, "rego", after=0.0, stream=stream) as progress:
        with progress.step("plan.json: evaluating data.main.deny (1/1)"):
            import time

            time.sleep(0.3)
    assert stream.getvalue() == ""


def test_data_is_compiled_once_into_the_bundle(engine: RegopyEngine) -> None:
    compiled = engine.compile({"m.rego": "package m\nimport rego.v1\nx := data.natpolicy.k[input.key]\n"},
                              {"natpolicy": {"k": {"a": 1, "b": 2}}}, ["m/x"])
    assert engine.evaluate(compiled, "m/x", engine.prepare_input({"key": "b"})) == 2
    assert engine.evaluate(compiled, "m/x", engine.prepare_input({"key": "c"})) is UNDEFINED


def test_the_result_of_a_set_rule_is_a_json_array(engine: RegopyEngine) -> None:
    src = 'package p\nimport rego.v1\ndeny contains m if { some m in ["b", "a"] }\n'
    assert sorted(value(engine, src, "deny")) == ["a", "b"]  # type: ignore[arg-type]
    assert json.dumps(value(engine, src, "deny"))
