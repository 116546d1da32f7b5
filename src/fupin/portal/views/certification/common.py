"""Small helpers shared by the certification pages."""

from __future__ import annotations

from typing import Any

import segno
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from fupin.certification.enums import ApplicationStatus, ProductCategory, ProductStatus
from fupin.certification.policy import ActingFor, Basis

from ...format import choice_label as label
from ...format import with_any as blank
from ...format import yuan

__all__ = ["acting_banner", "blank", "qr_svg", "category_label", "label", "lines", "product_status_label", "status_label", "yuan"]


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


def acting_banner(acting: ActingFor | None) -> dict[str, Any] | None:
    """What the "acting for …" banner of the supplier pages says: the entity and the basis (the viewer's own
    organisation, an authorisation, or an administrator's authority)."""
    if acting is None:
        return None
    entity = acting.entity
    if acting.basis == Basis.AUTHORISED and acting.authorisation is not None:
        grant = acting.authorisation
        values = {"by": grant.granted_by_name or "—", "start": grant.valid_from.isoformat(),
                  "end": grant.valid_to.isoformat() if grant.valid_to else ""}
        basis = (_("on behalf of the supplier, authorised by %(by)s from %(start)s until %(end)s") % values
                 if grant.valid_to else
                 _("on behalf of the supplier, authorised by %(by)s from %(start)s until revoked") % values)
    elif acting.basis == Basis.ADMINISTRATOR:
        basis = _("on behalf of the supplier, as an administrator (recorded in the audit log)")
    else:
        basis = _("your own organisation")
    return {"text": _("Acting for %(name)s") % {"name": entity.name}, "basis": basis, "on_behalf": acting.on_behalf,
            "credit_code": entity.credit_code or ""}


def qr_svg(data: str, *, title: str) -> SafeString:
    """A QR code of `data` as inline SVG, generated on the server (segno; error correction M). No style attribute
    (the CSP forbids inline styles): the size comes from the `qr-code` class in certification.css."""
    code = segno.make(data, error="m", micro=False)
    return mark_safe(code.svg_inline(scale=4, omitsize=True, title=title, svgclass="qr-code",  # noqa: S308
                                     lineclass=None))
