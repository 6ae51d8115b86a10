"""A ``--data`` number whose text OPA keeps otherwise than the engines hold it is refused where a policy reads it
(natpolicy.rego.data_number_texts). OPA's loader decodes a JSON data file with ``UseNumber`` (``1.0`` stays the
text ``1.0``); a YAML file goes through ``yaml.YAMLToJSON`` first (``1.0`` is ``1`` there)."""
from __future__ import annotations

from pathlib import Path

import pytest

from natpolicy.errors import InputError
from natpolicy.rego.data_number_texts import go_written, refuse_kept_data_numbers
from natpolicy.rego.loading import load_policy_paths


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # messages show paths relative to the working directory


_READS_LIMITS = "package p\n\nimport rego.v1\n\nx := json.marshal(data.limits)\n"


def _refusal(tmp_path: Path, policy: str, name: str, text: str) -> str | None:
    (tmp_path / "p.rego").write_text(policy)
    data = tmp_path / name
    data.parent.mkdir(parents=True, exist_ok=True)
    data.write_text(text)
    given = "d" if name.startswith("d/") else name
    try:
        refuse_kept_data_numbers(load_policy_paths(["p.rego"]), [given])
    except InputError as exc:
        return f"{exc.source}: {exc.problem}"
    return None


@pytest.mark.parametrize(("text", "line", "shown", "advice"), [
    ('{"limits": {"a": 1.0}}', 1, "1.0", "write it 1 in the file"),
    ('{"limits": {\n  "a": [1, 2.50]\n}}', 2, "2.50", "write it 2.5"),
    ('{"limits": {"a": 1e2}}', 1, "1e2", "write it 100"),
    ('{"limits": {"a": -0.0}}', 1, "-0.0", "write it -0"),
    ('{"limits": {"a": 0.10000000000000001}}', 1, "0.10000000000000001", "write it 0.1"),
    ('{"limits": {"a": 18446744073709551617}}', 1, "18446744073709551617", "write it as a string"),
])
def test_a_json_data_number_kept_as_text_is_refused(tmp_path: Path, text: str, line: int, shown: str,
                                                     advice: str) -> None:
    refusal = _refusal(tmp_path, _READS_LIMITS, "d.json", text)
    assert refusal is not None and refusal.startswith(f"d.json:{line}: the number {shown}:"), refusal
    assert "p.rego:5 reads data.limits" in refusal and advice in refusal and "\n" not in refusal


def test_numbers_written_as_the_engines_hold_them_pass(tmp_path: Path) -> None:
    text = ('{"limits": {"a": 1, "b": 2.5, "c": -0, "d": 0.000001, "e": "1.0", "f": 1e+21, "g": 1e-7, '
            '"h": 9223372036854775807, "i": -9223372036854775808, "k\\"1.0": 0, "l": [0.5, -3]}}')
    assert _refusal(tmp_path, _READS_LIMITS, "d.json", text) is None


@pytest.mark.parametrize(("policy", "refused"), [
    ("package p\n\nx := data.other\n", False),  # another key: the number cannot reach the policy
    ("package p\n\nx := data.limits.a\n", True),
    ("package p\n\nimport data.limits\n\nx := limits.a\n", True),
    ("package p\n\nx := data[input.k]\n", True),
    ("package p\n\nx := object.get(data, [\"limits\"], 0)\n", True),
    ("package p\n\n# data.limits in a comment\nx := \"data.limits\"\n", False),
])
def test_only_a_policy_reading_the_number_is_refused(tmp_path: Path, policy: str, refused: bool) -> None:
    assert (_refusal(tmp_path, policy, "d.json", '{"limits": {"a": 1.0}, "other": 1}') is not None) == refused


def test_a_directory_places_the_file_under_its_folder(tmp_path: Path) -> None:
    assert _refusal(tmp_path, _READS_LIMITS, "d/limits/x.json", '{"a": 1.0}') is not None
    assert _refusal(tmp_path, "package p\n\nx := data.other\n", "d/limits/x.json", '{"a": 1.0}') is None


def test_yaml_numbers_are_values_in_opa_but_past_64_bits(tmp_path: Path) -> None:
    # yaml.YAMLToJSON: go-yaml's float64 1 is written `1` by encoding/json, so OPA holds the integer 1 as natpolicy.
    assert _refusal(tmp_path, _READS_LIMITS, "d.yaml", "limits:\n  a: 1.0\n  b: 2.50\n  c: 1e2\n") is None
    # go-yaml v2 reads a decimal integer past uint64 as a float64 (resolve: ParseInt, ParseUint, then the float
    # pattern), which encoding/json writes `18446744073709552000` (yaml_goyaml): that text, past 64 bits, refused
    # where read as a JSON data file's is. A uint64 (ParseUint) and a hex integer past 64 bits (the fork's big.Int)
    # keep every digit there.
    for text, kept in (("18446744073709551617", 18446744073709552000), ("9223372036854775809", 9223372036854775809),
                       ("0x1FFFFFFFFFFFFFFFF", 0x1FFFFFFFFFFFFFFFF)):
        refusal = _refusal(tmp_path, _READS_LIMITS, "d.yaml", f"limits:\n  a: {text}\n")
        assert refusal is not None and refusal.startswith(f"d.yaml at data.limits.a: the number {kept}:"), refusal


@pytest.mark.parametrize(("text", "written"), [
    ("1", "1"), ("-0", "-0"), ("1.0", "1"), ("1e2", "100"), ("2.50", "2.5"), ("0.0", "0"), ("-0.0", "-0"),
    ("1e21", "1e+21"), ("1.5e-7", "1.5e-7"), ("0.000001", "0.000001"), ("1e20", "100000000000000000000"),
    ("9223372036854775808", None), ("1e400", None),
])
def test_go_written(text: str, written: str | None) -> None:
    assert go_written(text) == written
