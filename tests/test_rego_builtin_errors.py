"""A builtin failing on an operand of another kind: undefined by default (OPA's and conftest's mode), a stop with
``--strict-builtin-errors`` (``natpolicy.rego.builtin_errors``; the probes' answers are in
tests/test_rego_default_mode.py)."""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import CliResult, PlanBuilder
from natpolicy.rego.builtin_errors import Guarded, guard_operands, replaced_builtins
from natpolicy.rego.builtins import builtin_calls
from natpolicy.rego.engines import create_engine
from natpolicy.rego.loading import PolicyFile
from natpolicy.rego.operand_kinds import OPERAND_KINDS
from natpolicy.rego.source import scan_module
from tests.rego_answers import ENGINES, regopy_answer, regopy_stops
from tests.test_rego_conformance import PROBES
from tests.test_rego_default_mode import default_answer

Cli = Callable[..., CliResult]
V1 = "package main\n\nimport rego.v1\n\n"
GUARD = "__natpolicy_if_"


def guarded(source: str, v0: bool = False) -> Guarded:
    policy = PolicyFile(Path("p.rego"), "p.rego", source, scan_module(source))
    return guard_operands(source, [call for _, call in builtin_calls([policy])], v0, replaced_builtins([source]))


# -- the rewrite -----------------------------------------------------------------------

@pytest.mark.parametrize(("statement", "wrapped"), [
    ('object.get(r.after, "k", 0)', f'object.get({GUARD}object(r.after), "k", 0)'),
    ('startswith(r.name, "aws_")', f'startswith({GUARD}string(r.name), "aws_")'),
    ('contains(r.name, "x")', f'contains({GUARD}string(r.name), "x")'),
    ('count(r.list) > 0', f'count({GUARD}countable(r.list)) > 0'),
    ('concat(",", r.names)', f'concat(",", {GUARD}strings(r.names))'),
    ('lower(upper(r.n))', f'lower(upper({GUARD}string(r.n)))'),  # upper's result is a string already
    ('regex.match(r.p, r.v)', f'regex.match({GUARD}pattern(r.p), {GUARD}string(r.v))'),  # a pattern Go compiles
    ('regex.replace(r.v, r.p, "-")', f'regex.replace({GUARD}string(r.v), {GUARD}pattern(r.p), "-")'),
    # time.add_date reads [ns, tz] as time.date does; its other operands are integers
    ('time.add_date(r.t, r.y, 0, 0)', f'time.add_date({GUARD}time(r.t), {GUARD}number(r.y), 0, 0)'),
    ('object.union_n(r.list)', f'object.union_n({GUARD}objects(r.list))'),
    ('object.subset(r.a, r.b)', f'object.subset({GUARD}keys(r.a), {GUARD}keys(r.b))'),
    ('numbers.range_step(1, r.n, r.s)', f'numbers.range_step(1, {GUARD}number(r.n), {GUARD}number(r.s))'),
    ('uuid.parse(r.id)', f'uuid.parse({GUARD}string(r.id))'),
    ('json.marshal_with_options(r.v, r.o)', f'json.marshal_with_options(r.v, {GUARD}object(r.o))'),
    ('graph.reachable_paths(r.g, r.from)', f'graph.reachable_paths({GUARD}object(r.g), {GUARD}collection(r.from))'),
    # text OPA reads (tests/test_rego_value_guards.py): a literal string too, whose text no kind tells
    ('json.unmarshal(r.doc)', f'json.unmarshal({GUARD}json_text(r.doc))'),
    ('to_number(r.n)', f'to_number({GUARD}numeric(r.n))'),
    ('to_number("1,5")', f'to_number({GUARD}numeric("1,5"))'),
])
def test_each_operand_of_a_checked_kind_is_guarded(statement: str, wrapped: str) -> None:
    text = guarded(V1 + f"x if {{\n  some r in input.rs\n  {statement}\n}}\n").text
    assert f"  {wrapped}\n" in text
    assert text.split("\n")[6] == f"  {wrapped}"  # on the policy's own line


