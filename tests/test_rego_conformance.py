"""OPA conformance: every probe of ``tests/rego_probes/probes.yaml`` on every installed Rego engine.

Each probe carries the answer OPA gives. An engine must give that answer, or
refuse the probe before anything runs (``natpolicy.rego.guards``, a builtin
it lacks, a compile error), with one line naming the construct and its line;
a loud evaluation error naming the line is accepted too. A different answer
is a silent difference: each one known is named in KNOWN_SILENT and in
docs/rego.md ("What no check can see"), and this test fails when the list is
wrong in either direction.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from natpolicy.errors import InputError
from natpolicy.rego.builtins import refuse_unknown_calls
from natpolicy.rego.conftest_numbers import InputNumberError
from natpolicy.rego.engine import UNDEFINED, EvaluationError, PolicySyntaxError, RegoEngine
from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.guards import engine_refusals, refuse_for_engine
from natpolicy.rego.input_json import loads
from natpolicy.rego.loading import PolicyFile
from natpolicy.rego.regorus_else import bind_else_values
from natpolicy.rego.regorus_heads import bind_heads
from natpolicy.rego.regorus_some import hoist_declarations
from natpolicy.rego.source import char_line_col, line_col, scan_module

PROBES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "rego_probes" / "probes.yaml").read_text(encoding="utf-8"))
ENGINES = installed_engines()
# What an engine answers differently from OPA where no guard can see it in
# the source (it depends on the values). Documented in docs/rego.md.
KNOWN_SILENT: dict[str, set[str]] = {
    # What no guard saw before is refused by natpolicy.rego.static_checks (unsafe variables) and type_check (the
    # type errors OPA infers), formatted by natpolicy itself on regorus (sprintf_opa) or rewritten for regopy by
    # natpolicy.rego.regopy_rewrite, regopy_compare and sprintf_regopy (set and object order, sort, comparisons
    # across kinds, sprintf). A new silent difference must be named here and in docs/rego.md.
    # regorus 0.13.0 orders an object after a set (OPA: before): comparisons, sort/min/max, sets iterated in an
    # array comprehension (through any bracket) and a rule's own value that may meet the two stop the query by line
    # (regorus_order, engine_regorus). Its lower/upper, urlquery.*, time.format, time.add_date, uuid.parse,
    # indexof, indexof_n, strings.count and glob.quote_meta are replaced by OPA's, in Python (case_opa, urlquery_opa,
    # time_opa, uuid_opa, text_opa); yaml.unmarshal is read by natpolicy as go-yaml v2 reads it (yaml_opa); count's
    # argument is wrapped so a string counts characters, not UTF-16 code units (runes_opa).
    # A negated call's ref operands are bound before the `not` on both engines, as OPA's compiler does
    # (negated_operands).
    # json.marshal of an object keyed by 1 and by "1" wrote both keys (OPA: one, the string's value): it stops
    # (regorus_order's marshal sites).
    # An object keyed by both an object and a set iterated in an array comprehension (regorus lists the set first)
    # stops, in a run that may key an object by a set (regorus_object_keys).
    # Its time.parse_rfc3339_ns is Go's time.Parse(time.RFC3339, ...), in Python (rfc3339_opa).
    "regorus": set(),
    # regopy 1.5.2 has no hook for natpolicy's own builtins: abs, ceil, floor, round, trim_space, format_int,
    # base64.is_valid, contains, endswith, trim_suffix, strings.any_suffix_match (searched in the escaped form),
    # strings.replace_n, object.union_n, object.union, semver.compare, urlquery.*, uuid.parse, time.format,
    # time.diff, the decoders, indexof and strings.count are renamed to functions that answer as OPA or stop the
    # query by line (regopy_builtins, regopy_web, regopy_time, regopy_stops); regular expressions RE2 reads
    # otherwise are refused (regopy_patterns) and strings are ordered as OPA orders them (regopy_compare).
    # regopy 1.5.2 computes non-integer + - * / otherwise than OPA's 64-bit big.Float (0.3 - 0.1 == 0.2 is true
    # there, 1 / 3 has 16 digits, OPA's 20) and has no hook for natpolicy's extension: such arithmetic stops the
    # query by line, integer arithmetic answers (regopy_arith). Its time.parse_ns reads numbers of another width
    # than Go's layout elements take ("2020-03-4" for 2006-01-02, OPA's error) and is refused (guards).
    # It compares objects by their keys' text ({1: 4} == {"1": 4}): an object keyed by no string read whole is
    # refused or stops, one only looked up answers (regopy_keys, regopy_lookups); a partial object rule queried
    # whose answer writes two keys of one text as one stops (regopy_queried).
    # It scheduled independent iterations of an array comprehension in another order: each later one reads the
    # earlier ones' names now (regopy_loop_order).
    # A variable bound only by a head's key or another else branch is refused (static_checks, head_terms); an else
    # chain's head terms are moved into each branch's own body (regopy_first_binding).
    # A partial object's key and value and a ref head's bracket keys that compute are moved into the body, as OPA's
    # compiler moves them (regopy_head_keys): regopy answered `y[input.rs[i].s] := 1` read by another rule `{}`.
    "regopy": set(),
    "opa": set(),
}


@pytest.fixture(scope="module", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> RegoEngine:
    return create_engine(request.param)


def probe_input(engine: RegoEngine, probe: dict[str, Any]) -> Any:
    """The probe's input as natpolicy prepares it: ``input_json`` is a JSON file's text (a plan's, as
    natpolicy.rego.child hands it: as it is where the engine parses JSON, else read by input_json), where a
    number's text matters (`-0`, which YAML cannot give); ``input_yaml`` a YAML file's text; ``input`` a document."""
    if "input_yaml" in probe:
        # A YAML file's text, read as natpolicy reads a YAML input (go-yaml v2's scalars: yaml_goyaml).
        from natpolicy.rego.documents import parse_yaml_documents

        return engine.prepare_input(parse_yaml_documents(probe["input_yaml"], "input.yaml")[0])
    if "input_json" in probe:
        from_text = getattr(engine, "prepare_input_json", None)
        return from_text(probe["input_json"]) if from_text is not None else \
            engine.prepare_input(loads(probe["input_json"]))
    return engine.prepare_input(probe.get("input") or {})


def outcome(engine: RegoEngine, probe: dict[str, Any]) -> tuple[str, str]:
    """("ok" | "refused" | "error" | "silent", detail) of one probe on one engine."""
    source = probe["source"]
    refusals = engine_refusals(source, engine.name)
    if refusals:
        line, _ = char_line_col(source, refusals[0][0])
        return "refused", f"p.rego:{line}: {refusals[0][1]}"
    policy = PolicyFile(Path("p.rego"), "p.rego", source, scan_module(source))
    try:
        refuse_unknown_calls([policy], engine.is_builtin, engine.name)
    except InputError as exc:
        return "refused", f"{exc.source}: {exc.problem}"
    entry = f"p/{probe['rule']}"
    try:
        compiled = engine.compile({"p.rego": source}, None, [entry], rego_version=probe.get("rego_version", "v1"))
    except PolicySyntaxError as exc:
        line, _ = line_col(source, exc.offset)
        return "refused", f"p.rego:{line}: {exc.message}"
    except EvaluationError as exc:
        return "refused", exc.message
    try:
        value = engine.evaluate(compiled, entry, probe_input(engine, probe))
    except EvaluationError as exc:
        return "error", exc.message
    except InputNumberError as exc:  # an input the engine cannot hold as conftest hands it: refused, one line
        return "refused", str(exc)
    expected = UNDEFINED if probe.get("undefined") else probe.get("expect")
    if not probe.get("refused") and value == expected:
        return "ok", ""
    return "silent", f"got {value!r}, OPA: {'refused' if probe.get('refused') else expected!r}"


@pytest.mark.parametrize("probe", PROBES, ids=[p["name"] for p in PROBES])
def test_each_probe_is_answered_as_opa_does_or_refused(engine: RegoEngine, probe: dict[str, Any]) -> None:
    if engine.name == "regopy" and "opa_default" in probe:
        # regopy 1.5.2 answers most failing builtins as undefined: it never runs in OPA's strict mode (natpolicy
        # refuses --strict-builtin-errors on it), so its answers are OPA's default mode's (test_rego_default_mode).
        pytest.skip("regopy runs builtin errors in OPA's default mode only")
    kind, detail = outcome(engine, probe)
    if probe["name"] in KNOWN_SILENT[engine.name]:
        assert kind == "silent", f"{probe['name']} is no longer a silent difference on {engine.name}: {kind}"
        return
    assert kind != "silent", f"{engine.name} answers {probe['name']} differently from OPA: {detail}"
    if probe.get("refused"):
        assert kind in ("refused", "error"), detail
    if kind == "refused":
        assert "\n" not in detail and detail, detail
    if kind == "error" and engine.name == "regorus":
        assert re.match(r"p\.rego:\d+:\d+: ", detail), detail  # the line, never a bare message


def test_regorus_answers_what_the_issue_found_regopy_missing() -> None:
    if "regorus" not in ENGINES:
        pytest.skip("regorus is not installed here")
    engine = create_engine("regorus")
    ok = {p["name"] for p in PROBES if outcome(engine, p)[0] == "ok"}
    assert {"builtin-arg-startswith-some-i", "builtin-arg-lower-tags-k", "builtin-arg-count-actions",
            "builtin-arg-wildcard", "time-parse-rfc3339-ns", "indexof-n", "sprintf-q", "sprintf-s-array",
            "set-order-concat", "set-order-comprehension", "with-input", "trace-call", "net-cidr-contains",
            "v0-partial-set"} <= ok


@pytest.mark.parametrize(("engine_name", "names"), [
    ("regorus", ("to-number-text-kept-in-sprintf", "number-literal-bound-then-sprintf", "sprintf-whole-float-literal",
                 "to-number-text-near-miss-through-a-name-in-sprintf", "to-number-text-near-miss-read-by-value",
                 "to-number-text-near-miss-as-held", "number-literal-bound-read-by-value",
                 "number-literal-bound-then-sprintf-verbs", "number-literal-bound-twice-then-sprintf")),
    # regopy's rewritten sprintf formats a whole float literal's text itself (number_texts_regopy, sprintf_regopy).
    ("regopy", ("sprintf-whole-float-literal", "number-literal-bound-read-by-value",
                "number-literal-bound-then-sprintf-verbs", "number-literal-bound-twice-then-sprintf")),
])
def test_number_texts_are_answered_exactly(engine_name: str, names: tuple[str, ...]) -> None:
    """Where OPA keeps a number's text and only sprintf shows it, the engine answers, not refuses (number_texts)."""
    if engine_name not in ENGINES:
        pytest.skip(f"{engine_name} is not installed here")
    engine = create_engine(engine_name)
    assert {name: outcome(engine, next(p for p in PROBES if p["name"] == name))[0] for name in names} \
        == dict.fromkeys(names, "ok")


