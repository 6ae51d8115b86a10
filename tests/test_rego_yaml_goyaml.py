"""YAML read as conftest reads it: go-yaml v2's resolve and sigs.k8s.io/yaml's keys (natpolicy.rego.yaml_goyaml)."""
from __future__ import annotations

import math
from typing import Any

import pytest

from natpolicy.errors import InputError
from natpolicy.rego.documents import parse_yaml_documents
from natpolicy.rego.yaml_goyaml import go_key, go_resolve


def _value(text: str) -> Any:
    [document] = parse_yaml_documents(f"v: {text}\n", "t.yaml")
    return document["v"]


# Each settled from go-yaml v2's resolve.go (sigs.k8s.io/yaml's goyaml.v2 fork); PyYAML's SafeLoader answered the
# ones marked otherwise.
@pytest.mark.parametrize(("text", "value"), [
    ("1e2", 100.0),            # PyYAML: "1e2" (its floats need a point)
    ("1.0e2", 100.0),          # PyYAML: "1.0e2" (its exponents need a sign)
    ("-.5", -0.5), ("+.5", 0.5),  # PyYAML: strings
    ("09", 9.0),               # not octal (ParseInt fails), the float pattern: PyYAML "09"
    ("y", True), ("Y", True), ("n", False), ("N", False),  # PyYAML: strings
    ("yes", True), ("Off", False), ("ON", True), ("yEs", "yEs"),
    ("0o17", 15), ("0O17", 15), ("0X1F", 31), ("0B101", 5),  # Go's base-0 prefixes: PyYAML strings
    ("0x1F", 31), ("017", 15), ("-012", -10), ("+12", 12), ("1_000", 1000), ("0b101", 5),
    ("1:20", "1:20"),          # sexagesimal is not go-yaml's: PyYAML 80
    ("190:20:30.15", "190:20:30.15"),
    ("1e400", "1e400"),        # ParseFloat's range error: a string (PyYAML: inf)
    ("2001-12-14", "2001-12-14"), ("2001-12-14T21:59:43Z", "2001-12-14T21:59:43Z"),  # timestamps stay text
    ("~", None), ("null", None), ("", None), ("NULL", None),
    ("<<", "<<"), ("=", "="),  # PyYAML: no constructor for merge or value tags
    ("-0", 0), ("0", 0), ("1.", 1.0), (".5", 0.5),
    ("9223372036854775808", 9223372036854775808),  # ParseUint: a uint64
    # Past uint64, decimal: the float pattern comes first; a float64 encoding/json writes with Go's digits.
    ("18446744073709551616", 18446744073709552000), ("-99999999999999999999", -100000000000000000000),
    ("0x1FFFFFFFFFFFFFFFF", 0x1FFFFFFFFFFFFFFFF),  # past 64 bits, prefixed: the fork's big.Int
    ("0x", "0x"), ("'1e2'", "1e2"), ('"y"', "y"), ("!!str 1e2", "1e2"),
    ("!!float 1", 1.0), ('!!int "12"', 12), ("!!bool y", True),
])
def test_a_plain_scalar_resolves_as_go_yaml_v2_does(text: str, value: Any) -> None:
    got = _value(text)
    assert got == value and type(got) is type(value), got


def test_a_whole_float_past_2_53_is_the_integer_of_its_go_text() -> None:
    # go-yaml's float64, written by encoding/json with Go's shortest digits (input and --data alike).
    assert _value("1.2345678901234567e19") == 12345678901234567000


@pytest.mark.parametrize(("yaml_key", "key"), [
    ("1.0", "1"), ("1e7", "1e+07"), ("1.5", "1.5"), ("0.1", "0.1"), ("123456789.0", "1.2345679e+08"),
    ("1e-5", "1e-05"), ("100000.0", "100000"), ("y", "true"), ("off", "false"), ("0x10", "16"), ("'y'", "y"),
    ("-1.5", "-1.5"), ("0.0001", "0.0001"), ("1e300", ".inf"),
])
def test_a_key_is_written_as_sigs_k8s_yaml_writes_it(yaml_key: str, key: str) -> None:
    # convertToJSONableObject: strconv.FormatFloat(f, 'g', -1, 32) for a float, "true"/"false", an int's digits.
    assert parse_yaml_documents(f"{yaml_key}: v\n", "t.yaml") == [{key: "v"}]


