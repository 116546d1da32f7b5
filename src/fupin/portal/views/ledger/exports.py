"""The ledger pages' downloads (issue #14): the entry list, the dashboard's totals and the account pages of a
buyer, a seller and a county. The .xlsx is for people (`fupin.core.xlsx`: money as yuan numbers, headers and
codes in the viewer's language, no internal ids unless `?ids=1`); the CSV keeps its machine layout (codes, fen and
ids, English keys) so that scripts reading it keep working (docs/exports.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fupin.core.xlsx import Field, Kind, Sheet, write_sheets
from fupin.core.xlsx import workbook as xlsx_workbook
from fupin.ledger.enums import Basis, Channel, EntryStatus, NotCounted
from fupin.ledger.enums import Kind as EntryKind
from fupin.ledger.rules import quantity_text

from ...forms.ledger import buyer_category_choices

ENTRY_CSV_HEADER = ["id", "source", "external_id", "revision", "purchase_date", "buyer_id", "buyer_category",
                    "seller_id", "county_code", "product_category", "quantity", "unit", "amount_fen", "amount_yuan",
                    "kind", "channel", "status", "counted", "basis", "not_counted_reason", "rule_version_id",
                    "designated_relation_id", "east_west_relation_id", "counterpart_relation_id", "reverses_id"]


class _Categories:
    """The buyer categories (organisation kinds and members of the public) as a choices object."""

    @property
    def choices(self) -> list[tuple[str, Any]]:
        return [(k, v) for k, v in buyer_category_choices() if k]


ENTRY_FIELDS = [
    Field("id", gettext_lazy("Entry id"), Kind.INT, internal=True),
    Field("source", gettext_lazy("Source")),
    Field("external_id", gettext_lazy("External id")),
    Field("revision", gettext_lazy("Revision"), Kind.INT),
    Field("purchase_date", gettext_lazy("Purchase date"), Kind.DATE),
    Field("buyer_id", gettext_lazy("Buyer id"), Kind.INT, internal=True),
    Field("buyer_code", gettext_lazy("Buyer credit code")),
    Field("buyer", gettext_lazy("Buyer")),
    Field("buyer_category", gettext_lazy("Buyer category"), choices=_Categories()),
    Field("seller_id", gettext_lazy("Seller id"), Kind.INT, internal=True),
    Field("county_code", gettext_lazy("Origin county code")),
    Field("product_category", gettext_lazy("Product category")),
    Field("quantity", gettext_lazy("Quantity"), Kind.NUMBER),
    Field("unit", gettext_lazy("Unit")),
    Field("amount_fen", gettext_lazy("Amount (fen)"), Kind.INT, internal=True),
    Field("amount", gettext_lazy("Amount (yuan)"), Kind.YUAN),
    Field("kind", gettext_lazy("Kind"), choices=EntryKind),
    Field("channel", gettext_lazy("Channel"), choices=Channel),
    Field("status", gettext_lazy("Status"), choices=EntryStatus),
    Field("counted", gettext_lazy("Counts toward the account")),
    Field("basis", gettext_lazy("Counting basis"), choices=Basis),
    Field("not_counted_reason", gettext_lazy("Why it does not count"), choices=NotCounted),
    Field("rule_version_id", gettext_lazy("Rule version id"), Kind.INT, internal=True),
    Field("designated_relation_id", gettext_lazy("Designated assistance relation id"), Kind.INT, internal=True),
    Field("east_west_relation_id", gettext_lazy("East–west relation id"), Kind.INT, internal=True),
    Field("counterpart_relation_id", gettext_lazy("Counterpart relation id"), Kind.INT, internal=True),
    Field("reverses_id", gettext_lazy("Reverses entry id"), Kind.INT, internal=True),
]


def entry_csv_row(e: Any) -> list[Any]:
    from .common import yuan

    return [e.pk, e.source, e.external_id, e.revision, e.purchase_date, e.buyer_id, e.buyer_category, e.seller_id,
            e.county_code, e.product_category, quantity_text(e.quantity_milli), e.unit, e.amount_fen,
            yuan(e.amount_fen).replace(",", ""), e.kind, e.channel, e.status, e.counted, e.basis,
            e.not_counted_reason, e.rule_version_id, e.rel_designated_id, e.rel_east_west_id, e.rel_counterpart_id,
            e.reverses_id]


def entry_xlsx_row(e: Any) -> dict[str, Any]:
    buyer = e.buyer if e.buyer_id else None
    return {
        "id": e.pk, "source": e.source, "external_id": e.external_id, "revision": e.revision,
        "purchase_date": e.purchase_date, "buyer_id": e.buyer_id, "buyer_code": getattr(buyer, "credit_code", "") or "",
        "buyer": buyer.name if buyer is not None else _("Members of the public"),
        "buyer_category": e.buyer_category, "seller_id": e.seller_id, "county_code": e.county_code,
        "product_category": e.product_category, "quantity": quantity_text(e.quantity_milli) or None, "unit": e.unit,
        "amount_fen": e.amount_fen, "amount": e.amount_fen, "kind": e.kind, "channel": e.channel, "status": e.status,
        "counted": e.counted, "basis": e.basis, "not_counted_reason": e.not_counted_reason,
        "rule_version_id": e.rule_version_id, "designated_relation_id": e.rel_designated_id,
        "east_west_relation_id": e.rel_east_west_id, "counterpart_relation_id": e.rel_counterpart_id,
        "reverses_id": e.reverses_id,
    }


def entries_xlsx(entries: Iterable[Any], *, with_internal: bool) -> bytes:
    return xlsx_workbook((entry_xlsx_row(e) for e in entries), fields=ENTRY_FIELDS, sheet_title=_("Entries"),
                         with_internal=with_internal)


def totals_xlsx(rows: Sequence[Mapping[str, Any]], *, dims: Sequence[str], header: Sequence[str],
                with_internal: bool, wan: bool = False) -> bytes:
    """The dashboard's totals: one column per grouping (labels in the viewer's language), the amount in yuan (or
    万元 when the page shows 万元), quantity, entries; the groupings' codes with `?ids=1`."""
    fields = [
        *[Field(f"label_{i}", label) for i, label in enumerate(header)],
        *[Field(f"{d}_code", f"{label} ({_('code')})", internal=True) for d, label in zip(dims, header, strict=True)],
        Field("amount_fen", gettext_lazy("Amount (fen)"), Kind.INT, internal=True),
        Field("amount", gettext_lazy("Amount (10,000 yuan)") if wan else gettext_lazy("Amount (yuan)"),
              Kind.WAN if wan else Kind.YUAN),
        Field("quantity", gettext_lazy("Quantity"), Kind.NUMBER),
        Field("entries", gettext_lazy("Entries"), Kind.INT),
    ]
    data = ({**{f"label_{i}": label for i, label in enumerate(r["labels"])},
             **{f"{d}_code": r.get(d) for d in dims}, "amount_fen": r["amount_fen"], "amount": r["amount_fen"],
             "quantity": quantity_text(r.get("quantity_milli")) if r.get("quantity_milli") else None,
             "entries": r["entries"]} for r in rows)
    return xlsx_workbook(data, fields=fields, sheet_title=_("Totals"), with_internal=with_internal)


