"""net.cidr_contains, semver.is_valid and rand.intn: what an engine answered otherwise than OPA, silently (found by
scripts/rego_differential.py, measured), now answered as OPA or stopped with the call's line (cidr_opa and
semver_opa on regorus; regopy_collections on regopy, which has no net.*).

Each fire is such a case; each near miss must keep answering as before.
"""
from __future__ import annotations

import pytest

from natpolicy.rego.cidr_opa import opa_cidr_contains
from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.semver_opa import opa_semver_is_valid, rand_intn_for_engine
from rego_answers import ENGINES, answer


def test_cidr_contains_reads_ipv4_mapped_addresses_as_go() -> None:
    # Go's IPNet.Contains reads ::ffff:a.b.c.d as a.b.c.d and ::ffff:0:0/96 as an IPv4 network; regorus said false.
    assert opa_cidr_contains("10.0.0.0/8", "::ffff:10.0.0.1") is True
    assert opa_cidr_contains("::ffff:0:0/96", "10.1.2.3") is True
    assert opa_cidr_contains("10.0.0.0/8", "::ffff:10.0.0.0/104") is True
    if "regorus" in ENGINES:
        assert answer("regorus", 'net.cidr_contains("10.0.0.0/8", input.ip)', {"ip": "::ffff:10.0.0.1"}) is True


def test_cidr_contains_near_misses_answer_as_before() -> None:
    assert [opa_cidr_contains(a, b) for a, b in (
        ("10.0.0.0/8", "10.1.2.3"), ("10.0.0.1/8", "10.0.0.0/9"), ("0.0.0.0/0", "255.255.255.255"),
        ("::/0", "10.0.0.1"), ("2001:db8::/32", "2001:db8::1"), ("10.0.0.0/8", "10.0.0.0/7"),
        ("10.0.0.0/08", "10.0.0.1"), ("10.0.0.0/8", "11.0.0.1"))] == [True, True, True, False, True, False, True, False]
    for bad in (("10.0.0.0/8", "bad"), ("10.0.0.0/33", "10.0.0.1"), ("010.0.0.0/8", "10.0.0.1"),
                ("10.0.0.0/8", "10.00.0.1"), ("fe80::/10", "fe80::1%eth0"), ("10.0.0.0", "10.0.0.1")):
        with pytest.raises(ValueError) as caught:
            opa_cidr_contains(*bad)
        assert bad[1] not in str(caught.value)  # never echoed


@pytest.mark.parametrize("engine", ENGINES)
def test_semver_is_valid_answers_as_opa(engine: str) -> None:
    # internal/semver Parse: an empty pre-release or build is valid, leading zeros are (ParseInt), an empty
    # identifier inside a pre-release is not. regorus said false to the first four, regopy true to the fifth.
    assert answer(engine, '[semver.is_valid("1.0.0-"), semver.is_valid("1.0.0+"), semver.is_valid("01.0.0"), '
                          'semver.is_valid("1.0.0-01"), semver.is_valid("1.0.0-alpha..1"), semver.is_valid("1.0.0"), '
                          'semver.is_valid("1.0"), semver.is_valid("1.0.0-a-b+c.d"), semver.is_valid(1)]') \
        == [True, True, True, True, False, True, False, True, False]


@pytest.mark.parametrize("engine", ENGINES)
def test_semver_is_valid_of_a_v_prefix_stops(engine: str) -> None:
    # OPA's newest parser drops a leading v, older 1.x releases refuse it: no answer is OPA's for every release.
    with pytest.raises(EvaluationError, match=r"semver\.is_valid|p\.rego:3"):
        answer(engine, "semver.is_valid(input.v)", {"v": "v1.0.0"})
    assert opa_semver_is_valid("99999999999999999999.0.0") is False  # past int64: ParseInt stops


@pytest.mark.parametrize("engine", ENGINES)
def test_rand_intn_of_zero_and_negative_bounds_answers_as_opa(engine: str) -> None:
    # OPA: 0 for n = 0 (regopy crashed the process), -n for a negative n (regorus: undefined; regopy: a number past n),
    # one value per text and n (rand.intn("a", -5) and rand.intn("a", 5) share it).
    assert answer(engine, '[rand.intn("a", 0), rand.intn("a", -1), rand.intn("a", -5) == rand.intn("a", 5), '
                          'rand.intn("b", 10) == rand.intn("b", 10), rand.intn("c", -3) < 3]') == [0, 0, True, True, True]
    with pytest.raises(EvaluationError):
        answer(engine, "rand.intn(input.s, input.n)", {"s": "a", "n": 2.5})


def test_rand_intn_values_stay_within_the_bound() -> None:
    intn = rand_intn_for_engine()
    assert all(0 <= intn(str(i), 7) < 7 for i in range(200)) and intn("x", 7) == intn("x", -7)