@pytest.mark.parametrize("statement", [
    'startswith("aws_x", "aws_")',  # literals show their kind
    'count([1, 2]) > 0',
    'count({x | some x in input.xs}) > 0',
    'object.keys({"a": 1})',
    'json.marshal(input.x)',  # any value
    'object.get({"a": 1}, input.k, input.d)',  # the key and default may be anything
    'is_string(input.x)',
    'regex.is_valid(input.p)',  # answers false, never fails
    'regex.match("^a", "ab") == regex.match(`[b]`, "b")',  # a literal pattern Go refuses is refused at load
    'sprintf("%v", [input.x])',
    'glob.match("a*", null, "ab")',
    'data.lib.lower(input.x)',  # a function of the policies, not the builtin
    'set() == set()',
    'uuid.rfc4122(input.x)',  # OPA hashes any value (topdown/uuid.go)
    'net.cidr_contains_matches(input.a, input.b)',  # set() for an operand of no collection kind (cidr.go)
    'time.add_date([0, "UTC"], 1, 0, 0)',  # an array literal is a time
    'json.marshal_with_options(input.x, {"pretty": true})',
    'to_number(5)',  # a number or null to_number takes as it is
    'to_number(null)',
])
def test_operands_whose_kind_is_known_or_unchecked_are_left_alone(statement: str) -> None:
    source = V1 + f"x if {{\n  {statement}\n}}\n"
    assert guarded(source).text == source


def test_a_function_of_the_package_named_like_a_builtin_dotted_is_not_guarded() -> None:
    source = V1 + 'strings.pad(s) := concat("", [s, " "])\n\nx := strings.pad(input.s)\n'
    assert f"{GUARD}" not in guarded(source).text.split("\n")[6]


def test_a_builtin_replaced_with_with_is_left_alone_everywhere() -> None:
    source = V1 + ('f(a, b) := true\n\nx if startswith(input.a, "p")\n\n'
                   'y if { x with startswith as f }\n\nz := lower(input.b)\n')
    text = guarded(source).text
    assert 'startswith(input.a, "p")' in text and f"lower({GUARD}string(input.b))" in text


def test_the_contains_keyword_is_no_call() -> None:
    source = V1 + ('deny contains msg if {\n  contains(input.a, "b")\n  msg := "m"\n}\n\n'
                   'a.b[k] contains (k) if true\n\nc := contains(input.c, "d")\n')
    text = guarded(source).text
    assert text.startswith(V1 + "deny contains msg if {\n") and f'contains({GUARD}string(input.a), "b")' in text
    assert "a.b[k] contains (k) if true" in text and f'c := contains({GUARD}string(input.c), "d")' in text


def test_element_guards_read_elements_in_a_set_comprehension() -> None:
    # an array comprehension over a set is read sorted on regopy, which stops on a set of sets (union's own operand)
    text = guarded(V1 + "x := union(input.s)\n").text
    assert "{__natpolicy_e | __natpolicy_e := __natpolicy_x[_]; not is_set(__natpolicy_e)} == set()" in text
    assert "[__natpolicy_e |" not in text


def test_guards_are_appended_in_the_modules_rego_version() -> None:
    v1 = guarded(V1 + "x := lower(input.a)\n").text
    v0 = guarded('package main\n\ndeny[m] { m := lower(input.a) }\n', v0=True).text
    assert f"{GUARD}string(__natpolicy_x) := __natpolicy_x if {{ is_string(__natpolicy_x) }}" in v1
    assert f"{GUARD}string(__natpolicy_x) = __natpolicy_x {{ is_string(__natpolicy_x) }}" in v0


def test_columns_map_back_to_the_policys_own() -> None:
    source = V1 + 'x := object.get(input.a, "k", lower(input.b))\n'
    g = guarded(source)
    line = g.text.split("\n")[4]
    column = line.index("lower") + 1
    assert g.original_column(5, column) == source.split("\n")[4].index("lower") + 1
    assert g.original_offset(g.text.index('"k"')) == source.index('"k"')


# -- on the engines --------------------------------------------------------------------------------

PLAN_POLICY = V1 + ('deny contains msg if {\n  some r in input.resource_changes\n'
                    '  tags := object.get(r.change.after, "tags", {})\n  not tags.owner\n'
                    '  msg := sprintf("%s has no owner tag", [r.address])\n}\n')


def deleting_plan(tmp_path: Path) -> Path:
    """One resource deleted (its ``after`` is null), one created without tags."""
    return (PlanBuilder()
            .delete("null_resource.gone", {"triggers": {"k": "v"}})
            .create("null_resource.new", {"triggers": {"k": "w"}})
            .write(tmp_path / "plan.json"))


