"""Money is integer fen. Conversions happen at the edges only."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _


class MoneyError(ValueError):
    pass


def yuan_to_fen(value: str | int | Decimal, *, allow_zero: bool = False, allow_negative: bool = False) -> int:
    """Parse an amount in yuan (at most two decimals) into integer fen. Raises MoneyError with a reason."""
    if isinstance(value, bool):
        raise MoneyError(_("not a number"))
    if isinstance(value, float):
        # floats arrive from spreadsheets; repr round-trips the value the cell shows
        value = repr(value)
    text = str(value).strip().replace(",", "").replace("，", "").replace("¥", "").replace("￥", "")
    if not text:
        raise MoneyError(_("amount is empty"))
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise MoneyError(_("not a number")) from None
    if not amount.is_finite():
        raise MoneyError(_("not a number"))
    if amount.as_tuple().exponent < -2 and amount != amount.quantize(Decimal("0.01")):  # type: ignore[operator]
        raise MoneyError(_("more than two decimals"))
    fen = int(amount * 100)
    if fen == 0 and not allow_zero:
        raise MoneyError(_("amount must be greater than zero"))
    if fen < 0 and not allow_negative:
        raise MoneyError(_("amount must not be negative"))
    return fen


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
