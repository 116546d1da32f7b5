"""Personal data is masked in the logs (issue #15 §8): the handler configured by settings.LOGGING writes resident
identity numbers and mobile numbers masked, in messages, their arguments and tracebacks; other numbers stay."""

from __future__ import annotations

import io
import logging

import pytest

from fupin.core.logmask import mask

RESIDENT = "52262719800101123X"
PHONE = "13812345678"


@pytest.fixture
def console():
    """The root logger's console handler from settings.LOGGING, writing to a buffer."""
    (handler,) = [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]
    buffer = io.StringIO()
    old = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(old)


def test_the_configured_handler_masks_identity_and_phone_numbers(console):
    log = logging.getLogger("fupin.test.logmask")
    log.warning("household %s, phone %s, order 2024123112345678901, amount_fen 5500000000000", RESIDENT, PHONE)
    try:
        raise ValueError(f"bad row: {RESIDENT}")
    except ValueError:
        log.exception("import failed for %s", PHONE)
    text = console.getvalue()
    assert RESIDENT not in text and PHONE not in text
    assert "522627************" in text and "138****5678" in text
    assert "2024123112345678901" in text and "5500000000000" in text  # longer runs of digits are not personal data
    assert "ValueError: bad row: 522627************" in text


@pytest.mark.parametrize("text, expected", [
    (f"id={RESIDENT}.", "id=522627************."),
    (f"电话{PHONE}，", "电话138****5678，"),
    ("12345678901", "12345678901"),  # not a mobile number (starts with 12)
    ("credit code 91522627MA6DXXXX1X", "credit code 91522627MA6DXXXX1X"),
])
def test_mask(text, expected):
    assert mask(text) == expected
