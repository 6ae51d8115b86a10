"""uuid.parse answers as OPA's (google/uuid v1.6 and internal/uuid's fillMap) on regorus (uuid_opa) and regopy
(regopy_web), or stops where regopy cannot tell.

Each fire is a case an engine answered otherwise, silently, before (measured); each near miss must keep answering.
"""
from __future__ import annotations

import pytest

from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.uuid_opa import opa_uuid_parse, uuid_for_regorus
from rego_answers import ENGINES, answer


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("text", "variant"), [
    ("00000000-0000-0000-0000-000000000000", "Reserved"),  # regorus "NCS", regopy "ncs"
    ("00000000-0000-4000-7000-000000000000", "Reserved"),
    ("00000000-0000-4000-c000-000000000000", "Microsoft"),  # regopy "microsoft"
    ("00000000-0000-4000-e000-000000000000", "Future"),  # regopy "reserved"
])
def test_the_variant_is_google_uuids_name(engine: str, text: str, variant: str) -> None:
    assert answer(engine, "uuid.parse(input.t)", {"t": text}) == {"variant": variant, "version": int(text[14], 16)}


@pytest.mark.parametrize("engine", ENGINES)
def test_version_one_and_two_fields_answer_as_opa(engine: str) -> None:
    texts = ["000003e8-92e8-21ed-8100-3fdb0085247e",  # regopy: macvariables global:unicast
             "28ce6f24-1064-1d51-c6f8-da3eabe19f58",  # regorus: time past int64, unwrapped
             "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "{6ba7b810-9dad-11d1-80b4-00c04fd430c8}",
             "6BA7B8109DAD11D180B400C04FD430C8", "urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8"]
    assert answer(engine, "[uuid.parse(t) | some t in input.ts]", {"ts": texts}) == [opa_uuid_parse(t) for t in texts]
    assert opa_uuid_parse(texts[0])["macvariables"] == "local:multicast"
    assert opa_uuid_parse(texts[1])["time"] == -8496391371145975280


@pytest.mark.parametrize("engine", ENGINES)
def test_text_that_is_no_uuid_stays_undefined(engine: str) -> None:
    # regorus hands an extension's None back as null: the renamed call keeps undefined undefined.
    texts = ["nope", "", "6ba7b810-9dad-11d1-80b4-00c04fd430c", "6ba7b810x9dad-11d1-80b4-00c04fd430c8",
             "{6ba7b810-9dad-11d1-80b4-00c04fd430c8", "6ba7b8109dad11d180b400c04fd430cg"]
    assert answer(engine, "[t | some t in input.ts; not uuid.parse(t)]", {"ts": texts}) == texts
    assert all(opa_uuid_parse(t) is None for t in texts)


def test_forms_google_uuid_takes_and_regopy_does_not_stop_on_regopy() -> None:
    # google/uuid does not check a braced form's braces, and reads "urn:uuid:" in any case.
    for text in ("x6ba7b810-9dad-11d1-80b4-00c04fd430c8y", "URN:UUID:6ba7b810-9dad-11d1-80b4-00c04fd430c8"):
        assert opa_uuid_parse(text) is not None
        if "regorus" in ENGINES:
            assert answer("regorus", "uuid.parse(input.t)", {"t": text}) == opa_uuid_parse(text)
        if "regopy" in ENGINES:
            with pytest.raises(EvaluationError, match=r"uuid\.parse at p\.rego:3 given "):
                answer("regopy", "uuid.parse(input.t)", {"t": text})


def test_only_calls_are_renamed_for_regorus_on_their_line() -> None:
    source = 'package p\nx := uuid.parse("a")\ny := "uuid.parse(" \nz := input.uuid.parse\n'
    out = uuid_for_regorus(source).splitlines()
    assert out[1] == 'x := __natpolicy_uuid_parse("a")' and out[2:4] == ['y := "uuid.parse(" ', "z := input.uuid.parse"]
    assert uuid_for_regorus("package p\nx := 1\n") == "package p\nx := 1\n"