@pytest.mark.parametrize("engine_name", ["regorus", "regopy"])
@pytest.mark.parametrize("probe_name", ["to-number-text-kept-in-json-marshal", "to-number-text-kept-as-an-index",
                                        "to-number-text-kept-as-a-key", "to-number-text-kept-through-a-name-in-sprintf"])
def test_to_number_stops_where_its_text_would_show(engine_name: str, probe_name: str) -> None:
    if engine_name not in ENGINES:
        pytest.skip(f"{engine_name} is not installed here")
    kind, detail = outcome(create_engine(engine_name), next(p for p in PROBES if p["name"] == probe_name))
    assert kind == "error" and "to_number" in detail and re.search(r"p\.rego:[23]\b", detail), detail


def test_the_probe_file_covers_every_category_of_the_issue() -> None:
    categories = {p["category"] for p in PROBES}
    assert {"builtin-arg variable binding", "time.parse_rfc3339_ns", "indexof_n", "sprintf verbs",
            "set and sort order", "with", "trace", "net.cidr_contains", "rego.metadata.rule",
            "strings.render_template", "unsafe vars refused at compile", "type errors refused at compile",
            "undefined sprintf args", "v0 syntax", "some declarations"} <= categories
    assert len({p["name"] for p in PROBES}) == len(PROBES)


