"""A value of every kind, and arguments each builtin of ``natpolicy.rego.operand_kinds`` answers on: the samples
tests/test_rego_operand_kinds.py and ``scripts/rego_differential.py --kinds`` give one operand at a time.

Each other operand keeps its valid sample, so that a value error of another operand never hides whether the
engine takes the measured one. The kinds are written as Rego literals; a call reads one through
``vals[input.<kind>]``, whose type OPA cannot narrow, so that no type check refuses the call first.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from natpolicy.rego.builtin_errors import guard_operands
from natpolicy.rego.builtins import builtin_calls
from natpolicy.rego.engine import UNDEFINED, EvaluationError, PolicySyntaxError, RegoEngine
from natpolicy.rego.guards import engine_refusals
from natpolicy.rego.loading import PolicyFile
from natpolicy.rego.operand_kinds import OPERAND_KINDS
from natpolicy.rego.source import char_line_col, scan_module

__all__ = ["KIND_VALUES", "ACCEPTED", "VALID_ARGUMENTS", "valid_arguments", "VALUES_RULE", "KIND_INPUT",
           "measured_rules", "kind_module", "guarded", "kind_answers"]

# Every kind a guard tells apart, with a collection of each element kind a guard reads, and a string both
# json.unmarshal and to_number read (the guards json_text and numeric read the text; "a" is neither).
KIND_VALUES: dict[str, str] = {
    "null": "null", "boolean": "true", "number": "1", "string": '"a"', "number_text": '"1"', "array": '["a"]',
    "set": '{"a"}',
    "object": '{"a": 1}', "numbers_array": "[1]", "numbers_set": "{1}", "objects_array": '[{"a": 1}]',
    "sets_set": '{{"a"}}',
}
_ARRAYS = {"array", "numbers_array", "objects_array"}
_SETS = {"set", "numbers_set", "sets_set"}
# The kinds of KIND_VALUES each guard lets through, read from OPA's source (operand_kinds' docstring), not from
# the guards themselves.
_STRINGS = {"string", "number_text"}
ACCEPTED: dict[str, set[str]] = {
    "string": _STRINGS, "number": {"number"}, "object": {"object"}, "array": _ARRAYS, "set": _SETS,
    "collection": _ARRAYS | _SETS, "countable": {"object"} | _STRINGS | _ARRAYS | _SETS,
    "keys": {"object"} | _ARRAYS | _SETS, "numeric": {"null", "boolean", "number", "number_text"},
    "json_text": {"number_text"}, "pattern": _STRINGS, "difference": {"number"} | _SETS, "time": {"number"} | _ARRAYS,
    "strings": {"array", "set"}, "numbers": {"numbers_array", "numbers_set"}, "sets": {"sets_set"},
    "objects": {"objects_array"}, "prefixes": _STRINGS | {"array", "set"}, "delimiters": {"null", "array"},
}
VALUES_RULE = "vals := {" + ", ".join(f'"{kind}": {text}' for kind, text in KIND_VALUES.items()) + "}\n"
KIND_INPUT = {kind: kind for kind in KIND_VALUES}

# Arguments each builtin answers on (a builtin absent here takes "a" for a string operand, 1 for any other).
VALID_ARGUMENTS: dict[str, list[str]] = {
    "concat": ['","', '["a", "b"]'], "sprintf": ['"%v"', '["a"]'], "strings.replace_n": ['{"a": "b"}', '"abc"'],
    "format_int": ["10", "10"], "substring": ['"abc"', "0", "1"], "replace": ['"abc"', '"a"', '"b"'],
    "strings.any_prefix_match": ['"abc"', '"a"'], "strings.any_suffix_match": ['"abc"', '"c"'],
    "regex.match": ['"a"', '"abc"'], "regex.split": ['","', '"a,b"'], "regex.globs_match": ['"a.*"', '"ab"'],
    "regex.find_n": ['"a"', '"aba"', "-1"], "regex.find_all_string_submatch_n": ['"a"', '"aba"', "-1"],
    "regex.replace": ['"abc"', '"b"', '"x"'], "regex.template_match": ['"urn:{[a-z]+}"', '"urn:abc"', '"{"', '"}"'],
    "glob.match": ['"a*"', "null", '"ab"'], "count": ['"ab"'], "max": ["[1, 2]"], "min": ["[1, 2]"],
    "sort": ["[2, 1]"], "sum": ["[1, 2]"], "product": ["[1, 2]"], "array.concat": ["[1]", "[2]"],
    "array.slice": ["[1, 2, 3]", "0", "2"], "array.reverse": ["[1, 2]"], "union": ["{{1}, {2}}"],
    "intersection": ["{{1, 2}, {2}}"], "object.subset": ['{"a": 1, "b": 2}', '{"a": 1}'],
    "object.get": ['{"a": 1}', '"a"', "0"], "object.keys": ['{"a": 1}'],
    "object.remove": ['{"a": 1, "b": 2}', '["a"]'], "object.filter": ['{"a": 1, "b": 2}', '["a"]'],
    "object.union": ['{"a": 1}', '{"b": 2}'], "object.union_n": ['[{"a": 1}, {"b": 2}]'],
    "json.filter": ['{"a": 1, "b": 2}', '["a"]'], "json.remove": ['{"a": 1, "b": 2}', '["a"]'],
    "json.patch": ['{"a": 1}', '[{"op": "add", "path": "/b", "value": 2}]'], "json.unmarshal": ['"[1]"'],
    "yaml.unmarshal": ['"a: 1"'], "graph.reachable": ['{"a": ["b"], "b": []}', '["a"]'],
    "graph.reachable_paths": ['{"a": ["b"], "b": []}', '["a"]'],
    "json.marshal_with_options": ['{"a": 1}', '{"pretty": true}'],
    "abs": ["-1"], "ceil": ["1.5"], "floor": ["1.5"], "round": ["1.5"], "numbers.range": ["1", "3"],
    "numbers.range_step": ["1", "5", "2"], "bits.and": ["6", "3"], "bits.or": ["6", "3"], "bits.xor": ["6", "3"],
    "bits.lsh": ["1", "2"], "bits.rsh": ["8", "2"], "bits.negate": ["1"], "to_number": ['"1"'],
    "rand.intn": ['"k"', "10"], "base64.decode": ['"YQ=="'], "base64url.decode": ['"YQ=="'], "hex.decode": ['"61"'],
    "urlquery.decode": ['"a%20b"'], "urlquery.decode_object": ['"a=1"'], "urlquery.encode_object": ['{"a": "b"}'],
    "time.parse_rfc3339_ns": ['"2020-01-01T00:00:00Z"'], "time.parse_duration_ns": ['"1h"'],
    "units.parse": ['"1K"'], "units.parse_bytes": ['"1KB"'], "time.parse_ns": ['"2006-01-02"', '"2020-03-04"'],
    "time.date": ["0"], "time.clock": ["0"], "time.weekday": ["0"], "time.format": ["0"], "time.diff": ["0", "1"],
    "time.add_date": ["0", "1", "0", "0"], "net.cidr_contains": ['"10.0.0.0/8"', '"10.1.2.3"'],
    "net.cidr_intersects": ['"10.0.0.0/8"', '"10.1.0.0/16"'], "net.cidr_expand": ['"10.0.0.0/31"'],
    "net.cidr_merge": ['["10.0.0.0/24", "10.0.1.0/24"]'], "semver.compare": ['"1.0.0"', '"1.0.1"'],
    "uuid.parse": ['"c5bd8a71-4e0a-4a4b-9f2c-9d0e1e6f3b6e"'], "io.jwt.decode": ['"e30.e30.c2ln"'],
}


def valid_arguments(name: str, kinds: tuple[str | None, ...]) -> list[str]:
    """The sample arguments of one call of ``name``, whose operands take ``kinds``."""
    return list(VALID_ARGUMENTS.get(name) or ['"a"' if kind in ("string", None) else "1" for kind in kinds])


def measured_rules(name: str) -> Iterator[tuple[str, int, str]]:
    """(rule, operand index, kind of the value given) of each call :func:`kind_module` writes for ``name``."""
    for index, kind in enumerate(OPERAND_KINDS[name]):
        if kind is not None:
            for given in KIND_VALUES:
                yield f"r_{index}_{given}", index, given


def kind_module(name: str) -> str:
    """A module of one rule per listed operand of ``name`` and kind of value: that operand given the value, the
    others their valid samples."""
    lines = ["package p", VALUES_RULE.rstrip("\n")]
    for rule, index, given in measured_rules(name):
        args = valid_arguments(name, OPERAND_KINDS[name])
        args[index] = f"vals[input.{given}]"
        lines.append(f"{rule} := {name}({', '.join(args)})")
    return "\n".join(lines) + "\n"


def guarded(source: str, v0: bool = False) -> str:
    """``source`` with its builtins' operands guarded, as a ``--policy`` file runs in OPA's default mode."""
    policy = PolicyFile(Path("p.rego"), "p.rego", source, scan_module(source))
    return guard_operands(source, [call for _, call in builtin_calls([policy])], v0).text


def kind_answers(engine: RegoEngine, source: str, entries: list[str]) -> dict[str, tuple[str, Any]]:
    """Each rule's ("value", v) | ("undefined", None) | ("error", message) | ("refused", message) with
    :data:`KIND_INPUT`: a rule natpolicy refuses before anything runs (``guards.engine_refusals``: regopy's
    computed sprintf format) is not run."""
    refused = {char_line_col(source, offset)[0]: message for offset, message in engine_refusals(source, engine.name)}
    lines = source.split("\n")
    out: dict[str, tuple[str, Any]] = {}
    for entry in entries:
        line = next(n for n, text in enumerate(lines, 1) if text.startswith(f"{entry} := "))
        if line in refused:
            out[entry] = ("refused", refused[line])
    try:
        compiled = engine.compile({"p.rego": source}, None, [f"p/{e}" for e in entries])
    except (PolicySyntaxError, EvaluationError) as exc:
        return {**dict.fromkeys(entries, ("error", str(exc))), **out}
    prepared = engine.prepare_input(KIND_INPUT)
    for entry in entries:
        if entry in out:
            continue
        try:
            value = engine.evaluate(compiled, f"p/{entry}", prepared)
            out[entry] = ("undefined", None) if value is UNDEFINED else ("value", value)
        except EvaluationError as exc:
            out[entry] = ("error", exc.message)
    return out
