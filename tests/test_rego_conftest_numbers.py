"""Input numbers as conftest hands them to OPA, float64s written back by Go (natpolicy.rego.conftest_numbers)."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import CliResult
from natpolicy.rego.conftest_numbers import InputNumberError, conftest_document, conftest_json_text, conftest_number
from natpolicy.rego.engines import create_engine
from tests.test_rego_conformance import ENGINES


@pytest.mark.parametrize(("number", "held"), [
    (12345678901234567890, 12345678901234567000),   # Go's shortest digits of the float64
    (9007199254740993, 9007199254740992),           # 2^53 + 1: the float64 rounds it
    (9007199254740992, 9007199254740992),           # 2^53: every integer up to it is its own float64
    (9223372036854775807, 9223372036854776000),     # int64's largest: 2^63 as a float64
    (-12345678901234567890, -12345678901234567000),
    (10**21, 1e21), (1.2345678901234567e19, 12345678901234567000),
    (1.5, 1.5), (100, 100), (0.000001, 0.000001), (True, True),
])
def test_a_number_is_held_as_the_float64_conftest_hands_over(number: Any, held: Any) -> None:
    got = conftest_number(number)
    assert got == held and type(got) is type(held)


@pytest.mark.parametrize("number", [10**400, float("inf"), float("-inf"), float("nan")])
def test_a_number_no_float64_holds_is_refused(number: Any) -> None:
    with pytest.raises(InputNumberError, match="no float64 holds"):
        conftest_number(number)


def test_the_json_text_changes_only_such_numbers() -> None:
    text = ('{"a": 12345678901234567890, "s": "x:12345678901234567890", "b": [1e2, 1.0, 9007199254740993],'
            ' "c": 1.5e20, "d": -0, "e": 1e25}')
    assert conftest_json_text(text) == ('{"a": 12345678901234567000, "s": "x:12345678901234567890", "b": [1e2, '
                                        '1.0, 9007199254740992], "c": 150000000000000000000, "d": -0, "e": 1e+25}')
    plain = '{"a": 1, "id": "i-1234567890123456789", "n": [1.5, 2]}'
    assert conftest_json_text(plain) is plain  # no number to change: the text as it is, not written again
    # Written with white space (`jq .`), or the text a number alone: found as well.
    assert conftest_json_text('{\n  "a": [\n    -9007199254740993,\n    1.5E+20\n  ]\n}') == \
        '{\n  "a": [\n    -9007199254740992,\n    150000000000000000000\n  ]\n}'
    assert conftest_json_text("12345678901234567890") == "12345678901234567000"
    with pytest.raises(InputNumberError, match="1e400"):
        conftest_json_text('{"a": [1e400]}')


def test_a_document_is_rebuilt_only_where_a_number_changes() -> None:
    document = {"a": [1, 2.5, "12345678901234567890"], "b": {"c": None}}
    assert conftest_document(document) is document
    assert conftest_document({"a": [1, 12345678901234567890]}) == {"a": [1, 12345678901234567000]}


_SOURCE = """package p
x := [json.marshal(input.a), input.a == 12345678901234567000, input.a == 12345678901234567890,
  json.marshal(input.b), input.b == 9007199254740992, json.marshal(input.c), json.marshal(input.n)]
