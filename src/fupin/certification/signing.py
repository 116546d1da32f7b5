"""Ed25519 signing of certificate verification codes with the platform's key.

The key is loaded by `fupin.core.signing` (`FUPIN_SIGNING_KEY`: a PEM file or text, or 32 bytes in hex or base64;
without it a deterministic development key derived from SECRET_KEY), which integrity anchors use as well. The
public key is published (API `/api/v1/certificates/public-key`) so codes can be checked offline.
"""

from __future__ import annotations

from fupin.core.signing import (
    DEV_KEY_LABEL,
    is_derived_key,
    key_id,
    private_key,
    public_key,
    public_key_pem,
    public_key_raw,
    sign,
    verify,
)

__all__ = ["DEV_KEY_LABEL", "is_derived_key", "key_id", "private_key", "public_key", "public_key_pem",
           "public_key_raw", "sign", "verify"]
