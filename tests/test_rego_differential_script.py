"""scripts/rego_differential.py: modules on every installed engine, the differences printed (a maintainer's tool)."""
from __future__ import annotations

from pathlib import Path

import pytest

from natpolicy.rego.engines import installed_engines
from tests.script_modules import load_script

script = load_script("rego_differential")


@pytest.mark.skipif(not {"regorus", "regopy"} <= set(installed_engines()), reason="needs regorus and regopy")
def test_modules_answered_alike_print_nothing_and_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # two differences this tool found, closed since: both engines now answer as OPA
    modules = tmp_path / "m.txt"
    modules.write_text('x := strings.count("aaa", "aa")\n---\nx := [k | {"b": 1, "a": 2}[k]]\n', encoding="utf-8")
    assert script.main([str(modules)]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "0 of 2 answered differently" in err
    assert script.main([str(modules), "--all"]) == 0
    assert capsys.readouterr().out.count("same: ") == 2


def test_the_generated_calls_are_the_same_for_one_seed() -> None:
    assert script.fuzz(20, 7) == script.fuzz(20, 7) != script.fuzz(20, 8)
    assert all(call.startswith("x := ") and call.endswith(")") for call in script.fuzz(50, 1))


def test_a_missing_file_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        script.main(["/nonexistent/modules.txt"])
    assert exited.value.code == 2 and "No such file" in capsys.readouterr().err


def test_the_default_mode_calls_are_of_the_operand_kind_table() -> None:
    from natpolicy.rego.operand_kinds import OPERAND_KINDS

    calls = script.fuzz_kinds(40, 3)
    assert calls == script.fuzz_kinds(40, 3) != script.fuzz_kinds(40, 4)
    names = {call.split("x := ", 1)[1].split("(", 1)[0] for call in calls}
    assert names <= set(OPERAND_KINDS) and any("vals[input." in call for call in calls)


@pytest.mark.skipif(not {"regorus", "regopy"} <= set(installed_engines()), reason="needs regorus and regopy")
def test_default_mode_guards_the_modules_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # object.get of null stops regorus unguarded (not a difference: loud); guarded both engines are undefined
    modules = tmp_path / "m.txt"
    modules.write_text('x := object.get(input.nul, "a", 0)\n', encoding="utf-8")
    assert script.main([str(modules), "--all"]) == 0
    assert "regorus: error" in capsys.readouterr().out
    assert script.main([str(modules), "--all", "--default-mode"]) == 0
    out = capsys.readouterr().out
    assert "regorus: ok UNDEFINED" in out and "regopy: ok UNDEFINED" in out


@pytest.mark.skipif(not {"regorus", "regopy"} <= set(installed_engines()), reason="needs regorus and regopy")
def test_kinds_measures_each_listed_operand(capsys: pytest.CaptureFixture[str]) -> None:
    assert script.main(["--kinds", "lower", "time.add_date"]) == 0
    out = capsys.readouterr().out
    assert "regorus  time.add_date #1 time <- numbers_array: value" in out  # [ns] is a time (topdown/time.go)
    assert "regorus  lower #1 string <- null: error" in out and "| guarded undefined" in out
    assert "ANSWERS" not in out and "CHANGED" not in out


def test_the_random_value_rules_are_the_same_for_one_seed_and_hold_no_whole_float() -> None:
    rules = script.random_values(30, 5)
    assert rules == script.random_values(30, 5) != script.random_values(30, 6)
    assert all(rule.startswith("x := [r | some p in [[") for rule in rules)
    assert not any(__import__("re").search(r"-?\d+\.0\]", rule) for rule in rules)  # 2.0 is refused as a literal


@pytest.mark.skipif(not {"regorus", "regopy"} <= set(installed_engines()), reason="needs regorus and regopy")
def test_random_values_answer_alike_on_both_engines(capsys: pytest.CaptureFixture[str]) -> None:
    # regopy's own `%` and `%v` of a non-integer answered otherwise before stop 30
    assert script.main(["--values", "6", "--seed", "1"]) == 0
    assert "0 of 6 answered differently" in capsys.readouterr().err


def test_the_random_string_rows_are_the_same_for_one_seed_and_hold_every_kind_of_text() -> None:
    pairs = script.random_strings(60, 5, rows=6)
    assert pairs == script.random_strings(60, 5, rows=6) != script.random_strings(60, 6, rows=6)
    assert all(rule.startswith("x := {q: r | some q, row in input.rows") for rule, _ in pairs)
    rows = [row for _, document in pairs for row in document["rows"]]
    texts = [row[name] for row in rows for name in "stu"]
    joined = "".join(texts)
    for kind in ('"', "'", "\\", "\n", "\x01", "%", "{", "}", "é", "中", "😀", "\u0301", "\u00a0"):
        assert kind in joined, repr(kind)
    assert "" in texts and {"1e2", "0x10", "true", "null"} & set(texts)
    numbers = [row["n"] for row in rows]
    assert any(isinstance(n, float) and 0 < abs(n) < 1e-6 for n in numbers)  # held in the input, not a literal
    assert any(isinstance(n, int) and abs(n) > 2**53 for n in numbers)
    assert any(isinstance(row["j"], (dict, list)) and row["j"] for row in rows)


def test_rows_whose_answers_differ_are_printed_with_their_input(capsys: pytest.CaptureFixture[str]) -> None:
    document = {"rows": [{"s": "a"}, {"s": "\u00a0b"}]}
    script._print_rows(document, [{"0": "a", "1": "b"}, {"0": "a", "1": "\u00a0b"}])
    out = capsys.readouterr().out
    assert "row 1:" in out and "row 0:" not in out and "'b' | '\\xa0b'" in out


@pytest.mark.skipif(not {"regorus", "regopy"} <= set(installed_engines()), reason="needs regorus and regopy")
def test_random_strings_answer_alike_on_both_engines(capsys: pytest.CaptureFixture[str]) -> None:
    # regopy's own trim_space, round past 2^63, split by a computed "" and its order of keys answered otherwise
    assert script.main(["--strings", "8", "--seed", "3", "--rows", "6"]) == 0
    assert "0 of 8 answered differently" in capsys.readouterr().err
    assert script.main(["--strings", "8", "--seed", "3", "--rows", "6", "--default-mode"]) == 0
    assert "0 of 8 answered differently" in capsys.readouterr().err


def test_the_random_loops_are_the_same_for_one_seed_and_array_comprehensions_of_several_iterations() -> None:
    rules = script.random_loops(40, 5)
    assert rules == script.random_loops(40, 5) != script.random_loops(40, 6)
    assert all(rule.startswith("x := [[") and " | " in rule for rule in rules)
    assert all(len(__import__("re").split(r"; |\n  ", rule)) >= 2 for rule in rules)  # two statements or more


@pytest.mark.skipif(not {"regorus", "regopy"} <= set(installed_engines()), reason="needs regorus and regopy")
def test_random_loops_answer_alike_on_both_engines(capsys: pytest.CaptureFixture[str]) -> None:
    # regopy ran independent loops in another order before stop 31 (regopy_loop_order)
    assert script.main(["--loops", "8", "--seed", "4"]) == 0
    assert "0 of 8 answered differently" in capsys.readouterr().err


rules_script = load_script("differential_rules")


def test_the_rule_modules_are_the_same_for_one_seed_and_mix_every_kind() -> None:
    modules = rules_script.random_rules(300, 4)
    assert modules == rules_script.random_rules(300, 4) != rules_script.random_rules(300, 5)
    bodies = [body for body, _ in modules]
    assert all("\nx := " in "\n" + body for body in bodies)
    text = "\n".join(bodies)
    for construct in (" contains ", "] := ", "else := ", "default ", "(v) := ", ".b.c := ", ".b[", "q_2"):
        assert construct in text, construct
    assert {key for _, document in modules for key in document} == {"a", "b", "xs", "o", "t", "z"}


@pytest.mark.skipif(not {"regorus", "regopy"} <= set(installed_engines()), reason="needs regorus and regopy")
def test_rule_modules_answer_alike_on_both_engines(capsys: pytest.CaptureFixture[str]) -> None:
    # before the fixes of 2026-12-06 a run of 3,000 found 5 (ref heads in conflict, regorus' function else)
    script.main(["--rules", "60", "--seed", "3", "--default-mode"])
    assert "0 of 60 answered differently" in capsys.readouterr().err


@pytest.mark.skipif(not {"regorus", "regopy"} <= set(installed_engines()), reason="needs regorus and regopy")
def test_a_rules_own_set_is_compared_in_opas_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # regopy lists these sets in its own order (arrays after sets; residue30's graph.reachable_paths row): OPA's
    # value is the sorted set, and natpolicy's findings sort a rule's own value, so they are no difference
    modules = tmp_path / "m.txt"
    modules.write_text('x := {[2], [1, 3], {"z"}, {"y", "b"}}\n---\n'
                       'x := graph.reachable_paths({"a": ["a", "b"], "b": []}, ["a"])\n', encoding="utf-8")
    assert script.main([str(modules), "--all"]) == 0
    out, err = capsys.readouterr()
    assert "0 of 2 answered differently" in err
    assert out.count("ok got [[1, 3], [2], ['b', 'y'], ['z']]") == 2  # OPA's order: arrays before sets


@pytest.mark.skipif("regopy" not in installed_engines(), reason="needs regopy")
def test_an_array_keeps_its_order_and_a_set_is_sorted() -> None:
    from natpolicy.rego.engines import create_engine
    from tests.test_rego_conformance import outcome

    engine = create_engine("regopy")

    def ordered(rule: str, value: list[object]) -> object:
        source = f"package p\nimport rego.v1\n{rule}\n"
        return script._sets_in_opa_order(outcome, engine, source, script.INPUT, value)

    # an array is the engine's answer as it stands, even unsorted: its order is part of the value
    assert ordered("x := [[2], [1, 3]]", [[2], [1, 3]]) == [[2], [1, 3]]
    assert ordered('x := {[2], {"z"}}', [["z"], [2]]) == [[2], ["z"]]
