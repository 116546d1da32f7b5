"""Small helpers shared by the certification pages."""

from __future__ import annotations

from fupin.certification.enums import ApplicationStatus, ProductCategory, ProductStatus

from ...format import choice_label as label
from ...format import with_any as blank
from ...format import yuan

__all__ = ["blank", "category_label", "label", "lines", "product_status_label", "status_label", "yuan"]


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
