"""The platform's Ed25519 key (the `cryptography` package): certificate verification codes and integrity anchors are
signed with it, and its public key is published so that both can be checked offline.

The private key comes from `FUPIN_SIGNING_KEY` (Django setting or environment variable): a path to a PEM file,
a PEM text, or 32 bytes as 64 hex characters or base64. Without it — development and tests — a deterministic key
is derived from SECRET_KEY (HMAC-SHA256 of a fixed label); production should set FUPIN_SIGNING_KEY so that a
rotated SECRET_KEY does not invalidate issued certificates and anchors. Settings are read when a key is first
needed, never at import time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# the label of the derived development key (unchanged since certification introduced it: issued codes stay valid)
DEV_KEY_LABEL = b"fupin/certification/ed25519/v1"


def _configured_source() -> str:
    return str(getattr(settings, "FUPIN_SIGNING_KEY", "") or os.environ.get("FUPIN_SIGNING_KEY", "")).strip()


@lru_cache(maxsize=8)
def _load(source: str, secret_key: str) -> Ed25519PrivateKey:
    if not source:
        seed = hmac.new(secret_key.encode(), DEV_KEY_LABEL, hashlib.sha256).digest()
        return Ed25519PrivateKey.from_private_bytes(seed)
    text = source
    if "BEGIN" not in source and len(source) < 4096 and Path(source).is_file():
        text = Path(source).read_text()
    if "BEGIN" in text:
        key = serialization.load_pem_private_key(text.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ImproperlyConfigured("FUPIN_SIGNING_KEY is not an Ed25519 private key.")
        return key
    raw: bytes | None = None
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raw = None
    if raw is None or len(raw) != 32:
        raise ImproperlyConfigured("FUPIN_SIGNING_KEY must be a PEM file or text, or 32 bytes in hex or base64.")
    return Ed25519PrivateKey.from_private_bytes(raw)


def private_key() -> Ed25519PrivateKey:
    return _load(_configured_source(), settings.SECRET_KEY)


def public_key() -> Ed25519PublicKey:
    return private_key().public_key()


def public_key_raw() -> bytes:
    return public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_pem() -> str:
    return public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def key_id_of(raw_public_key: bytes) -> str:
    """A short fingerprint of a public key (first 8 bytes of its SHA-256, hex)."""
    return hashlib.sha256(raw_public_key).hexdigest()[:16]


def key_id() -> str:
    """The fingerprint of the platform's public key."""
    return key_id_of(public_key_raw())


def is_derived_key() -> bool:
    return not _configured_source()


def sign(payload: bytes) -> bytes:
    return private_key().sign(payload)


def verify_with(raw_public_key: bytes, payload: bytes, signature: bytes) -> bool:
    """Whether `signature` is an Ed25519 signature of `payload` by the given public key (32 raw bytes)."""
    try:
        Ed25519PublicKey.from_public_bytes(raw_public_key).verify(signature, payload)
    except (InvalidSignature, ValueError):
        return False
    return True


def verify(payload: bytes, signature: bytes) -> bool:
    """Whether `signature` is the platform key's signature of `payload`."""
    try:
        public_key().verify(signature, payload)
    except (InvalidSignature, ValueError):
        return False
    return True
