"""Money is integer fen. Conversions happen at the edges only, and every amount in yuan that enters the platform
(files, forms, the API) is read by the one parser here, `yuan_to_fen` (DESIGN.md rule 11).

The accepted spelling (docs/domain/money.md): surrounding spaces, an optional sign, an optional ¥ or ￥, digits
either plain (``1234567``) or grouped by three with one separator throughout (``1,234,567`` or ``1，234，567``;
the first group does not start with 0), then an optional point with decimals, of which at most two may be other
than zero. Anything else — ``10,00``, ``0,5``, ``1.234,56``, exponents, NaN, infinity — is refused with the code
``invalid_amount``; an amount is never guessed.

At the API edge the pydantic types `Yuan`, `YuanOrZero`, `OptionalYuan` and `OptionalYuanOrZero` accept a JSON
number or string, validate it with the same parser and hand the endpoint integer fen; in forms (portal, admin)
`YuanField` does the same.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

# The platform's upper bound for any amount: one trillion yuan (a bigint holds 9.2e18 fen). Callers with a
# tighter bound of their own (the ledger: one purchase ≤ 100 million yuan) pass `max_fen`.
MAX_FEN = 100 * 10**12

ERROR_CODES = frozenset({"required", "invalid_amount", "too_many_decimals", "amount_not_positive",
                         "amount_negative", "amount_too_large"})

# Plain digits with at most two decimals: the spelling of nearly every cell of a purchase file, read without
# building a Decimal (the parser is in the hot path of the ledger import).
_PLAIN = re.compile(r"([0-9]{1,15})(?:\.([0-9]{1,2}))?")
# The whole grammar (the text already stripped). Decimals are captured whole so that "1.234" can be refused
# for its decimals rather than as "not an amount".
_GRAMMAR = re.compile(
    r"([-+]?)[¥￥]?\s*"
    r"([0-9]+|[1-9][0-9]{0,2}(?:,[0-9]{3})+|[1-9][0-9]{0,2}(?:，[0-9]{3})+)"
    r"(?:\.([0-9]+))?"
)
# The same grammar for the OpenAPI description (ECMA-262 flavour, anchored).
PATTERN = (r"^\s*[-+]?[¥￥]?\s*(?:[0-9]+|[1-9][0-9]{0,2}(?:,[0-9]{3})+|[1-9][0-9]{0,2}(?:，[0-9]{3})+)"
           r"(?:\.[0-9]{1,2}0*)?\s*$")


class MoneyError(ValueError):
    """An amount that cannot be accepted: a stable `code` (one of ERROR_CODES) and a human `message`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _invalid(value: Any) -> MoneyError:
    return MoneyError("invalid_amount", _("“%(value)s” is not an amount in yuan (write it like 1234.56 or "
                                          "1,234.56)") % {"value": str(value)[:40]})