def policy_dir(tmp_path: Path, source: str) -> Path:
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "p.rego").write_text(source, encoding="utf-8")
    return tmp_path / "policy"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_builtin_failing_on_null_is_undefined_by_default(cli: Cli, tmp_path: Path, engine: str) -> None:
    plan, policies = deleting_plan(tmp_path), policy_dir(tmp_path, PLAN_POLICY)
    result = cli("check", str(plan), "-p", str(policies), "--rego-engine", engine, "--format", "json",
                 "--no-progress")
    assert result.code == 1, result.err
    assert [f["message"] for f in result.json()["findings"] if "/" in f["rule_id"]] == [
        "null_resource.new has no owner tag"]


@pytest.mark.parametrize("flag", ["--strict-builtin-errors", "--show-builtin-errors"])
def test_strict_builtin_errors_stop_with_the_policys_line(cli: Cli, tmp_path: Path, flag: str) -> None:
    if "regorus" not in ENGINES:
        pytest.skip("strict mode needs regorus")
    plan, policies = deleting_plan(tmp_path), policy_dir(tmp_path, PLAN_POLICY)
    result = cli("check", str(plan), "-p", str(policies), "--rego-engine", "regorus", flag, "--no-progress")
    assert result.code == 2
    assert "p.rego:7:" in result.err and "`object.get` expects object argument. Got null instead" in result.err


def test_strict_builtin_errors_from_the_config_file(cli: Cli, tmp_path: Path) -> None:
    if "regorus" not in ENGINES:
        pytest.skip("strict mode needs regorus")
    plan, policies = deleting_plan(tmp_path), policy_dir(tmp_path, PLAN_POLICY)
    config = tmp_path / ".natpolicy.yaml"
    config.write_text("strict-builtin-errors: true\n", encoding="utf-8")
    result = cli("check", str(plan), "-p", str(policies), "--config", str(config), "--rego-engine", "regorus",
                 "--no-progress")
    assert result.code == 2 and "expects object argument" in result.err


def test_regopy_refuses_strict_mode_it_cannot_hold(cli: Cli, tmp_path: Path) -> None:
    if "regopy" not in ENGINES:
        pytest.skip("regopy is not installed")
    plan, policies = deleting_plan(tmp_path), policy_dir(tmp_path, PLAN_POLICY)
    result = cli("check", str(plan), "-p", str(policies), "--rego-engine", "regopy", "--strict-builtin-errors",
                 "--no-progress")
    assert result.code == 2 and result.err.count("\n") == 1
    assert "regopy 1.5.2 answers undefined there" in result.err


@pytest.mark.parametrize("engine", ENGINES)
def test_a_runtime_error_names_the_policys_own_column(cli: Cli, tmp_path: Path, engine: str) -> None:
    # hex.decode fails on the text itself (no guard reads it): the stop names its operand (regorus' column)
    # where the policy has it, although a guard was inserted before it on the line.
    source = V1 + ('deny contains "d" if {\n  some r in input.resource_changes\n'
                   '  object.get(r, "k", 1) == hex.decode(r.type)\n}\n')
    plan, policies = deleting_plan(tmp_path), policy_dir(tmp_path, source)
    result = cli("check", str(plan), "-p", str(policies), "--rego-engine", engine, "--no-progress")
    assert result.code == 2
    if engine == "regorus":
        assert f"p.rego:7:{source.split(chr(10))[6].index('hex.decode(') + len('hex.decode(') + 1}: " in result.err, result.err
    else:
        assert "hex.decode at" in result.err and "p.rego:7" in result.err, result.err


def test_an_arithmetic_stop_after_a_guarded_operand_names_the_policys_line(cli: Cli, tmp_path: Path) -> None:
    if "regorus" not in ENGINES:
        pytest.skip("regorus is not installed here")
    # object.get's result is guarded as a number for `+`, before the `/` whose quotient no float64 holds (the
    # column is the rewritten call's, in either mode: arith_regorus)
    source = V1 + ('deny contains r.address if {\n  some r in input.resource_changes\n'
                   '  object.get(r, "k", 1) + count(r.address) / 3 > 0\n}\n')
    plan, policies = deleting_plan(tmp_path), policy_dir(tmp_path, source)
    result = cli("check", str(plan), "-p", str(policies), "--rego-engine", "regorus", "--no-progress")
    assert result.code == 2 and "div: OPA's answer has more digits" in result.err, result.err
    assert re.search(r"p\.rego:7:\d+: div", result.err), result.err