@pytest.mark.parametrize(("text", "problem"), [
    ("a: 1\n<<: {b: 2}\n", "t.yaml:2: a YAML merge key (<<)"),
    ("? ~\n: 1\n", "t.yaml:1: a mapping key that is null"),
    ("9223372036854775808: x\n", "t.yaml:1: a mapping key that is null or an integer past int64"),
    ("1: a\n'1': b\n", "t.yaml:2: two mapping keys are both written '1'"),
    ("1: a\n1.0: b\n", "t.yaml:2: two mapping keys are both written '1'"),
    ("y: a\n'true': b\n", "t.yaml:2: two mapping keys are both written 'true'"),
    ("a: !!binary aGk=\n", "t.yaml:1: the YAML tag !!binary is not read"),
    ("a: !!timestamp 2001-01-01\n", "t.yaml:1: the YAML tag !!timestamp is not read"),
    ("a: !!set {b: null}\n", "t.yaml:1: the YAML tag !!set is not read"),
    ("a: !local x\n", "t.yaml:1: the YAML tag !local is not read"),
    ("a: !!int 1.5\n", "t.yaml:1: cannot decode !!float `1.5` as a !!int"),
    ("a: &x 1\nb: *x\n", "t.yaml:1: YAML anchors and aliases"),
    ("a: .inf\n", "holds the number inf"),
    # go-yaml's scanner refuses a \u escape of a UTF-16 surrogate (scannerc.go, as libyaml): JSON's way of writing
    # an emoji, in a .yaml file that is JSON; PyYAML read it, silently.
    ('{"a": "\\ud83d\\ude00"}\n', "found invalid Unicode character escape code"),
    ('{"\\udfff": 1}\n', "found invalid Unicode character escape code"),
    # go-yaml v2 ends a flow collection's plain scalar at every `?` and then finds a key indicator there (scannerc.go
    # yaml_parser_scan_plain_scalar): conftest refuses the file; libyaml 0.2.5 reads `?` into the scalar (PyYAML
    # took these silently). A tag followed by `,` `[` `]` runs on in go-yaml, ends in libyaml.
    ("a: [1, b?c]\n", "t.yaml:1: a plain scalar in a flow collection holds `?`"),
    ("x: 1\na: {k?: 1}\n", "t.yaml:2: a plain scalar in a flow collection holds `?`"),
    ("a: [b ? c]\n", "t.yaml:1: a plain scalar in a flow collection holds `?`"),
    ("a: [!!str,y]\n", "t.yaml:1: a YAML tag followed by `,`"),
])
def test_what_go_yaml_decides_otherwise_is_refused_with_its_line(text: str, problem: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_yaml_documents(text, "t.yaml")
    assert problem in f"{caught.value.source}: {caught.value.problem}"


def test_a_repeated_key_keeps_the_later_value_as_go_yaml_v2_does() -> None:
    assert parse_yaml_documents("a: 1\na: 2\n", "t.yaml") == [{"a": 2}]


def test_a_yaml_file_that_is_json_is_read_as_yaml_as_opas_loader_reads_it() -> None:
    # OPA's loader reads .yaml and .yml with sigs.k8s.io/yaml's YAMLToJSON whatever they hold (v1/loader/loader.go
    # loadKnownTypes, loadYAML: no JSON fast path): 1.0 is go-yaml's float64 1, a repeated key keeps the later
    # value, `\/` and a \U escape are read; the near miss, a character written as itself, passes.
    text = '{"a": 1.0, "b": [1e2, "\\/x", "\\U0001F600"], "a": 2.50, "c": "\U0001F600"}\n'
    assert parse_yaml_documents(text, "t.yaml") == [{"a": 2.5, "b": [100.0, "/x", "\U0001F600"], "c": "\U0001F600"}]
    # go-yaml's scanner (scannerc.go yaml_parser_scan_to_next_token, as libyaml's) takes a tab in a flow collection:
    # JSON indented with tabs reads; PyYAML's Python scanner refused it.
    assert parse_yaml_documents('{\n\t"a": [\n\t\t1\n\t]\n}\n', "t.yaml") == [{"a": [1]}]


def test_go_resolve_and_go_key_directly() -> None:
    assert go_resolve("1e2") == ("tag:yaml.org,2002:float", 100.0)
    assert go_resolve("y") == ("tag:yaml.org,2002:bool", True)
    tag, nan = go_resolve(".NaN")
    assert tag == "tag:yaml.org,2002:float" and math.isnan(nan)
    assert go_key(True) == "true" and go_key(16) == "16" and go_key(1e7) == "1e+07"


def test_a_question_mark_both_scanners_read_alike_passes() -> None:
    # a block scalar, a quoted one, a tag with a blank after it: go-yaml v2 and libyaml read them alike
    assert parse_yaml_documents('a: b?c\nd: ["e?", \'f ? g\']\nh: [!!str , i]\n', "t.yaml") == \
        [{"a": "b?c", "d": ["e?", "f ? g"], "h": ["", "i"]}]
