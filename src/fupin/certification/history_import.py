"""The historical national catalogue (issue #10 §7): products certified before go-live, loaded from a CSV or .xlsx
file as migration work by an administrator — without today's review workflow — so that the ledger's "certified on
the purchase date" lookup sees them certified inside their historical periods.

Columns (English or Chinese headers): `product_code` 产品编码, `product_name` 产品名称, `category` 产品类别, `unit`
计量单位, `specification` 规格 (optional), `supplier_code` 供应商统一社会信用代码 (a registered market entity),
`origin_code` 产地区划代码 (a county, township or village of the registry), `batch_number` 目录批次, `batch_date`
批次日期, `valid_from` 有效期起, `valid_to` 有效期止.

Each row is one certificate of a product in a catalogue batch. On core's import skeleton (ADR 15): rows checked in
batches with prefetched lookups; refused with line, column and code for a date in the future (batch date, start of
validity) or before 2013, an end of validity before its start, an unknown origin, a supplier that does not exist, a
product code already used for another supplier; a row whose certificate is stored already is unchanged (the same
file twice writes nothing); a dry run writes nothing; the whole file is one transaction. The writes reuse the
services' own steps: `product_create` (a new product), `certificate_issue` (a signed certificate without an
application), `_open_period` (the certified period, merged with one it touches) and `_product_move` (the product's
named transitions: `rules.historical_moves`). A batch number not yet known is created marked `historical`. The run
is audited as a migration import (`certification:historical_import`, with the file's sha256 and the administrator).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core import access, audit
from fupin.core.enums import Role
from fupin.core.errors import FupinError, TransitionNotAllowed
from fupin.core.imports import Action, Column, Importer, ImportReport, Plan, Row, RowError, run_import
from fupin.core.services import file_sha256
from fupin.registry import rules as registry_rules
from fupin.registry import selectors as registry_selectors
from fupin.registry.enums import RegionLevel
from fupin.registry.history_import import day_of, reversed_dates
from fupin.registry.imports import enum_table

from . import rules, selectors, services
from .enums import ProductCategory, ProductStatus
from .models import CatalogueBatch, Certificate, Product

CATALOGUE_HISTORY_IMPORT = "certification_history_catalogue"
EARLIEST = registry_rules.IDENTIFICATION_START  # the account's first day
ORIGIN_LEVELS = (RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)

COLUMNS = [
    Column("product_code", "产品编码", aliases=("产品代码", "产品编号", "code")),
    Column("product_name", "产品名称", aliases=("名称", "name")),
    Column("category", "产品类别", aliases=("类别", "品类")),
    Column("unit", "计量单位", aliases=("单位",)),
    Column("specification", "规格", required=False, aliases=("规格型号", "产品规格")),
    Column("supplier_code", "供应商统一社会信用代码", aliases=("供应商代码", "供应商信用代码", "统一社会信用代码", "supplier")),
    Column("origin_code", "产地区划代码", aliases=("产地代码", "产地", "origin")),
    Column("batch_number", "目录批次", aliases=("批次号", "批次", "batch")),
    Column("batch_date", "批次日期", aliases=("发布日期", "目录发布日期")),
    Column("valid_from", "有效期起", aliases=("有效期开始", "证书起始日期", "认定日期")),
    Column("valid_to", "有效期止", aliases=("有效期截止", "有效期结束", "证书截止日期")),
]
# Names seen in catalogue spreadsheets beside the codes and the English and Chinese labels of the categories.
CATEGORY_ALIASES = {
    "粮油类": ProductCategory.GRAIN_OIL, "粮食": ProductCategory.GRAIN_OIL, "肉蛋奶类": ProductCategory.MEAT_EGG_DAIRY,
    "畜禽产品": ProductCategory.MEAT_EGG_DAIRY, "蔬菜": ProductCategory.FRUIT_VEGETABLE,
    "水果": ProductCategory.FRUIT_VEGETABLE, "果蔬类": ProductCategory.FRUIT_VEGETABLE, "茶": ProductCategory.TEA,
    "水产": ProductCategory.AQUATIC, "加工品": ProductCategory.PROCESSED_FOOD, "食品": ProductCategory.PROCESSED_FOOD,
    "手工艺品类": ProductCategory.HANDICRAFT, "劳务": ProductCategory.LABOUR_SERVICE,
}
TEXT_LIMITS = {"product_name": 200, "unit": 20, "specification": 200, "batch_number": 30}


class CatalogueHistoryImport(Importer):
    kind = CATALOGUE_HISTORY_IMPORT
    columns = COLUMNS

    def __init__(self, *, actor: Any, dry_run: bool = False, file_name: str, sha256: str) -> None:
        super().__init__(actor=actor, dry_run=dry_run)
        self.file_name, self.sha256 = file_name, sha256
        self.today = timezone.localdate()
        self.categories = enum_table(ProductCategory)
        for alias, code in CATEGORY_ALIASES.items():
            self.categories.setdefault(registry_rules.norm_value(alias), code)
        self.new_products: dict[str, tuple[int, int]] = {}     # code → (first line, supplier id) of a new product
        self.new_batches: dict[str, tuple[int, dt.date]] = {}  # number → (first line, date) of a new batch

    # -- check ------------------------------------------------------------------------------------------------------
    def prefetch(self, rows: list[Row]) -> None:
        codes = {r.get("product_code").strip().upper() for r in rows} - {""}
        self.products = selectors.products_by_codes(codes=codes)
        self.stored_certificates = set(Certificate.objects.filter(product__in=list(self.products.values()))
                                       .values_list("product__code", "batch__number", "valid_from", "valid_to"))
        numbers = {r.get("batch_number").strip() for r in rows} - {""}
        self.batches = {b.number: b for b in CatalogueBatch.objects.filter(number__in=numbers)}
        credit_codes = {registry_rules.normalise_credit_code(r.get("supplier_code")) for r in rows} - {""}
        self.suppliers = {e.credit_code: e for e in registry_selectors.entities_by_credit_codes(codes=credit_codes)}
        origins = {registry_rules.normalise_region_code(r.get("origin_code")) for r in rows} - {""}
        self.origins = registry_selectors.regions_by_codes(codes=origins) if origins else {}

    def plan(self, row: Row, errors: list[RowError]) -> Plan:
        line = row.line
        code = row.get("product_code").strip().upper()
        if not code:
            errors.append(RowError(line, "product_code", "required", _("The product code is required.")))
        elif not services.PRODUCT_CODE_RE.match(code):
            errors.append(RowError(line, "product_code", "bad_code",
                                   _("A product code is “P” followed by 4 to 18 digits.")))
        texts = self._texts(row, errors)
        category = self._category(row, errors)
        supplier = self._supplier(row, errors)
        origin = self._origin(row, errors)
        batch_date = day_of(row, "batch_date", errors, today=self.today, earliest=EARLIEST)
        start = day_of(row, "valid_from", errors, today=self.today, earliest=EARLIEST)
        end = day_of(row, "valid_to", errors, today=self.today, earliest=EARLIEST, future=True)
        reversed_dates(row, start, end, errors)
        if errors:
            return Plan(line, Action.REJECT)
        assert supplier is not None and origin is not None and batch_date and start and end  # noqa: S101 - narrowed above
        number = texts["batch_number"]
        refused = self._conflicts(line, code=code, supplier=supplier, number=number, batch_date=batch_date, end=end)
        if refused:
            return Plan(line, Action.REJECT, errors=refused)
        key = (code, number, start, end)
        if key in self.stored_certificates:
            return Plan(line, Action.UNCHANGED)
        if self.first_seen(key) is not None:
            return Plan(line, Action.DUPLICATE)
        self.remember(key, line)
        if code not in self.products:
            self.new_products.setdefault(code, (line, supplier.pk))
        if number not in self.batches:
            self.new_batches.setdefault(number, (line, batch_date))
        return Plan(line, Action.CREATE, key=key, values={
            "code": code, "name": texts["product_name"], "category": category, "unit": texts["unit"],
            "specification": texts["specification"], "supplier": supplier, "origin": origin, "batch_number": number,
            "batch_date": batch_date, "valid_from": start, "valid_to": end})

    def _texts(self, row: Row, errors: list[RowError]) -> dict[str, str]:
        out = {}
        for column, limit in TEXT_LIMITS.items():
            text = row.get(column).strip()
            if not text and column != "specification":
                errors.append(RowError(row.line, column, "required", _("A value is required.")))
            elif len(text) > limit:
                errors.append(RowError(row.line, column, "too_long",
                                       _("At most %(n)d characters.") % {"n": limit}))
            out[column] = text
        return out

    def _category(self, row: Row, errors: list[RowError]) -> str | None:
        text = row.get("category").strip()
        category = registry_rules.parse_enum(text, self.categories) if text else None
        if category is None:
            errors.append(RowError(row.line, "category", "bad_category", _(
                "Unknown category “%(value)s”; use one of: %(allowed)s.")
                % {"value": text[:40], "allowed": ", ".join(str(label) for _c, label in ProductCategory.choices)}))
        return category

    def _supplier(self, row: Row, errors: list[RowError]) -> Any:
        credit_code = registry_rules.normalise_credit_code(row.get("supplier_code"))
        supplier = self.suppliers.get(credit_code)
        if not credit_code:
            errors.append(RowError(row.line, "supplier_code", "required",
                                   _("The supplier's unified social credit code is required.")))
        elif supplier is None:
            errors.append(RowError(row.line, "supplier_code", "unknown_supplier", _(
                "No market entity with the credit code %(code)s is registered: register the supplier first.")
                % {"code": credit_code[:20]}))
        elif access.refusal(self.actor, roles=(Role.ADMINISTRATOR,), region_code=supplier.region.code) is not None:
            errors.append(RowError(row.line, "supplier_code", "out_of_scope",
                                   _("The supplier's region %(code)s is outside your region scope.")
                                   % {"code": supplier.region.code}))
            return None
        return supplier

    def _origin(self, row: Row, errors: list[RowError]) -> Any:
        code = registry_rules.normalise_region_code(row.get("origin_code"))
        origin = self.origins.get(code)
        if not code:
            errors.append(RowError(row.line, "origin_code", "required", _("The origin's region code is required.")))
        elif origin is None:
            errors.append(RowError(row.line, "origin_code", "unknown_origin",
                                   _("No region has the code “%(code)s”.") % {"code": code[:20]}))
        elif origin.level not in ORIGIN_LEVELS:
            errors.append(RowError(row.line, "origin_code", "bad_origin",
                                   _("The origin must be a county, township or village.")))
            return None
        return origin

    def _conflicts(self, line: int, *, code: str, supplier: Any, number: str, batch_date: dt.date,
                   end: dt.date) -> list[RowError]:
        """What the stored catalogue (or an earlier row of the file) says against the row."""
        stored = self.products.get(code)
        owner = stored.supplier_id if stored is not None else self.new_products.get(code, (0, supplier.pk))[1]
        if owner != supplier.pk:
            return [RowError(line, "supplier_code", "product_supplier_mismatch", _(
                "Product code %(code)s belongs to another supplier.") % {"code": code})]
        if stored is not None and rules.historical_moves(stored.status, certified_until=stored.certified_until,
                                                         valid_to=end, today=self.today) is None:
            return [RowError(line, "valid_to", "product_not_certifiable", _(
                "Product %(code)s is %(status)s: a certificate still running cannot be loaded for it.")
                % {"code": code, "status": ProductStatus(stored.status).label})]
        batch = self.batches.get(number)
        known = batch.published_on if batch is not None else self.new_batches.get(number, (0, batch_date))[1]
        if known != batch_date:
            return [RowError(line, "batch_date", "batch_date_mismatch", _(
                "Catalogue batch %(n)s was published on %(date)s.") % {"n": number, "date": known.isoformat()})]
        return []

    # -- write ------------------------------------------------------------------------------------------------------
    def write(self, plans: list[Plan]) -> None:
        """Row by row in the order of each product's certificates (a product's history is replayed in time), each
        row in its savepoint; then one audit entry of the migration import."""
        made: dict[str, Product] = {}
        batches: dict[str, CatalogueBatch] = {}
        counts = {"products_created": 0, "certificates": 0}
        for p in sorted(plans, key=lambda p: (p.values["code"], p.values["valid_from"], p.line)):
            v = p.values
            try:
                with transaction.atomic():
                    product = self.products.get(v["code"]) or made.get(v["code"])
                    if product is None:
                        product = services.product_create(
                            supplier=v["supplier"], name=v["name"], category=v["category"], unit=v["unit"],
                            origin_region=v["origin"], annual_capacity=0, reference_price_fen=0, price_fen=0,
                            specification=v["specification"], code=v["code"], actor=self.actor)
                        counts["products_created"] += 1
                        made[v["code"]] = product
                    batch = self.batches.get(v["batch_number"]) or batches.get(v["batch_number"])
                    if batch is None:
                        batch = batches[v["batch_number"]] = self._batch_create(v["batch_number"], v["batch_date"])
                    self._certify(product, batch=batch, start=v["valid_from"], end=v["valid_to"])
                    counts["certificates"] += 1
            except FupinError as exc:
                p.reject([RowError(p.line, "product_code", exc.code, str(exc.message))])
        audit.record(actor=self.actor, action="certification:historical_import",
                     object_type="certification.historical_catalogue", object_id=self.sha256,
                     object_repr=self.file_name[:200], reason=self.reason,
                     after={"file": self.file_name, "file_sha256": self.sha256,
                            "administrator": audit.actor_of(self.actor)[1], **counts,
                            "batches_created": sorted(batches)})

    def _batch_create(self, number: str, published_on: dt.date) -> CatalogueBatch:
        batch = CatalogueBatch.objects.create(number=number, published_on=published_on, historical=True,
                                              published_by=self.actor if getattr(self.actor, "pk", None) else None)
        audit.record(actor=self.actor, action="batch:historical_create", obj=batch, reason=self.reason,
                     after={"number": number, "published_on": published_on.isoformat(), "historical": True})
        return batch

    def _certify(self, product: Product, *, batch: CatalogueBatch, start: dt.date, end: dt.date) -> None:
        moves = rules.historical_moves(product.status, certified_until=product.certified_until, valid_to=end,
                                       today=self.today)
        if moves is None:  # the plan refuses this for a stored product; here for one changed by an earlier row
            raise TransitionNotAllowed(_(
                "Product %(code)s is %(status)s: a certificate still running cannot be loaded for it.")
                % {"code": product.code, "status": ProductStatus(product.status).label})
        certificate = services.certificate_issue(product=product, application=None, batch=batch, valid_from=start,
                                                 valid_to=end)
        services._open_period(product, start=start, end=end, certificate=certificate)
        reason = _("Historical catalogue batch %(n)s: %(import)s") % {"n": batch.number, "import": self.reason}
        for action in moves:
            services._product_move(product, action=action, actor=self.actor, reason=reason,
                                   changes={"certified_until": end} if action in ("certify", "renew") else None)


def catalogue_history_import(*, path: str | Path, file_name: str | None = None, actor: Any,
                             dry_run: bool = False) -> ImportReport:
    """Load products certified before go-live (`CatalogueHistoryImport`); administrators only."""
    access.authorise(actor, roles=(Role.ADMINISTRATOR,), what="historical catalogue import")
    path = Path(path)
    importer = CatalogueHistoryImport(actor=actor, dry_run=dry_run, file_name=file_name or path.name,
                                      sha256=file_sha256(path))
    return run_import(importer, path=path, file_name=file_name)
