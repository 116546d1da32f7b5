"""Certificates: the signed verification code, offline checking with the published key, tampering rejected."""

import base64
import datetime as dt
import json

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from fupin.certification import rules, selectors, services, signing

from . import factories as cf

pytestmark = pytest.mark.django_db


@pytest.fixture
def certified():
    revs = cf.reviewers()
    product = cf.certified_product(revs=revs)
    return product, product.certificates.get(), revs


def _tamper(code: str, **changes) -> str:
    prefix, payload, sig = code.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body.update(changes)
    raw = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    return ".".join([prefix, base64.urlsafe_b64encode(raw).rstrip(b"=").decode(), sig])


def test_genuine_code_verifies(certified):
    product, cert, _ = certified
    result = selectors.verify_code(code=cert.code, on=cf.LIST_DAY)
    assert result["valid"] and result["result"] == "valid"
    assert result["product_code"] == product.code and result["certificate"] == cert.number


def test_tampered_code_is_rejected(certified, api_as):
    _, cert, _ = certified
    forged = _tamper(cert.code, to="2099-12-31")
    result = selectors.verify_code(code=forged, on=cf.LIST_DAY)
    assert not result["valid"] and result["result"] == "bad_signature"
    r = api_as().post("/certificates/verify", {"code": forged})
    assert r.status_code == 200 and r.json()["valid"] is False and r.json()["signature_ok"] is False
    # a flipped signature character, a truncated code, garbage
    flipped = cert.code[:-2] + ("A" if cert.code[-2] != "A" else "B") + cert.code[-1]
    for bad in [flipped, cert.code[:40], "hello", "FPC1.x.y", ""]:
        assert selectors.verify_code(code=bad)["valid"] is False


def test_code_signed_by_another_key_is_rejected(certified):
    _, cert, _ = certified
    payload, _sig, _fields = rules.decode_code(cert.code)
    other = Ed25519PrivateKey.generate()
    forged = rules.encode_code(payload, other.sign(payload))
    assert selectors.verify_code(code=forged)["result"] == "bad_signature"


def test_offline_verification_with_the_published_public_key(certified, api_as):
    _, cert, _ = certified
    published = api_as().get("/certificates/public-key").json()
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(published["public_key_raw_base64"]))
    payload, sig, fields = rules.decode_code(cert.code)
    key.verify(sig, payload)  # raises if invalid
    assert fields["k"] == published["key_id"]
    with pytest.raises(InvalidSignature):
        key.verify(sig, payload.replace(b'"b":"', b'"b":"X'))


def test_verification_reports_suspension_and_expiry(certified):
    product, cert, revs = certified
    assert selectors.verify_code(code=cert.code, on=cert.valid_to + dt.timedelta(days=1))["result"] == "out_of_period"
    services.product_suspend(product=product, actor=revs.county, reason="complaint", today=cf.LIST_DAY)
    result = selectors.verify_code(code=cert.code, on=cf.LIST_DAY)
    assert result["signature_ok"] and not result["valid"] and result["result"] == "suspended"


def test_signing_key_from_settings_and_derived_dev_key(settings):
    derived = signing.public_key_raw()
    assert signing.is_derived_key()
    seed = bytes(range(32))
    settings.FUPIN_SIGNING_KEY = seed.hex()
    assert not signing.is_derived_key()
    expected = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()
    assert signing.public_key_raw() == expected != derived
    settings.FUPIN_SIGNING_KEY = base64.b64encode(seed).decode()
    assert signing.public_key_raw() == expected
    settings.FUPIN_SIGNING_KEY = "not a key"
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        signing.private_key()
