"""regopy_stops: regopy's crypto.x509 readers were undefined on text that is no certificate, request or key,
where OPA stops (or answers [false, []] for parse_and_verify_certificates): undefined now stops there."""
from __future__ import annotations

import datetime

import pytest

from natpolicy.rego.engine import EvaluationError
from rego_answers import ENGINES, answer

pytestmark = pytest.mark.skipif("regopy" not in ENGINES, reason="regopy is not installed here")


def _pem_certificate() -> str:
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "natpolicy-test")])
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(1).not_valid_before(start).not_valid_after(start + datetime.timedelta(days=1))
                   .sign(key, hashes.SHA256()))
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


@pytest.mark.parametrize("call", ["crypto.x509.parse_certificates(input.c)",
                                  "crypto.x509.parse_and_verify_certificates(input.c)",
                                  "crypto.x509.parse_certificate_request(input.c)",
                                  "crypto.x509.parse_rsa_private_key(input.c)",
                                  "crypto.x509.parse_keypair(input.c, input.c)"])
def test_text_that_is_no_certificate_or_key_stops(call: str) -> None:
    with pytest.raises(EvaluationError, match=r"p\.rego:3"):
        answer("regopy", call, {"c": "not a certificate"})


def test_a_certificate_still_parses() -> None:
    # The near miss: a real (self-signed, generated) certificate answers as before.
    assert answer("regopy", "count(crypto.x509.parse_certificates(input.c))", {"c": _pem_certificate()}) == 1
