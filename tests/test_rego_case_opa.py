"""lower and upper answer as OPA's (Go's unicode simple case mapping, one character each) on regorus (case_opa)."""
from __future__ import annotations

import pytest

from natpolicy.rego.case_opa import opa_lower, opa_upper
from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.engines import create_engine, installed_engines

needs_regorus = pytest.mark.skipif("regorus" not in installed_engines(), reason="regorus is not installed here")


def _regorus(expression: str, document: object = None) -> object:
    engine = create_engine("regorus")
    compiled = engine.compile({"p.rego": f"package p\nx := {expression}\n"}, None, ["p/x"])
    return engine.evaluate(compiled, "p/x", engine.prepare_input(document or {}))


@needs_regorus
def test_a_final_sigma_is_lowered_as_every_other_sigma() -> None:
    # Go's strings.ToLower maps Σ to σ wherever it stands; regorus (Rust) wrote ς at the end of a word.
    assert _regorus('lower("ΟΔΟΣ")') == "οδοσ"
    assert _regorus("lower(input.s)", {"s": "ΑΣ Β"}) == "ασ β"


@needs_regorus
@pytest.mark.parametrize("call", ['upper("ß")', 'lower("İ")', 'upper("ﬁ")', "upper(input.s)"])
def test_a_character_whose_full_mapping_is_longer_stops_with_its_line(call: str) -> None:
    # Go keeps one character (upper("ß") is "ß", lower("İ") is "i"); regorus wrote "SS" and "i̇".
    with pytest.raises(EvaluationError, match=r"^p\.rego:2:\d+: .*case maps to several") as caught:
        _regorus(call, {"s": "straße-secret"})
    assert "secret" not in caught.value.message


@needs_regorus
def test_near_misses_answer_as_before() -> None:
    assert _regorus('[lower("ÉÜ"), upper("éü"), upper("ǆ"), lower("ǅ"), lower("\\u212a"), upper("ı"), lower("AB-1"), '
                    'upper("")]') == ["éü", "ÉÜ", "Ǆ", "ǆ", "k", "I", "ab-1", ""]


def test_the_mapping_takes_strings_only() -> None:
    with pytest.raises(TypeError, match="operand 1 must be string"):
        opa_lower(1)
    assert opa_upper("straße".replace("ß", "ss")) == "STRASSE"
