"""Personal data never reaches the logs: every record that a handler writes has resident identity numbers and
mobile phone numbers masked (issue #15 §8). Installed on the handlers in `settings.LOGGING`."""

from __future__ import annotations

import logging
import re

# an 18-character resident identity number (the last character may be X), and a mainland mobile number, not inside
# a longer run of digits (order numbers, amounts in fen, ids)
RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])([1-9]\d{5})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def mask(text: str) -> str:
    """`text` with each resident identity number kept to its region prefix and each mobile number to its first
    three and last four digits."""
    text = RESIDENT_ID.sub(lambda m: m.group(1) + "*" * 12, text)
    return MOBILE.sub(lambda m: m.group(1) + "****" + m.group(3), text)


class PersonalDataFilter(logging.Filter):
    """Masks the formatted message (and a traceback's text) of every record; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a badly formatted record is still logged, as the logging module would
            return True
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True