"""
_TEXT = ('{"a": 12345678901234567890, "b": 9007199254740993, "c": 1.2345678901234567e19,'
         ' "n": -12345678901234567890}')
# conftest: encoding/json reads each into a float64, rego.Input writes it back (floatEncoder); OPA holds that text.
_OPA = ["12345678901234567000", True, False, "9007199254740992", True, "12345678901234567000",
        "-12345678901234567000"]


@pytest.mark.parametrize("name", ENGINES)
@pytest.mark.parametrize("as_text", [True, False])
def test_both_engines_hold_the_input_as_conftest_hands_it(name: str, as_text: bool) -> None:
    # regorus parsed a plan's text itself and kept every digit (a u64): `12345678901234567890` to json.marshal and
    # `==`, silently; regopy wrote `12345678901234567168` (the float's exact digits).
    engine = create_engine(name)
    compiled = engine.compile({"p.rego": _SOURCE}, None, ["p/x"])
    from_text = getattr(engine, "prepare_input_json", None)
    prepared = from_text(_TEXT) if as_text and from_text is not None else engine.prepare_input(json.loads(_TEXT))
    assert engine.evaluate(compiled, "p/x", prepared) == _OPA


@pytest.mark.parametrize("name", ENGINES)
def test_regorus_sprintf_of_such_an_input_prints_conftests_digits(name: str) -> None:
    engine = create_engine(name)
    compiled = engine.compile({"p.rego": 'package p\nx := sprintf("%d %v", [input.a, input.a])\n'}, None, ["p/x"])
    prepared = engine.prepare_input({"a": 12345678901234567890})
    if name == "regopy":
        from natpolicy.rego.engine import EvaluationError

        with pytest.raises(EvaluationError):  # regopy stops on an integer past 2^53 given to sprintf
            engine.evaluate(compiled, "p/x", prepared)
        return
    assert engine.evaluate(compiled, "p/x", prepared) == "12345678901234567000 12345678901234567000"


def test_a_json_input_number_no_float64_holds_is_one_line_and_exit_2(
        cli: Callable[..., CliResult], tmp_path: Path) -> None:
    folder = tmp_path / "policy"
    folder.mkdir()
    (folder / "p.rego").write_text('package main\n\nimport rego.v1\n\ndeny contains "d" if input.a\n',
                                   encoding="utf-8")
    document = tmp_path / "doc.json"
    document.write_text('{"kind": "x", "a": 1e400}', encoding="utf-8")
    result = cli("check", str(document), "-p", str(folder), "--no-progress")
    line = result.err.strip()
    assert result.code == 2 and "\n" not in line and "Traceback" not in line, line
    assert "doc.json" in line and "no float64 holds (past 1.8e308)" in line, line


def test_regorus_refuses_the_one_input_number_it_would_hold_otherwise() -> None:
    # conftest hands OPA -2^63 as `-9223372036854776000`, below int64: regorus read that text as the float64 -2^63 and
    # held it as int64's least integer (abs gave 9223372036854775808, OPA 9223372036854776000), silently.
    if "regorus" not in ENGINES:
        pytest.skip("regorus is not installed here")
    from natpolicy.rego.conftest_numbers import RegorusNumberError

    engine = create_engine("regorus")
    for prepare in (lambda: engine.prepare_input({"h": -9223372036854775808}),
                    lambda: engine.prepare_input_json('{"h": [-9223372036854775807]}')):
        with pytest.raises(RegorusNumberError, match="-9223372036854776000"):
            prepare()
    # Near misses: the text inside a string, int64's least integer plus 1024 (its own float64's text), 2^63.
    compiled = engine.compile({"p.rego": "package p\nx := [input.s, abs(input.h), input.p]\n"}, None, ["p/x"])
    prepared = engine.prepare_input_json('{"s": "-9223372036854776000", "h": -9223372036854774784,'
                                         ' "p": 9223372036854775808}')
    assert engine.evaluate(compiled, "p/x", prepared) == ["-9223372036854776000", 9223372036854775000,
                                                          9223372036854776000]


@pytest.mark.parametrize("text", [
    "12345678901234567890", "1e2", '{"a": 12345678901234567890, "s": "x:12345678901234567890"}', '{"a": 1}',
    "  9007199254740993", '["é", 1.5E+20]', "-9007199254740993",
])
def test_the_text_searched_through_its_own_bytes(text: str) -> None:
    # The child hands regorus the bytes it read the plan from: searched as they are, the same answer.
    assert conftest_json_text(text, text.encode("utf-8")) == conftest_json_text(text)


def test_the_child_hands_the_bytes_it_read() -> None:
    import io

    from natpolicy.rego.child import _prepare, read_job

    job = read_job(io.BytesIO(b'{"plans": [{"origin": "p", "data": null, "text_bytes": 11}]}\n{"a": "\xc3\xa9"}'))
    seen: list[tuple[str, bytes | None]] = []

    class Engine:
        def prepare_input_json(self, text: str, utf8: bytes | None = None) -> str:
            seen.append((text, utf8))
            return text

    _prepare(Engine(), job["plans"][0])
    assert seen == [('{"a": "é"}', '{"a": "é"}'.encode())]


def test_the_number_search_in_pieces_finds_what_the_whole_text_search_finds() -> None:
    # _may_hold searches the text's classes piece by piece; a number standing across two pieces is still found, and
    # nothing is found that the search over the whole text's classes would not find.
    import random

    from natpolicy.rego.conftest_numbers import _AT_START, _MAY_CHANGE, _TABLE, _may_hold

    def whole(utf8: bytes) -> bool:
        classes = utf8.translate(_TABLE)
        return _MAY_CHANGE.search(classes) is not None or _AT_START.match(classes) is not None

    numbers = [b"9007199254740993", b"123456789012345", b"1234567890123456789", b"1e5", b"12.5E-3", b"0",
               b"-1234567890123456", b"100000000000000000000000"]
    rng = random.Random(17)
    texts = [b'{"a": [1, 2], "b": "x:1234567890123456"}', b"12345678901234567890", b"1e400", b""]
    for number in numbers:
        for before in (0, 1, 5, 15, 16, 17, 31, 33):
            texts.append(b'{"' + b"k" * before + b'": ' + number + b"}")
            texts.append(b"[" + b" " * before + number + b"]")
    texts += [bytes(rng.choice(b'0123456789:,[ e."x') for _ in range(rng.randrange(1, 80))) for _ in range(3000)]
    found = 0
    for text in texts:
        expected = whole(text)
        found += expected
        for piece in (1, 2, 3, 7, 16, 17, 33, 1 << 16):
            assert _may_hold(text, piece) is expected, (text, piece)
    assert found > 100