def test_the_action_gate_keeps_strict_builtin_errors_of_the_base_branch(tmp_path: Path) -> None:
    from natpolicy.action_gate import merge
    from natpolicy.config import Config

    data, relaxed = merge(Config(strict_builtin_errors=True), Config(), lambda p: p, tmp_path / "copies")
    assert data["strict-builtin-errors"] is True and [r.setting for r in relaxed] == ["strict-builtin-errors"]
    data, relaxed = merge(Config(), Config(strict_builtin_errors=True), lambda p: p, tmp_path / "copies")
    assert data["strict-builtin-errors"] is True and not relaxed


def test_a_syntax_error_is_placed_in_the_policys_own_text(cli: Cli, tmp_path: Path) -> None:
    if "regorus" not in ENGINES:
        pytest.skip("compared with the strict run, which needs regorus")
    source = V1 + 'deny contains concat(",", input.a) if { x := 1 + }\n'
    plan, policies = deleting_plan(tmp_path), policy_dir(tmp_path, source)
    args = ("check", str(plan), "-p", str(policies), "--rego-engine", "regorus", "--no-progress")
    default, strict = cli(*args), cli(*args, "--strict-builtin-errors")
    assert default.code == strict.code == 2
    assert default.err == strict.err and "p.rego:5:39: " in default.err, default.err


def test_a_package_defining_contains_calls_its_own_function(cli: Cli, tmp_path: Path) -> None:
    # A Rego v0 idiom: `contains(arr, elem)` defined by the policy, called with an array. Guarding it as the
    # string builtin would make `not contains(...)` hold for every element: a finding on every resource.
    source = ('package main\n\ncontains(arr, elem) {\n  arr[_] = elem\n}\n\n'
              'deny[msg] {\n  r := input.resource_changes[_]\n  not contains(["null_resource"], r.type)\n'
              '  msg := r.address\n}\n')
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "other.rego").write_text('package main\n\nwarn[m] {\n  contains(["x"], "x")\n  m := "w"\n}\n',
                                                 encoding="utf-8")
    plan, policies = deleting_plan(tmp_path), policy_dir(tmp_path, source)
    result = cli("check", str(plan), "-p", str(policies), "-p", str(tmp_path / "lib"), "--rego-version", "v0",
                 "--rego-engine", "regorus", "--format", "json", "--no-progress")
    if "regorus" not in ENGINES:
        pytest.skip("Rego v0 runs on regorus")
    assert [f["message"] for f in result.json()["findings"] if "/" in f["rule_id"]] == ["w"], result.err
    assert guarded(source, v0=True).text == source  # the rewrite alone leaves it too; the set does for other files


# Probes whose failing calls OPA's default mode makes undefined, and which the table's kinds now answer as OPA does on
# each engine (before, a guard too narrow made them undefined, or one too wide let the engine stop): the default-mode
# test accepts a stop, so these hold the answer itself. regopy stops on time.add_date of [ns, tz] by design.
ANSWERED_IN_DEFAULT_MODE = {
    "builtin-error-time-add-date-of-ns-and-zone": ("regorus",),
    "time-add-date-of-ns-and-zone-from-the-input": ("regorus",),
    "builtin-error-object-union-n-element-of-another-kind": ("regorus", "regopy"),
    "builtin-error-object-subset-of-a-scalar": ("regorus", "regopy"),
    "builtin-error-union-of-a-set-of-sets": ("regorus", "regopy"),
    "builtin-error-numbers-range-step-of-null": ("regorus", "regopy"),
    "builtin-error-uuid-parse-of-null": ("regorus", "regopy"),
    "builtin-error-graph-reachable-paths-from-a-string": ("regorus", "regopy"),
    "builtin-error-json-marshal-with-options-of-null-options": ("regorus", "regopy"),
    "builtin-error-of-a-value-not-a-kind": ("regorus", "regopy"),
    "builtin-error-to-number-of-text-go-does-not-read": ("regorus", "regopy"),
    "builtin-error-to-number-near-miss": ("regorus", "regopy"),
    "builtin-error-json-unmarshal-of-text-that-is-no-json": ("regorus", "regopy"),
    "builtin-error-arithmetic-of-another-kind": ("regorus", "regopy"),
    "builtin-error-division-by-zero": ("regorus", "regopy"),
    "builtin-error-set-difference-of-another-kind": ("regorus", "regopy"),
    "builtin-error-arithmetic-near-miss": ("regorus", "regopy"),
    "builtin-error-modulo-of-a-fraction": ("regopy",),  # regorus stops (loud): docs/rego.md
    "builtin-error-regex-pattern-go-refuses": ("regorus", "regopy"),
    "builtin-error-regex-pattern-near-miss": ("regorus", "regopy"),
}