@pytest.mark.parametrize(("engine_name", "probe_name", "says"), [
    ("regorus", "sprintf-star-width", "sprintf verb '%*d'"),
    ("regorus", "sprintf-whole-float-literal-nested", "number 1.0 in a sprintf argument"),
    ("regopy", "sprintf-whole-float-literal-nested", "number 1.0 in a sprintf argument"),
    ("regorus", "opa-runtime-refused", "opa.runtime(): regorus 0.13.0 answers its own fields"),
    ("regopy", "opa-runtime-refused", "opa.runtime(): regopy 1.5.2 answers its own fields"),
    ("regopy", "number-literal-bound-then-json-marshal", "number 10.0: OPA keeps its text"),
    ("regorus", "number-literal-bound-then-json-marshal", "number 10.0: OPA keeps its text"),
    ("regopy", "sprintf-extra-argument", "sprintf with more arguments than verbs"),
    ("regorus", "rego-metadata-rule", "rego.metadata.rule is not a builtin of regorus 0.13.0"),
    ("regopy", "hoist-left-in-every-body", "`k` is first bound inside the argument of startswith(...), in an `every`"),
    ("regopy", "sprintf-x-string", "sprintf verb '%x'"),
    ("regopy", "net-cidr-contains", "net.cidr_contains is not a builtin of regopy 1.5.2"),
    ("regopy", "time-parse-rfc3339-ns", "time.parse_rfc3339_ns is silently undefined"),
])
def test_refusals_name_the_construct_and_its_line(engine_name: str, probe_name: str, says: str) -> None:
    if engine_name not in ENGINES:
        pytest.skip(f"{engine_name} is not installed here")
    probe = next(p for p in PROBES if p["name"] == probe_name)
    kind, detail = outcome(create_engine(engine_name), probe)
    assert kind == "refused" and says in detail, detail
    assert re.match(r"p\.rego:\d+", detail), detail


