"""Identifier validation: unified social credit codes (GB 32100-2015), resident identity numbers
(GB 11643, ISO 7064 MOD 11-2), region codes; keyed hashing and masking of personal data."""

from __future__ import annotations

import hashlib
import hmac
import re

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_REGION_RE = re.compile(r"^(\d{6}|\d{9}|\d{12})$")


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_error(code: str) -> str | None:
    """None if `code` is a valid unified social credit code, else the reason in English."""
    if len(code) != 18:
        return "must be 18 characters"
    if not _USCC_RE.match(code):
        return "contains characters outside the GB 32100 alphabet"
    if uscc_check_char(code[:17]) != code[17]:
        return "check character does not match"
    return None


def is_valid_uscc(code: str) -> bool:
    return uscc_error(code) is None


def make_uscc(body17: str) -> str:
    """Complete 17 characters with their check character (used by the demo world and tests)."""
    return body17 + uscc_check_char(body17)


def resident_id_check_char(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def resident_id_error(number: str) -> str | None:
    if not _ID_RE.match(number):
        return "must be 17 digits followed by a digit or X"
    if resident_id_check_char(number[:17]) != number[17]:
        return "check character does not match (ISO 7064 MOD 11-2)"
    return None


def normalise_resident_id(number: str) -> str:
    return number.strip().upper()


def make_resident_id(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


def keyed_hash(value: str, *, key: str, purpose: str = "resident-id") -> str:
    """HMAC-SHA256 of a personal identifier, hex. The key never leaves the server settings."""
    return hmac.new(key.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def is_region_code(code: str) -> bool:
    return bool(_REGION_RE.match(code))


def mask_name(name: str) -> str:
    """张三丰 -> 张**; Li Lei -> L*****."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str) -> str:
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