def _text_of(value: Any) -> str:
    """The text of a non-string amount: an int, a float from a spreadsheet cell or a JSON number, a Decimal."""
    if value is None:
        return ""
    if isinstance(value, bool):
        raise _invalid(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _invalid(value)
        # repr is the shortest text that gives the float back: the value the cell shows
        return format(Decimal(repr(value)), "f")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _invalid(value)
        return format(value, "f")
    raise _invalid(value)


def _parse_slow(text: str) -> tuple[int, bool]:
    """(fen, negative) for any spelling other than plain digits; MoneyError with the reason otherwise."""
    t = text.strip()
    if not t:
        raise MoneyError("required", _("the amount is empty"))
    m = _GRAMMAR.fullmatch(t)
    if m is None:
        raise _invalid(text)
    sign, whole, dec = m.groups()
    digits = whole.replace(",", "").replace("，", "").lstrip("0")
    if len(digits) > 20:  # far above any bound, and int() of a very long text is refused by Python
        raise MoneyError("amount_too_large", _("the amount is too large"))
    cents = 0
    if dec is not None:
        if len(dec) > 2:
            if dec[2:].strip("0"):
                raise MoneyError("too_many_decimals", _("the amount has more than two decimals (fen)"))
            dec = dec[:2]
        cents = int(dec) * (10 if len(dec) == 1 else 1)
    return int(digits or "0") * 100 + cents, sign == "-"


def yuan_to_fen(value: str | int | float | Decimal | None, *, allow_zero: bool = False,
                allow_negative: bool = False, max_fen: int = MAX_FEN) -> int:
    """Parse an amount in yuan into integer fen by the platform's one grammar. Raises MoneyError(code, message)."""
    text = value if isinstance(value, str) else _text_of(value)
    m = _PLAIN.fullmatch(text)
    if m is not None:
        whole, dec = m.groups()
        fen = int(whole) * 100 + (0 if dec is None else int(dec) * (10 if len(dec) == 1 else 1))
        if 0 < fen <= max_fen:
            return fen
        negative = False
    else:
        fen, negative = _parse_slow(text)
    if negative and fen:
        if not allow_negative:
            if allow_zero:
                raise MoneyError("amount_negative", _("the amount must not be negative"))
            raise MoneyError("amount_not_positive", _("the amount must be greater than zero"))
    elif fen == 0 and not allow_zero:
        raise MoneyError("amount_not_positive", _("the amount must be greater than zero"))
    if fen > max_fen:
        raise MoneyError("amount_too_large", _("the amount is larger than %(max)s yuan: check the unit")
                         % {"max": f"{max_fen // 100:,}"})
    return -fen if negative else fen


def fen_parser(*, allow_zero: bool = False, allow_negative: bool = False, max_fen: int = MAX_FEN,
               error: Callable[[str, str], Exception] = MoneyError) -> Callable[[Any], int]:
    """`yuan_to_fen` with its options bound, for a hot path (the purchase import): plain numbers are read inline,
    anything else by `yuan_to_fen` itself, whose refusal is raised as `error(code, message)` (e.g. a CellError)."""
    plain = _PLAIN.fullmatch

    def parse(value: Any) -> int:
        m = plain(value) if type(value) is str else None
        if m is not None:
            whole, dec = m.groups()
            fen = int(whole) * 100 + (0 if dec is None else int(dec) * (10 if len(dec) == 1 else 1))
            if 0 < fen <= max_fen:
                return fen
        try:
            return yuan_to_fen(value, allow_zero=allow_zero, allow_negative=allow_negative, max_fen=max_fen)
        except MoneyError as exc:
            if error is MoneyError:
                raise
            raise error(exc.code, exc.message) from None

    return parse


def fen_to_yuan(fen: int) -> str:
    """12345 -> '123.45'; -5 -> '-0.05'."""
    sign = "-" if fen < 0 else ""
    q, r = divmod(abs(int(fen)), 100)
    return f"{sign}{q}.{r:02d}"


def fen_to_yuan_grouped(fen: int) -> str:
    """12345678 -> '123,456.78' for display."""
    sign = "-" if fen < 0 else ""
    q, r = divmod(abs(int(fen)), 100)
    return f"{sign}{q:,}.{r:02d}"


# -- the API edge: pydantic types -----------------------------------------------------------------------------------
def _validator(*, allow_zero: bool, optional: bool) -> Callable[[Any], int | None]:
    def validate(value: Any) -> int | None:
        if optional and (value is None or (isinstance(value, str) and not value.strip())):
            return None
        try:
            return yuan_to_fen(value, allow_zero=allow_zero)
        except MoneyError as exc:
            raise PydanticCustomError(exc.code, "{message}", {"message": exc.message}) from None
    return validate


def _schema(*, allow_zero: bool, optional: bool) -> dict[str, Any]:
    kinds: list[dict[str, Any]] = [{"type": "string", "pattern": PATTERN}, {"type": "number"}]
    if optional:
        kinds.append({"type": "null"})
    bound = "≥ 0" if allow_zero else "> 0"
    return {"anyOf": kinds, "examples": ["1234.56"],
            "description": f"Amount in yuan {bound}, at most two decimals: a JSON number or a string such as "
                           f"\"1234.56\", \"1,234.56\" or \"¥1,234.56\" (thousands separators only in groups of "
                           f"three; no exponent). Received as integer fen."}


Yuan = Annotated[int, BeforeValidator(_validator(allow_zero=False, optional=False)),
                 WithJsonSchema(_schema(allow_zero=False, optional=False))]
YuanOrZero = Annotated[int, BeforeValidator(_validator(allow_zero=True, optional=False)),
                       WithJsonSchema(_schema(allow_zero=True, optional=False))]
OptionalYuan = Annotated[int | None, BeforeValidator(_validator(allow_zero=False, optional=True)),
                         WithJsonSchema(_schema(allow_zero=False, optional=True))]
OptionalYuanOrZero = Annotated[int | None, BeforeValidator(_validator(allow_zero=True, optional=True)),
                               WithJsonSchema(_schema(allow_zero=True, optional=True))]


# -- the form edge: a Django form field ------------------------------------------------------------------------------
class YuanField(forms.Field):
    """An amount in yuan typed into a form, cleaned by the one parser into integer fen (None when left empty and not
    required); a refusal is a field error with the parser's code. An initial value is fen and shows as yuan."""

    widget = forms.TextInput

    def __init__(self, *, allow_zero: bool = False, max_fen: int = MAX_FEN, **kwargs: Any) -> None:
        self.allow_zero = allow_zero
        self.max_fen = max_fen
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {**super().widget_attrs(widget), "inputmode": "decimal", "maxlength": "30"}

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return fen_to_yuan(value)
        return value

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return yuan_to_fen(value, allow_zero=self.allow_zero, max_fen=self.max_fen)
        except MoneyError as exc:
            raise ValidationError(exc.message, code=exc.code) from None
