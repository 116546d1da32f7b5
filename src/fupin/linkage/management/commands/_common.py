"""Helpers shared by the linkage commands."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.management.base import CommandError

if TYPE_CHECKING:
    from fupin.core.models import User


def user_named(username: str) -> User:
    from fupin.core.models import User

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"no active user {username!r}")
    return user


def date_arg(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"not a date: {text!r} (use YYYY-MM-DD)") from None


def required_date_arg(text: str) -> dt.date:
    day = date_arg(text)
    if day is None:
        raise CommandError("a date is required (use YYYY-MM-DD)")
    return day
