"""urlquery.* answer as OPA's (Go's net/url) on regorus (urlquery_opa) and on regopy (regopy_web), or stop by line.

Each fire is a case an engine answered otherwise, silently, before (measured); each near miss must keep answering.
"""
from __future__ import annotations

from typing import Any

import pytest

from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.urlquery_opa import opa_urlquery_decode_object, opa_urlquery_encode_object
from rego_answers import ENGINES, answer

PUNCTUATION = " !#$%&'()*+,-./:;<=>?@[]^_`{|}~"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("expression", "opa"), [
    # QueryEscape: "+" for a space (regopy "%20"), "*" escaped and "~" bare (regorus: the reverse)
    ("urlquery.encode(input.s)", "+%21%23%24%25%26%27%28%29%2A%2B%2C-.%2F%3A%3B%3C%3D%3E%3F%40%5B%5D%5E_%60%7B%7C%7D~"),
    # QueryUnescape: "+" is a space (regopy kept it); "&" and "=" stay (regorus dropped them)
    ('urlquery.decode("a%20b+c%2B&d=e")', "a b c+&d=e"),
    # Values.Encode sorts the keys (regopy kept the object's order), a set's strings in order
    ('urlquery.encode_object({"b": "2", "a": ["1", "x y"], "c": {"z", "y"}, "a b": "x", "é": "~"})',
     "a=1&a=x+y&a+b=x&b=2&c=y&c=z&%C3%A9=~"),
    # ParseQuery: empty pairs skipped (regopy made the key ""), a pair split at its first "=", "+" a space
    ('urlquery.decode_object("=1&&c=&a=x+y&a=%41&b=1=2")', {"": ["1"], "a": ["x y", "A"], "b": ["1=2"], "c": [""]}),
])
def test_each_answers_as_go_net_url(engine: str, expression: str, opa: Any) -> None:
    assert answer(engine, expression, {"s": PUNCTUATION}) == opa


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("expression", [
    'urlquery.decode("100%zz")', 'urlquery.decode("50%")', 'urlquery.decode_object("a=1;b=2")',
    'urlquery.decode_object("a=%g1")', 'urlquery.encode_object({"a": 1})', 'urlquery.encode_object({"a": [1]})',
    'urlquery.encode_object({"a": {"x", 1}})', 'urlquery.decode("%ff")',
])
def test_what_go_refuses_stops(engine: str, expression: str) -> None:
    # OPA stops on each (an invalid escape, a ";", a value of the wrong type); "%ff" decodes to a byte that is no
    # UTF-8, which OPA keeps and neither engine can hand back: it stops too.
    with pytest.raises(EvaluationError):
        answer(engine, expression)


@pytest.mark.parametrize("engine", ENGINES)
def test_near_misses_answer_as_before(engine: str) -> None:
    document = {"q": 'a=%22"&b=\\\\', "t": "a+%2B\\\"b"}
    assert answer(engine, '[urlquery.encode("é a"), urlquery.decode("%C3%A9"), urlquery.encode(""), '
                          'urlquery.encode_object({}), urlquery.decode_object(""), urlquery.decode_object(input.q), '
                          'urlquery.decode(input.t), urlquery.encode_object({"a": []})]', document) \
        == ["%C3%A9+a", "é", "", "", {}, {"a": ['""'], "b": ["\\\\"]}, 'a +\\"b', ""]


def test_regopy_stops_on_a_key_it_holds_escaped() -> None:
    if "regopy" not in ENGINES:
        pytest.skip("regopy is not installed here")
    with pytest.raises(EvaluationError, match=r"urlquery\.encode_object at p\.rego:3 given ") as caught:
        answer("regopy", "urlquery.encode_object(input.o)", {"o": {"k": 'sec"ret'}})
    assert "sec" not in caught.value.message


def test_the_python_versions_check_types_and_never_echo_the_text() -> None:
    with pytest.raises(TypeError, match="keys must be strings"):
        opa_urlquery_encode_object({1: "a"})
    with pytest.raises(ValueError, match="invalid URL escape") as caught:
        opa_urlquery_decode_object("secret=%zz")
    assert "secret" not in str(caught.value)
