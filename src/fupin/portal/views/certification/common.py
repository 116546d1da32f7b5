"""Small helpers shared by the certification pages."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _l

from fupin.certification.enums import ApplicationStatus, ProductCategory, ProductStatus
from fupin.core.money import fen_to_yuan_grouped


def yuan(fen: int | None) -> str:
    return "" if fen is None else fen_to_yuan_grouped(int(fen))


def label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", _l("any")), *choices]


def category_label(value: str) -> str:
    return label(ProductCategory, value)


def status_label(value: str) -> str:
    return label(ApplicationStatus, value)


def product_status_label(value: str) -> str:
    return label(ProductStatus, value)


def lines(text: str) -> list[str]:
    """Household references typed one per line (or separated by commas, spaces or Chinese commas)."""
    out: list[str] = []
    for part in text.replace("，", ",").replace("、", ",").replace(";", ",").split():
        out.extend(p.strip() for p in part.split(",") if p.strip())
    return out