def test_regopy_reports_where_a_wildcard_in_a_call_argument_is() -> None:
    # rego-cpp's error node has the message but no place; natpolicy reads the place it prints. (In an `every`
    # body, regopy_hoist leaves the ref in place.)
    if "regopy" not in ENGINES:
        pytest.skip("regopy is not installed here")
    source = "package p\nx if {\n  every r in input.rs {\n    upper(input.rs[_].type) == r\n  }\n}\n"
    with pytest.raises(PolicySyntaxError) as caught:
        create_engine("regopy").compile({"p.rego": source}, None, ["p/x"])
    assert caught.value.message == "Invalid bracket argument"
    assert line_col(source, caught.value.offset) == (4, 20)


def test_regorus_heads_that_compute_are_bound_in_the_body_on_the_same_lines() -> None:
    source = ('package p\ndeny contains sprintf("%s", [r.tags.owner]) if {\n  some r in input.rs\n}\n'
              'owner[r.name] := r.tags.owner if {\n  some r in input.rs\n}\n'
              'warn contains concat("", ["n=", format_int(count(input.rs), 10)]) if true\n'
              'deny contains msg if {\n  msg := "plain"\n}\n')
    out = bind_heads(source)
    assert out.count("\n") == source.count("\n")
    # bound at the end of the body, where OPA evaluates a head: only once the body holds
    assert "deny contains __natpolicy_head if {\n  some r in input.rs; __natpolicy_head := (sprintf(" in out
    assert "some r in input.rs; __natpolicy_key := (r.name); __natpolicy_value := (r.tags.owner)\n}" in out
    assert 'warn contains __natpolicy_head if { true; __natpolicy_head := (concat(' in out and out.count(" }\n") == 1
    assert out.endswith('deny contains msg if {\n  msg := "plain"\n}\n')  # a plain head is left alone


@pytest.mark.parametrize(("engine_name", "names"), [
    # regorus stopped on these ("var i is unsafe", "rules must not produce multiple outputs"), where OPA answers:
    # a bodyless rule gets OPA's body `true` for its moved terms, an `if COND` body ends at its `else`.
    ("regorus", ("head-key-bound-by-its-moved-value", "head-key-bound-by-its-moved-value-ref-head",
                 "head-key-bound-by-its-moved-value-v0", "head-key-bound-by-its-moved-value-over-lines",
                 "else-chain-unbraced-first-body-binds-its-row",
                 "else-chain-unbraced-first-body-binds-its-row-else-on-next-line",
                 "else-chain-unbraced-function-body-binds-its-row")),
    ("regopy", ("head-key-bound-by-its-moved-value", "head-key-bound-by-its-moved-value-ref-head",
                "else-chain-unbraced-first-body-binds-its-row",
                "else-chain-unbraced-first-body-binds-its-row-else-on-next-line",
                "else-chain-unbraced-function-body-binds-its-row")),
])
def test_heads_moved_into_a_body_are_answered(engine_name: str, names: tuple[str, ...]) -> None:
    if engine_name not in ENGINES:
        pytest.skip(f"{engine_name} is not installed here")
    engine = create_engine(engine_name)
    by_name = {p["name"]: p for p in PROBES}
    assert {name: outcome(engine, by_name[name])[0] for name in names} == {name: "ok" for name in names}