@pytest.mark.parametrize(("name", "engine"), [(name, engine) for name, engines in ANSWERED_IN_DEFAULT_MODE.items()
                                              for engine in engines if engine in ENGINES])
def test_the_table_answers_these_probes_as_opas_default_mode(name: str, engine: str) -> None:
    probe = next(p for p in PROBES if p["name"] == name)
    expected = probe["opa_default"] if "opa_default" in probe else probe["expect"]
    assert default_answer(create_engine(engine), probe) == ("ok", expected)


def test_regopy_stops_on_time_add_date_of_ns_and_zone() -> None:
    if "regopy" not in ENGINES:
        pytest.skip("regopy is not installed")
    regopy_stops("time.add_date(input.t, 0, 1, 0)", "time.add_date", {"t": [0, "UTC"]})
    assert regopy_answer("time.add_date(input.t, 0, 1, 0)", {"t": 1580428800000000000}) == 1583107200000000000


def test_regopy_stops_on_uuid_rfc4122_of_a_key_that_is_no_string() -> None:
    if "regopy" not in ENGINES:
        pytest.skip("regopy is not installed")
    regopy_stops("uuid.rfc4122(input.k)", "uuid.rfc4122", {"k": 1})  # OPA: a UUID (any key), regopy undefined
    assert len(regopy_answer("uuid.rfc4122(input.k)", {"k": "a"})) == 36


def test_regopy_answers_graph_reachable_over_a_node_holding_a_number() -> None:
    if "regopy" not in ENGINES:
        pytest.skip("regopy is not installed")
    # OPA: ["a"] and [["a"]] (a node holding no array or set has no edges); regopy was undefined (it stopped until
    # residue29; the value goes to regopy as null now, which it reads as no edges too)
    assert regopy_answer('graph.reachable(input.g, ["a"])', {"g": {"a": 1}}) == ["a"]
    assert regopy_answer('graph.reachable_paths(input.g, ["a"])', {"g": {"a": 1}}) == [["a"]]
    assert regopy_answer('graph.reachable_paths(input.g, ["a"])', {"g": {"a": ["b"], "b": []}}) == [["a", "b"]]
    assert regopy_answer('graph.reachable(input.g, ["z"])', {"g": {"a": ["b"]}}) == []


@pytest.mark.skipif("regorus" not in ENGINES, reason="regorus is not installed here")
def test_every_guard_is_rego_v0_too() -> None:
    """The guards appended to a Rego v0 module parse as v0: no `some ... in`, which v0 reads only with
    `import future.keywords.in` (the numeric guard's once broke every v0 policy calling to_number on regorus)."""
    engine = create_engine("regorus")
    for name, kinds in OPERAND_KINDS.items():
        arguments = ", ".join(f"input.a{k}" for k in range(len(kinds)))
        source = f"package p\n\nx = y {{\n  y := {name}({arguments})\n}}\n"
        policy = PolicyFile(Path("p.rego"), "p.rego", source, scan_module(source))
        guarded = guard_operands(source, [call for _, call in builtin_calls([policy])], True).text
        engine.compile({"p.rego": guarded}, None, ["p/x"], rego_version="v0")  # raises PolicySyntaxError


@pytest.mark.skipif("regorus" not in ENGINES, reason="regorus is not installed here")
def test_a_rego_v0_policy_calling_to_number_answers_in_opas_default_mode() -> None:
    engine = create_engine("regorus")
    source = 'package p\n\ndeny[msg] {\n  n := to_number(input.a)\n  n > 1\n  msg := "big"\n}\n'
    policy = PolicyFile(Path("p.rego"), "p.rego", source, scan_module(source))
    guarded = guard_operands(source, [call for _, call in builtin_calls([policy])], True).text
    compiled = engine.compile({"p.rego": guarded}, None, ["p/deny"], rego_version="v0")
    assert engine.evaluate(compiled, "p/deny", engine.prepare_input({"a": "5e2"})) == ["big"]
    assert engine.evaluate(compiled, "p/deny", engine.prepare_input({"a": "5e400"})) == []  # undefined, as OPA