def account_xlsx(*, years: Sequence[Mapping[str, Any]], groups: Sequence[Mapping[str, Any]]) -> bytes:
    """An account page (a buyer's, a seller's, a county's) as a workbook: the yearly totals, then one sheet per
    section of the page (by scheme, by relation, by province…), money in yuan as numbers."""
    from fupin.core.xlsx import FORMATS

    yuan_fmt, int_fmt = FORMATS[Kind.YUAN], FORMATS[Kind.INT]
    sheets = [Sheet(
        title=_("Years"),
        header=[_("Year"), _("Amount (yuan)"), _("Direct purchase (yuan)"), _("Helped sale (yuan)"), _("Entries")],
        rows=[[int(y["year"]), _yuan(y["amount_fen"]), _yuan(y["direct_fen"]), _yuan(y["helped_fen"]), y["entries"]]
              for y in years],
        formats=[None, yuan_fmt, yuan_fmt, yuan_fmt, int_fmt],
    )]
    for g in groups:
        title = str(g["title"])
        sheets.append(Sheet(
            title=title, header=[title, _("Amount (yuan)"), _("Entries")],
            rows=[[" · ".join(str(x) for x in r["labels"]), _yuan(r["amount_fen"]), r["entries"]] for r in g["rows"]],
            formats=[None, yuan_fmt, int_fmt]))
    return write_sheets(sheets)


def _yuan(fen: Any) -> Any:
    from decimal import Decimal

    return Decimal(int(fen or 0)) / 100