def test_regorus_heads_without_a_body_get_one_on_the_same_lines() -> None:
    # OPA's body `true` (parseRules) with the moved term appended (rewriteRefsInHead); v0 opens it without `if`.
    source = "package p\nx[i] := [\n  input.a[i],\n]\ny contains input.a[i].k\nz := 1\n"
    out = bind_heads(source)
    assert out.count("\n") == source.count("\n")
    # the term as written, its line breaks with it (joined, a long one passed regorus' limit of 1024 columns)
    assert "x[i] := __natpolicy_value if { __natpolicy_value := ([\n  input.a[i],\n]) }\ny contains" in out
    assert "y contains __natpolicy_head if { __natpolicy_head := (input.a[i].k) }\nz := 1\n" in out
    assert bind_heads("package p\nx[i] = input.a[i]\n", v0=True) == \
        "package p\nx[i] = __natpolicy_value { __natpolicy_value := (input.a[i]) }\n"
    assert bind_else_values("package p\nx = input.a[i].k\n", v0=True) == \
        "package p\nx = __natpolicy_else0 { __natpolicy_else0 := (input.a[i].k) }\n"
    v0_body = "package p\nx = y {\n  y := lower(input.a)\n}\n"  # near miss: a v0 body, no `if`
    assert bind_else_values(v0_body, v0=True) == v0_body


def test_an_opa_binary_is_an_engine_when_on_path() -> None:
    if "opa" not in ENGINES:
        pytest.skip("no opa binary on PATH here")
    engine = create_engine("opa")
    compiled = engine.compile({"p.rego": "package p\nx := sprintf(\"%-3s|\", [\"a\"])\n"}, None, ["p/x"])
    assert engine.evaluate(compiled, "p/x", engine.prepare_input({})) == "a  |"


def test_some_declarations_move_to_the_start_of_their_body_on_the_same_lines() -> None:
    source = ("package p\nx contains [i, j] if {\n  some i\n  r := input.rs[i]\n  some j, k\n  r.xs[j][k]\n}\n"
              "y := [v | some a; v := input.a[a]; some b; input.b[b] == v]\n"
              "z := [v | some a; some c; v := input.a[a][c]]\n")
    out = hoist_declarations(source)
    assert out.count("\n") == source.count("\n")
    assert out.splitlines()[1:6] == ["x contains [i, j] if { some j, k;", "  some i", "  r := input.rs[i]",
                                     "  true", "  r.xs[j][k]"]
    assert "y := [v | some b; some a; v := input.a[a]; true; input.b[b] == v]" in out
    assert out.endswith("z := [v | some a; some c; v := input.a[a][c]]\n")  # already first: left alone
    assert hoist_declarations("package p\nx if { some y in input.a; some z in input.b }\n").count("true") == 0


def test_regorus_runs_a_declaration_after_an_iteration_that_bound_nothing(raw_regorus: Callable[[], Any]) -> None:
    # The bug itself (regorus 0.13.0): without the move, this stops with
    # "duplicated definition of local variable j" on the second element of rs.
    source = "package p\nx := [y | some i; r := input.rs[i]; some j; y := r.xs[j]]\n"
    raw = raw_regorus()
    raw.add_policy("p.rego", source)
    raw.set_input_json('{"rs": [{"xs": []}, {"xs": [1]}]}')
    with pytest.raises(RuntimeError, match="duplicated definition of local variable j"):
        raw.eval_rule("data.p.x")
    engine = create_engine("regorus")
    compiled = engine.compile({"p.rego": source}, None, ["p/x"])
    assert engine.evaluate(compiled, "p/x", engine.prepare_input({"rs": [{"xs": []}, {"xs": [1]}]})) == [1]


@pytest.mark.parametrize("engine_name", ["regorus", "regopy"])
def test_the_twins_pass_every_guard(engine_name: str) -> None:
    # --engine rego runs the twins through the same guards as user policies: none may be refused.
    files = sorted((Path(__file__).parents[1] / "policies" / "rego").glob("*.rego"))
    policies = [PolicyFile(f, f.name, f.read_text(encoding="utf-8"), scan_module(f.read_text(encoding="utf-8")))
                for f in files if not f.name.endswith("_test.rego")]
    assert policies
    refuse_for_engine(policies, engine_name)


def test_a_declaration_named_like_a_rule_of_another_file_of_the_package_is_refused() -> None:
    helper = PolicyFile(Path("a.rego"), "a.rego", "package p\nj := 5\n", scan_module("package p\nj := 5\n"))
    source = "package p\nx contains y if {\n  r := input.rs[_]\n  some j\n  y := r.xs[j]\n}\n"
    user = PolicyFile(Path("b.rego"), "b.rego", source, scan_module(source))
    refuse_for_engine([user], "regorus")  # alone, `j` is a plain local variable
    with pytest.raises(InputError) as caught:
        refuse_for_engine([helper, user], "regorus")
    assert caught.value.source == "b.rego:4:3" and "`some j`" in caught.value.problem


def test_regopy_rewrite_reads_sets_sorted_where_iterated_and_orders_like_opa() -> None:
    from natpolicy.rego.regopy_rewrite import KEYED, ORDERED, rewrite_for_regopy

    source = ("package p\nx := [v | v := s[_]]\ny := [k | s[k]; k != input.rs[i]]\nz := [v | v := input.a[_]]\n"
              "m := [min(n), max(n), sort(n)]\nw := s[_]\n")
    out = rewrite_for_regopy(source).splitlines()
    assert out[1:6] == [f"x := [v | v := {ORDERED}(s)[_]]", f"y := [k | {KEYED}(s)[k]; k != input.rs[i]]",
                        "z := [v | v := input.a[_]]",  # input is JSON: never a set, left alone
                        "m := [__natpolicy_min(n), __natpolicy_max(n), __natpolicy_sort(n)]",
                        "w := s[_]"]  # outside an array comprehension the order never shows
    if "regopy" not in ENGINES:
        pytest.skip("regopy is not installed here")
    engine = create_engine("regopy")
    source = ('package p\ns := {"b", "c", "a"}\nn := {10, 9, 100}\nx := [v | v := s[_]]\ny := [k | s[k]]\n'
              "m := [min(n), max(n), sort(n)]\nbad := sort({[1], [0]})\n")
    compiled = engine.compile({"p.rego": source}, None, ["p/x", "p/y", "p/m", "p/bad"])
    prepared = engine.prepare_input({})
    assert engine.evaluate(compiled, "p/x", prepared) == ["a", "b", "c"]
    assert engine.evaluate(compiled, "p/y", prepared) == ["a", "b", "c"]
    assert engine.evaluate(compiled, "p/m", prepared) == [9, 100, [9, 10, 100]]
    with pytest.raises(EvaluationError, match="orders otherwise than OPA"):  # arrays as elements: refused
        engine.evaluate(compiled, "p/bad", prepared)


def test_regopy_rewrite_stays_on_its_lines_and_reads_only_sets_sorted() -> None:
    from natpolicy.rego.regopy_rewrite import ORDERED, rewrite_for_regopy

    source = ('package p\nx := [v |\n  some v in {"b"} | {"a", "c"}\n  v != "z"\n]\n'
              'y := concat(",",\n  input.names)\nz := sprintf("%s %%s %d", [[1], 2])\nw := input.a[_]\n')
    out = rewrite_for_regopy(source)
    assert out.splitlines()[:9] == [
        "package p", "x := [v |", f'  some v in {ORDERED}({{"b"}} | {{"a", "c"}})', '  v != "z"', "]",
        'y := concat(",",', f"  {ORDERED}(input.names))",
        'z := concat("", [__natpolicy_fmt_s([1]), " %s ", __natpolicy_fmt_d(2)])', "w := input.a[_]"]
    assert rewrite_for_regopy("package p\nx := input.a[_]\n") == "package p\nx := input.a[_]\n"  # nothing to do
    if "regopy" not in ENGINES:
        pytest.skip("regopy is not installed here")
    engine = create_engine("regopy")
    compiled = engine.compile({"p.rego": source}, None, ["p/x", "p/y", "p/z"])
    prepared = engine.prepare_input({"names": ["b", "a"]})
    assert engine.evaluate(compiled, "p/x", prepared) == ["a", "b", "c"]
    assert engine.evaluate(compiled, "p/y", prepared) == "b,a"  # an array keeps its order
    assert engine.evaluate(compiled, "p/z", prepared) == "[1] %s 2"


def test_the_probe_file_has_no_key_twice_in_one_probe() -> None:
    # YAML keeps the last of two equal keys silently: a probe written over another would test nothing.
    class Strict(yaml.SafeLoader):
        pass

    def mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
        keys = [loader.construct_object(key) for key, _ in node.value]
        assert len(keys) == len(set(keys)), f"a key twice in the probe at line {node.start_mark.line + 1}"
        return loader.construct_mapping(node)

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    probes = yaml.load((Path(__file__).parent / "rego_probes" / "probes.yaml").read_text(encoding="utf-8"),
                       Loader=Strict)  # noqa: S506 (a SafeLoader)
    names = [probe["name"] for probe in probes]
    assert len(names) == len(set(names))
