"""The purchase pipeline: rows in (from a file, the API or a form), entries out.

Rows are processed in batches: the codes of a batch are looked up together (`Lookups.prefetch`), each row is
validated, counted and attributed by the pure rules, and the accepted rows of the batch are written with the
rollups in one transaction (`writer`). Memory holds one batch and bounded caches, whatever the file size.

Duplicates: `(source, external_id)` is unique. Inside a batch the first occurrence wins; across batches and
imports the stored entries decide (checked under the writers' lock, so two imports at once cannot both store
a row). A dry run checks the same (against a temporary table of the keys it has seen) and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fupin.certification.rules import certified_on
from fupin.core import audit, memory
from fupin.core.batching import batches
from fupin.core.caches import BoundedCache
from fupin.core.imports import Column, ImportReport, Row, RowError
from fupin.core.validators import uscc_error

from . import rules, writer
from .enums import PUBLIC, JobStatus, NotCounted
from .lookups import BuyerFacts, Lookups, ProductFacts, RegionFacts, SellerFacts
from .models import PeriodLock, PurchaseImport
from .selectors import booking_mandate

log = logging.getLogger("fupin.ledger")

COLUMNS = [
    Column("source", "来源", required=False, help="the system the row comes from; default: the import's source"),
    Column("external_id", "外部编号", help="the row's id in that system; (source, external_id) is unique"),
    Column("purchase_date", "采购日期", help="YYYY-MM-DD, from 2013 to today"),
    Column("buyer_code", "购买方代码", required=False,
           help="the buying organisation's unified social credit code; empty for members of the public"),
    Column("seller_code", "销售方代码", help="a market entity's credit code or a household's registry code"),
    Column("product_code", "产品代码", required=False, help="optional certified product code"),
    Column("origin_code", "产地代码", required=False,
           help="region code of the origin (county, township or village); default: the product's or seller's"),
    Column("quantity", "数量", required=False),
    Column("unit", "单位", required=False),
    Column("amount_yuan", "金额(元)", aliases=("金额", "amount"), help="> 0, at most 2 decimals"),
    Column("kind", "类型", help="direct_purchase 直接采购 | helped_sale 帮助销售"),
    Column("channel", "渠道", help="platform_832 | special_counter | special_shop | special_zone | ecommerce | "
                                   "canteen_direct | union_purchase | trade_fair | tourism | other"),
    Column("status", "状态", required=False, help="completed | pending | cancelled; default completed"),
    Column("evaluated", "已评价", required=False, help="the buyer evaluated the order (where a province requires it)"),
    Column("order_number", "订单号", aliases=("订单编号", "order_no"), required=False,
           help="the seller's or platform's order number: the same order from another source counts once"),
    Column("invoice_number", "发票号码", aliases=("发票号", "invoice_no"), required=False,
           help="the (e-)invoice number: the same invoice from another source counts once"),
    Column("evidence", "凭证说明", aliases=("凭证", "证明材料"), required=False,
           help="what documents the purchase (invoice, delivery note, attachments)"),
]
NAMES = [c.name for c in COLUMNS]
(I_SOURCE, I_EXT, I_DATE, I_BUYER, I_SELLER, I_PRODUCT, I_ORIGIN, I_QTY, I_UNIT, I_AMOUNT, I_KIND, I_CHANNEL,
 I_STATUS, I_EVAL, I_ORDER, I_INVOICE, I_EVIDENCE) = range(len(COLUMNS))
COLUMN_OF = {c.name: c for c in COLUMNS}

MAX_REPORTED_ERRORS = 1000
MAX_REPORTED_DUPLICATES = 1000
MAX_NUMBER_CHARS = 64
MAX_EVIDENCE_CHARS = 2000
DEFAULT_BATCH = 10_000
NO_RELATIONS: tuple[None, None, None] = (None, None, None)  # an origin no scheme relation helps


class PurchaseReport(ImportReport):
    """Core's ImportReport with rejected rows going to a sink (a file) and at most MAX_REPORTED_ERRORS errors kept;
    filled by the writer thread and the validating thread both (a lock), with the ledger's counting figures."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["keep_errors"] = MAX_REPORTED_ERRORS
        super().__init__(*args, **kwargs)
        self.duplicate_lines: list[dict[str, Any]] = []
        self.counted = 0
        self.counted_amount_fen = 0
        self.accepted_amount_fen = 0
        self.not_counted: Counter[str] = Counter()
        self.entry_ids: list[int] = []
        self.lock = threading.Lock()  # the writer thread and the validating thread both report

    def reject(self, row: Row, errors: Sequence[RowError]) -> None:
        with self.lock:
            super().reject(row, errors)

    def duplicate(self, line: int, source: str, external_id: str, code: str) -> None:
        with self.lock:
            self._duplicate(line, source, external_id, code)

    def _duplicate(self, line: int, source: str, external_id: str, code: str) -> None:
        self.duplicates += 1
        if len(self.duplicate_lines) < MAX_REPORTED_DUPLICATES:
            self.duplicate_lines.append({"line": line, "source": source, "external_id": external_id, "code": code})

    def as_dict(self, *, max_errors: int = MAX_REPORTED_ERRORS) -> dict[str, Any]:
        self.extra.update({
            "duplicate_lines": self.duplicate_lines,
            "counted": self.counted,
            "not_counted": self.accepted - self.counted,
            "not_counted_reasons": dict(self.not_counted),
            "accepted_amount_fen": self.accepted_amount_fen,
            "counted_amount_fen": self.counted_amount_fen,
        })
        return super().as_dict(max_errors=max_errors)


@dataclass(slots=True)
class Parsed:
    """A row's cells as values (the parse step); a bad cell leaves its field empty and adds an error."""

    source: str
    external_id: str
    day: dt.date | None
    amount_fen: int
    quantity_milli: int | None
    unit: str
    kind: str
    channel: str
    status: str
    evaluated: bool
    buyer_code: str             # upper case; '' = members of the public
    seller_code: str
    product_code: str
    origin_code: str
    order_number: str = ""
    invoice_number: str = ""
    evidence: str = ""


@dataclass(slots=True)
class Resolved:
    """A row's codes as registered facts (the resolve step); None where a code is unknown."""

    buyer: BuyerFacts | None
    seller: SellerFacts | None
    product: ProductFacts | None
    origin: RegionFacts | None   # the given origin, else the product's, else the seller's
    origin_exception: int | None = None  # the documented exception that let an origin outside the rule in


@dataclass(slots=True)
class Accepted:
    line: int
    key: tuple[str, str]
    row: writer.EntryRow
    cells: Sequence[str] = ()    # kept for a row the write step still rejects (an order number reused)


@dataclass
class Pipeline:
    """Validate, count, attribute and write purchase rows. Use `feed()` with (line, cells) records whose cells
    follow `COLUMNS`, then read `report`."""

    report: PurchaseReport
    actor: Any = None
    job: PurchaseImport | None = None
    default_source: str = ""
    dry_run: bool = False
    scope_prefix: str = ""
    batch_size: int = DEFAULT_BATCH
    today: dt.date | None = None
    on_batch: Callable[[Pipeline], None] | None = None
    revision: int = 0
    amends_id: int | None = None
    reason: str = ""
    mandate: rules.Mandate | None = None  # for whom the actor may book; default: `selectors.booking_mandate(actor)`
    match: bool = True  # look for the same order from another source (off when a reviewer released a match)
    # a prior-period adjustment (issue #10 §6): a row dated in a locked month is booked in this open month instead
    prior_period: tuple[int, int] | None = None
    lookups: Lookups = field(init=False)
    limits: rules.Plausibility = field(init=False)
    rows_seen: int = 0
    bytes_hint: int = 0  # estimated bytes of the file read so far (progress of file imports)
    _locks: dict[tuple[int, int], list[str]] = field(default_factory=dict)
    # memory stays bounded on any file: each cache starts over once full (`fupin.core.caches.BoundedCache`)
    _dates: BoundedCache[str, dt.date | rules.CellError] = field(default_factory=lambda: BoundedCache(100_000))
    _buyer_ok: BoundedCache[str, str | None] = field(default_factory=lambda: BoundedCache(200_000))
    _attr: BoundedCache[tuple[int, tuple[tuple[int, int], ...], int], tuple[int | None, int | None, int | None]] = field(
        default_factory=lambda: BoundedCache(200_000))
    _cands: BoundedCache[tuple[str, int], tuple[Any, tuple[tuple[int, int], ...]]] = field(default_factory=lambda: BoundedCache(100_000))
    _verdicts: BoundedCache[tuple[Any, ...], rules.Verdict] = field(default_factory=lambda: BoundedCache(100_000))
    _dry_table: bool = False
    timings: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))  # seconds per phase

    def __post_init__(self) -> None:
        self.today = self.today or timezone.localdate()
        self.lookups = Lookups.load()
        self.limits = self.lookups.plausibility(self.today)
        if self.mandate is None:
            self.mandate = booking_mandate(actor=self.actor)

    # -- driving ------------------------------------------------------------------------------------------------
    def feed(self, records: Iterable[tuple[int, Sequence[str]]]) -> PurchaseReport:
        """Process every record. The cyclic garbage collector is paused meanwhile: the pipeline allocates millions
        of short-lived acyclic tuples beside large caches, and collections were a third of the time."""
        try:
            with memory.gc_paused(), writer.bulk_session():
                self._feed(records)
        finally:
            if self._dry_table:
                with connection.cursor() as cur:
                    cur.execute("DROP TABLE IF EXISTS ledger_dry_seen")
        return self.report

    def _feed(self, records: Iterable[tuple[int, Sequence[str]]]) -> None:
        """Batches go through three steps: prefetch (database reads, this thread), validation (the pure rules) and
        writing. While the database applies batch n's rollups and commits (statements that run without Python's
        interpreter lock), a helper thread validates batch n+1, so two cores work at once. The helper touches no
        database; the lookup caches change only in prefetch, which runs when no validation is in flight."""
        lang = translation.get_language()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger-rules") as pool:
            pending: list[Accepted] | None = None
            for batch in batches(records, self.batch_size):
                self._prefetch(batch)
                if pending is None:
                    pending = self._validate(batch, lang)
                    continue
                started: list[Future[list[Accepted]]] = []

                def start(batch: Sequence[tuple[int, Sequence[str]]] = batch, started: list[Any] = started) -> None:
                    if not started:
                        started.append(pool.submit(self._validate, batch, lang))

                self._store(pending, start)
                pending = started[0].result() if started else self._validate(batch, lang)
            if pending is not None:
                self._store(pending, None)

    def _prefetch(self, batch: Sequence[tuple[int, Sequence[str]]]) -> None:
        self.rows_seen += len(batch)
        self.report.total += len(batch)
        t0 = time.perf_counter()
        self._load_locks()
        self.lookups.prefetch(
            buyer_codes={c[I_BUYER].strip().upper() for _l, c in batch if c[I_BUYER]} - {""},
            seller_codes={c[I_SELLER].strip().upper() for _l, c in batch if c[I_SELLER]} - {""},
            product_codes={c[I_PRODUCT].strip() for _l, c in batch if c[I_PRODUCT]} - {""},
            region_codes={c[I_ORIGIN].strip() for _l, c in batch if c[I_ORIGIN]} - {""},
        )
        self.timings["lookups"] += time.perf_counter() - t0

    def _validate(self, batch: Sequence[tuple[int, Sequence[str]]], lang: str | None) -> list[Accepted]:
        """Check every row of a prefetched batch; report the rejected ones and the duplicates inside the batch."""
        t0 = time.perf_counter()
        accepted: list[Accepted] = []
        first_line: dict[tuple[str, str], int] = {}
        created_at = writer.now_value()
        job_id = self.job.pk if self.job is not None else None
        actor_id = self.actor.pk if getattr(self.actor, "pk", None) else None
        with translation.override(lang):
            for line, cells in batch:
                result = self._check(line, cells, created_at, job_id, actor_id)
                if isinstance(result, list):
                    self.report.reject(Row(line, dict(zip(NAMES, cells, strict=False))), result)
                    continue
                key = (result.source, result.external_id)
                if key in first_line:
                    self.report.duplicate(line, key[0], key[1], "duplicate_in_file")
                    continue
                first_line[key] = line
                accepted.append(Accepted(line, key, result, cells))
        self.timings["rows"] += time.perf_counter() - t0
        return accepted

    def _store(self, accepted: list[Accepted], on_stored: Callable[[], None] | None) -> None:
        t0 = time.perf_counter()
        if self.dry_run:
            self._dry_write(accepted)
        else:
            self._write(accepted, on_stored)
        self.timings["write"] += time.perf_counter() - t0
        if self.on_batch is not None:
            self.on_batch(self)

    # -- one row: parse → resolve → count ---------------------------------------------------------------------------
    def _check(self, line: int, c: Sequence[str], created_at: Any, job_id: int | None,
               actor_id: int | None) -> writer.EntryRow | list[RowError]:
        """One row: the entry to write, or every error of the row."""
        if "\ufffd" in "".join(c):
            return [RowError(line, NAMES[i], "bad_encoding",
                             _("contains characters that are not valid text in the file's encoding"))
                    for i, v in enumerate(c) if "\ufffd" in v]
        errors: list[RowError] = []
        p = self._parse(line, c, errors)
        r = self._resolve(line, p, errors)
        if errors:
            return errors
        assert p.day is not None and r.seller is not None and r.origin is not None  # noqa: S101 - narrowed above
        day, county = p.day, r.origin.county
        if self._locks and rules.locked_prefix(self._locks, year=day.year, month=day.month,
                                               county_code=county) is not None:
            booked = self.prior_period
            if booked is None or rules.locked_prefix(self._locks, year=booked[0], month=booked[1],
                                                     county_code=county) is not None:
                return [RowError(line, "purchase_date", "period_locked", _("%(month)s is locked for this region")
                                 % {"month": rules.month_key(day.year, day.month)})]
            return self._entry(p, r, created_at=created_at, job_id=job_id, actor_id=actor_id)._replace(
                year=booked[0], month=booked[1])
        return self._entry(p, r, created_at=created_at, job_id=job_id, actor_id=actor_id)

    def _parse(self, line: int, c: Sequence[str], errors: list[RowError]) -> Parsed:
        """The cells as values (text, date, fen, thousandths, choices); each bad cell adds its error."""
        source = c[I_SOURCE].strip() or self.default_source
        if not source:
            errors.append(RowError(line, "source", "required", _("the source is empty and the import names none")))
        elif len(source) > 60:
            errors.append(RowError(line, "source", "too_long", _("at most 60 characters")))
        ext = c[I_EXT].strip()
        if not ext:
            errors.append(RowError(line, "external_id", "required", _("the external id is empty")))
        elif len(ext) > 100:
            errors.append(RowError(line, "external_id", "too_long", _("at most 100 characters")))

        raw_date = c[I_DATE]
        day = self._dates.get(raw_date)
        if day is None:
            day = self._dates.set(raw_date, self._parse_date(raw_date))
        if isinstance(day, rules.CellError):
            errors.append(RowError(line, "purchase_date", day.code, day.message))
            day = None

        try:
            amount = self.limits.parse_amount_fen(c[I_AMOUNT])
        except rules.CellError as e:
            errors.append(RowError(line, "amount_yuan", e.code, e.message))
            amount = 0
        quantity = None
        if c[I_QTY]:
            try:
                quantity = rules.parse_quantity_milli(c[I_QTY])
            except rules.CellError as e:
                errors.append(RowError(line, "quantity", e.code, e.message))
        unit = c[I_UNIT].strip()
        if len(unit) > 20:
            errors.append(RowError(line, "unit", "too_long", _("at most 20 characters")))

        kind = rules.KIND_ALIASES.get(c[I_KIND]) or self._choice(c[I_KIND], rules.KIND_ALIASES, "kind",
                                                                 "unknown_kind", _("kind"), line, errors)
        channel = rules.CHANNEL_ALIASES.get(c[I_CHANNEL]) or self._choice(
            c[I_CHANNEL], rules.CHANNEL_ALIASES, "channel", "unknown_channel", _("channel"), line, errors)
        status = "completed" if not c[I_STATUS] else (rules.STATUS_ALIASES.get(c[I_STATUS]) or self._choice(
            c[I_STATUS], rules.STATUS_ALIASES, "status", "unknown_status", _("status"), line, errors))
        evaluated = False
        if c[I_EVAL]:
            try:
                evaluated = rules.parse_bool(c[I_EVAL])
            except rules.CellError as e:
                errors.append(RowError(line, "evaluated", e.code, e.message))
        order_number, invoice_number, evidence = c[I_ORDER].strip(), c[I_INVOICE].strip(), c[I_EVIDENCE].strip()
        for column, value in (("order_number", order_number), ("invoice_number", invoice_number)):
            if len(value) > MAX_NUMBER_CHARS:
                errors.append(RowError(line, column, "too_long", _("at most %(n)d characters") % {"n": MAX_NUMBER_CHARS}))
        if len(evidence) > MAX_EVIDENCE_CHARS:
            errors.append(RowError(line, "evidence", "too_long", _("at most %(n)d characters") % {"n": MAX_EVIDENCE_CHARS}))
        return Parsed(source=source, external_id=ext, day=day, amount_fen=amount, quantity_milli=quantity, unit=unit,
                      kind=kind, channel=channel, status=status, evaluated=evaluated,
                      buyer_code=c[I_BUYER].strip().upper(), seller_code=c[I_SELLER].strip().upper(),
                      product_code=c[I_PRODUCT].strip(), origin_code=c[I_ORIGIN].strip(), order_number=order_number,
                      invoice_number=invoice_number, evidence=evidence)

    def _parse_date(self, text: str) -> dt.date | rules.CellError:
        try:
            return rules.parse_date(text, today=self.today, earliest=self.limits.earliest_date)  # type: ignore[arg-type]  # set in __post_init__
        except rules.CellError as e:
            return e

    def _resolve(self, line: int, p: Parsed, errors: list[RowError]) -> Resolved:
        """The codes as registered facts (prefetched: no query here), the origin's default, and the checks that
        need them: where (region scope) and for whom (the actor's mandate)."""
        lk = self.lookups
        buyer_code = p.buyer_code
        buyer = None
        if buyer_code:  # empty: members of the public
            problem = self._buyer_ok.get(buyer_code, "?")
            if problem == "?":
                problem = self._buyer_ok.set(buyer_code, uscc_error(buyer_code))
            if problem:
                errors.append(RowError(line, "buyer_code", "invalid_credit_code",
                                       _("“%(code)s” is not a valid unified social credit code: %(why)s")
                                       % {"code": buyer_code[:30], "why": problem}))
            else:
                buyer = lk.buyers.get(buyer_code)
                if buyer is None:
                    errors.append(RowError(line, "buyer_code", "unknown_buyer",
                                           _("no registered organisation has the credit code “%(code)s”")
                                           % {"code": buyer_code}))

        seller_code = p.seller_code
        seller = None
        if not seller_code:
            errors.append(RowError(line, "seller_code", "required", _("the seller code is empty")))
        else:
            seller = lk.sellers.get(seller_code)
            if seller is None:
                if len(seller_code) == 18 and seller_code[0] != "H" and uscc_error(seller_code):
                    errors.append(RowError(line, "seller_code", "invalid_credit_code",
                                           _("“%(code)s” is neither a valid credit code nor a household registry code")
                                           % {"code": seller_code[:30]}))
                else:
                    errors.append(RowError(line, "seller_code", "unknown_seller",
                                           _("no registered seller (market entity or household) has the code “%(code)s”")
                                           % {"code": seller_code[:30]}))

        product_code = p.product_code
        product = None
        if product_code:
            product = lk.products.get(product_code)
            if product is None:
                errors.append(RowError(line, "product_code", "unknown_product",
                                       _("no product has the code “%(code)s”") % {"code": product_code[:30]}))

        origin_code = p.origin_code
        origin = None
        if origin_code:
            origin = lk.regions.get(origin_code)
            if origin is None:
                code = "unknown_region" if origin_code.isdigit() and len(origin_code) in (6, 9, 12) else "invalid_region_code"
                errors.append(RowError(line, "origin_code", code,
                                       _("“%(code)s” is not a known region code") % {"code": origin_code[:30]}))
        elif product is not None and product.origin_code:
            origin = lk.regions.get(product.origin_code)
        elif seller is not None:
            origin = lk.regions.get(seller.region_code)
        if origin is not None and not origin.county:
            errors.append(RowError(line, "origin_code", "origin_not_county",
                                   _("the origin must be a county, township or village, not “%(code)s”")
                                   % {"code": origin.code}))
        elif origin is None and not origin_code and seller is not None:
            errors.append(RowError(line, "origin_code", "required", _("no origin given and none known for the seller")))
        exception = None
        if origin_code and origin is not None and origin.county and seller is not None:
            exception = self._origin_check(line, p, seller, product, origin, errors)

        known_buyer = buyer is not None or not buyer_code
        # where: the origin or the buyer must lie in a scoped actor's region
        if (self.scope_prefix and origin is not None and origin.county and known_buyer
                and not (origin.county.startswith(self.scope_prefix)
                         or (buyer is not None and buyer.region.startswith(self.scope_prefix)))):
            errors.append(RowError(line, "origin_code", "out_of_scope",
                                   _("neither the origin nor the buyer lies in your region scope")))
        # for whom: the actor's own organisation and its units, or a reporting right that covers the buyer
        mandate = self.mandate
        if (mandate is not None and not mandate.unrestricted and p.day is not None and p.source and known_buyer
                and not mandate.allows(source=p.source, day=p.day, buyer_id=buyer.id if buyer else None,
                                       buyer_kind=buyer.category if buyer else PUBLIC,
                                       buyer_region=buyer.region if buyer else "")):
            errors.append(RowError(line, "buyer_code", "buyer_not_yours", mandate.refusal(buyer_code=buyer_code)))
        return Resolved(buyer=buyer, seller=seller, product=product, origin=origin, origin_exception=exception)

    def _origin_check(self, line: int, p: Parsed, seller: SellerFacts, product: ProductFacts | None,
                      origin: RegionFacts, errors: list[RowError]) -> int | None:
        """A named origin must be the product's registered origin or lie in the seller's registered county, unless
        a documented exception of the seller covers it on the purchase date (its id is returned)."""
        registered = self.lookups.regions.get(product.origin_code) if product is not None else None
        product_origin = registered.code if registered is not None else ""
        if rules.origin_allowed(origin_code=origin.code, product_origin=product_origin, seller_area=seller.area):
            return None
        exceptions = self.lookups.origin_exceptions.get(seller.id, ())
        found = (rules.origin_exception(exceptions, origin_code=origin.code, day=p.day)
                 if exceptions and p.day is not None else None)
        if found is None:
            if product_origin:
                message = _("the origin “%(origin)s” is neither the product's registered origin “%(product)s” nor a "
                            "place in the seller's registered county “%(seller)s”")
            else:
                message = _("the origin “%(origin)s” is not a place in the seller's registered county “%(seller)s” "
                            "(and no product with a registered origin is named)")
            errors.append(RowError(line, "origin_code", "origin_mismatch", message % {
                "origin": origin.code, "product": product_origin, "seller": seller.county}))
        return found

    def _entry(self, p: Parsed, r: Resolved, *, created_at: Any, job_id: int | None,
               actor_id: int | None) -> writer.EntryRow:
        """Count the valid row (the verdict on the facts of its purchase date) and attribute it (at most one
        relation per scheme); the entry row, by column name."""
        day, buyer, seller, product, origin = p.day, r.buyer, r.seller, r.product, r.origin
        assert day is not None and seller is not None and origin is not None  # noqa: S101 - checked by _check
        verdict = self._verdict(p, buyer, seller, product, origin)
        rel_d = rel_e = rel_c = None
        if verdict.counted and buyer is not None:
            # a buyer whose supervising units changed is credited through its chain on the purchase date
            rel_d, rel_e, rel_c = self._attribution(self.lookups.buyer_on(buyer, day) if buyer.dated else buyer,
                                                    origin, day.year)
        return writer.EntryRow(
            source=p.source, external_id=p.external_id, revision=self.revision, purchase_date=writer.date_value(day),
            year=day.year, month=day.month, buyer_id=buyer.id if buyer else None,
            buyer_category=buyer.category if buyer else PUBLIC, buyer_region=buyer.region if buyer else "",
            seller_id=seller.id, product_id=product.id if product else None,
            product_category=product.category if product else "", origin_id=origin.id, county_code=origin.county,
            quantity_milli=p.quantity_milli, unit=p.unit, amount_fen=p.amount_fen, sign=1, kind=p.kind,
            channel=p.channel, status=p.status, evaluated=p.evaluated, counted=verdict.counted, basis=verdict.basis,
            bases=verdict.bases, not_counted_reason=verdict.reason, rule_version_id=verdict.version_id,
            rel_designated_id=rel_d, rel_east_west_id=rel_e, rel_counterpart_id=rel_c, reverses_id=None,
            amends_id=self.amends_id, reason=self.reason, order_number=p.order_number,
            invoice_number=p.invoice_number, evidence=p.evidence, duplicate_of_id=None,
            origin_exception_id=r.origin_exception, import_job_id=job_id, created_by_id=actor_id,
            created_at=created_at,
        )

    def _verdict(self, p: Parsed, buyer: BuyerFacts | None, seller: SellerFacts, product: ProductFacts | None,
                 origin: RegionFacts) -> rules.Verdict:
        """Whether the entry counts: the rules in force for its origin on its date, over the facts as they were
        that day (the household's status, the county's and the village's region sets), and the buyer's province's
        evaluation requirement on the entry's channel. Cached by those facts."""
        day = p.day
        assert day is not None  # noqa: S101 - a valid row has a date
        crules = self.lookups.rules_for(origin.county, day)
        certified = product is not None and certified_on(product.periods, day)
        hh_status = seller.status_on(day)
        poor_village = crules is not None and crules.village_counts_on(rules.sets_on(origin.village_sets, day))
        poverty_county = crules is not None and crules.county_counts_on(rules.sets_on(seller.county_sets, day))
        effect = day.year in seller.effect_years
        required = buyer is not None and p.channel in self.lookups.evaluation_channels(buyer.region, day)
        vkey = (crules.version_id if crules else None, p.status, p.evaluated, required, certified, hh_status,
                poor_village, seller.county, poverty_county, effect)
        verdict = self._verdicts.get(vkey)
        if verdict is None:
            verdict = self._verdicts.set(vkey, rules.count_entry(
                crules, status=p.status, evaluated=p.evaluated, evaluation_required=required, facts=rules.BasisFacts(
                    certified_product=certified, household_status=hh_status, poor_village=poor_village,
                    seller_county=seller.county, seller_county_is_poverty_county=poverty_county,
                    poverty_reduction_effect=effect)))
        return verdict

    def _attribution(self, buyer: BuyerFacts, origin: RegionFacts,
                     year: int) -> tuple[int | None, int | None, int | None]:
        """The relation of each scheme (designated assistance, east–west, counterpart support) a counted entry is
        credited to. The candidates are cached by origin and year; the choice by buyer, year and the candidates'
        signature (their ids and ranks), so the villages of a county, which share their candidates, share it too."""
        ckey = (origin.code, year)
        found_cands = self._cands.get(ckey)
        if found_cands is None:
            cands = rules.candidates(self.lookups.relations, origin_chain=origin.chain, year=year)
            found_cands = self._cands.set(ckey, (cands, tuple((rank, rel.id) for rank, rel in cands)))
        cands, signature = found_cands
        if not cands:
            return NO_RELATIONS
        akey = (buyer.id, signature, year)
        found = None if buyer.dated else self._attr.get(akey)  # a dated chain is not the buyer's alone: not cached
        if found is None:
            chosen = rules.choose(cands, buyer_chain=buyer.chain, buyer_region_chain=buyer.region_chain,
                                  rule=self.lookups.attribution(year), buyer_chain_kinds=buyer.chain_kinds)
            found = (chosen.get("designated_assistance"), chosen.get("east_west"), chosen.get("counterpart_support"))
            if not buyer.dated:
                self._attr.set(akey, found)
        return found

    @staticmethod
    def _choice(text: str, aliases: dict[str, str], column: str, code: str, what: str, line: int,
                errors: list[RowError]) -> str:
        if not text.strip():
            errors.append(RowError(line, column, "required", _("the %(what)s is empty") % {"what": what}))
            return ""
        try:
            return rules.parse_choice(text, aliases, code=code, what=what)
        except rules.CellError as e:
            errors.append(RowError(line, column, e.code, e.message))
            return ""

    # -- locks ------------------------------------------------------------------------------------------------------
    def _load_locks(self) -> None:
        locks: dict[tuple[int, int], list[str]] = {}
        for year, month, prefix in PeriodLock.objects.filter(status="locked").values_list("year", "month",
                                                                                          "region_prefix"):
            locks.setdefault((year, month), []).append(prefix)
        self._locks = locks

    # -- writing ----------------------------------------------------------------------------------------------------
    def _count(self, items: list[Accepted]) -> None:
        rep = self.report
        with rep.lock:
            self._count_locked(rep, items)

    @staticmethod
    def _count_locked(rep: PurchaseReport, items: list[Accepted]) -> None:
        for a in items:
            row = a.row
            rep.accepted += 1
            rep.accepted_amount_fen += row.amount_fen
            if row.counted:
                rep.counted += 1
                rep.counted_amount_fen += row.amount_fen
            else:
                rep.not_counted[row.not_counted_reason] += 1

    def _split_duplicates(self, items: list[Accepted], stored: dict[tuple[str, str], int | None]
                          ) -> tuple[list[Accepted], list[tuple[Accepted, str]]]:
        fresh: list[Accepted] = []
        dups: list[tuple[Accepted, str]] = []
        job_id = self.job.pk if self.job is not None else None
        for a in items:
            if a.key in stored:
                in_file = job_id is not None and stored[a.key] == job_id
                dups.append((a, "duplicate_in_file" if in_file else "duplicate"))
            else:
                fresh.append(a)
        return fresh, dups

    # -- one order counted once across sources (issue #10 §5) -------------------------------------------------------
    def _match(self, cur: Any, items: list[Accepted]) -> Matched:
        """The cross-source match and the order-number reuse check of a batch, under the writers' lock: the stored
        live entries that could report the same orders are read with at most three statements per batch (by order
        and invoice number, and by buyer, seller and date window; none when no other source can be in the ledger
        and the batch names no number), then each row is compared in memory. A row that reports an order already
        booked by another source gets `duplicate_of` (the first booking: duplicates are never matched), is not
        counted and carries no attribution; a row of this batch can also be the duplicate of an earlier row of the
        batch (`later`, stored once that row has its id). A row whose order number its source already gave to a
        purchase of another seller is refused (`order_number_reused`)."""
        t0 = time.perf_counter()
        out = Matched()
        if not items:
            return out
        rows = [a.row for a in items]
        orders = {r.order_number for r in rows if r.order_number}
        invoices = {r.invoice_number for r in rows if r.invoice_number}
        sources = {r.source for r in rows}
        cross = self.match and (len(sources) > 1 or writer.other_sources_exist(cur, next(iter(sources))))
        if not cross and not orders:  # one source alone in the ledger and no order number: nothing to compare
            out.first = list(items)
            self.timings["cross-source match"] += time.perf_counter() - t0
            return out
        stored: dict[int, tuple[rules.MatchFacts, bool]] = {}  # id -> (facts, itself a duplicate)
        if orders or (cross and invoices):
            for rec in writer.numbered_entries(cur, order_numbers=sorted(orders),
                                               invoice_numbers=sorted(invoices) if cross else []):
                stored[rec[0]] = (_facts(rec), rec[8] is not None)
        windows: dict[tuple[str, str], tuple[str, str, rules.MatchTolerance]] = {}
        if cross:
            probes: set[tuple[int, int, str, str]] = set()
            for r in rows:
                if r.buyer_id is not None:
                    lo, hi, _tol = self._window(windows, r.county_code, r.purchase_date)
                    probes.add((r.buyer_id, r.seller_id, lo, hi))
            for rec in writer.probed_entries(cur, sorted(probes), other_than=None if len(sources) > 1 else
                                             next(iter(sources))):
                stored.setdefault(rec[0], (_facts(rec), rec[8] is not None))
        # the reuse check reads every entry with the number; the match only the first bookings of orders (an
        # entry that is itself a duplicate is never matched: a row points at the booking that counts)
        by_number: defaultdict[str, list[rules.MatchFacts]] = defaultdict(list)
        by_order: defaultdict[tuple[int, str], list[rules.MatchFacts]] = defaultdict(list)
        by_invoice: defaultdict[tuple[int, str], list[rules.MatchFacts]] = defaultdict(list)
        by_pair: defaultdict[tuple[int | None, int], list[rules.MatchFacts]] = defaultdict(list)
        for f, is_duplicate in stored.values():
            if f.order_number:
                by_number[f.order_number].append(f)
            if not is_duplicate:
                _index(f, by_order, by_invoice, by_pair)
        for a in items:
            r = a.row
            facts = rules.MatchFacts(id=None, source=r.source, seller_id=r.seller_id, buyer_id=r.buyer_id,
                                     day=writer.as_date(r.purchase_date), amount_fen=r.amount_fen,
                                     order_number=r.order_number, invoice_number=r.invoice_number)
            if r.order_number:
                if any(rules.number_reused(facts, c) for c in by_number.get(r.order_number, ())):
                    out.refused.append(a)
                    continue
                by_number[r.order_number].append(facts)
            hit: rules.MatchFacts | None = None
            if cross:
                cands = [*by_order.get((r.seller_id, r.order_number), ()),
                         *by_invoice.get((r.seller_id, r.invoice_number), ()),
                         *by_pair.get((r.buyer_id, r.seller_id), ())]
                if cands:
                    tol = self._window(windows, r.county_code, r.purchase_date)[2]
                    hit = _earliest(c for c in cands if rules.same_order(facts, c, tol))
            if hit is None or hit.id is None:  # a new order; a later row of this batch may match it (by position)
                _index(replace(facts, id=-1 - len(out.first)), by_order, by_invoice, by_pair)
                out.first.append(a)
            elif hit.id > 0:  # an order another source booked before
                out.first.append(Accepted(a.line, a.key, _as_duplicate(r, hit.id), a.cells))
            else:  # an order an earlier row of this batch reports: stored once that row has its id
                out.later.append((a, -1 - hit.id))
        self.timings["cross-source match"] += time.perf_counter() - t0
        return out

    def _window(self, cache: dict[tuple[str, str], tuple[str, str, rules.MatchTolerance]], county: str,
                day_text: str) -> tuple[str, str, rules.MatchTolerance]:
        key = (county, day_text)
        found = cache.get(key)
        if found is None:
            day = writer.as_date(day_text)
            tol = self.lookups.match_tolerance(county, day)
            span = dt.timedelta(days=tol.days)
            found = cache[key] = ((day - span).isoformat(), (day + span).isoformat(), tol)
        return found

    def _refuse_reused(self, refused: list[Accepted]) -> None:
        for a in refused:
            self.report.reject(Row(a.line, dict(zip(NAMES, a.cells, strict=False))), [RowError(
                a.line, "order_number", "order_number_reused",
                _("the source “%(source)s” already gave the order number “%(number)s” to a purchase of another "
                  "seller") % {"source": a.row.source, "number": a.row.order_number})])

    def _write(self, items: list[Accepted], on_stored: Callable[[], None] | None = None) -> None:
        for attempt in range(3):
            try:
                with transaction.atomic(), connection.cursor() as cur:
                    writer.lock_writers(cur)
                    t0 = time.perf_counter()
                    # an amendment (revision > 0) shares its key with the entry it corrects; the unique index on
                    # (source, external_id, revision, sign) and the one reversal per entry keep it single
                    stored = writer.existing_keys(cur, [a.key for a in items]) if self.revision == 0 else {}
                    fresh, dups = self._split_duplicates(items, stored)
                    self.timings["duplicate check"] += time.perf_counter() - t0
                    matched = self._match(cur, fresh)
                    ids = writer.insert(cur, [a.row for a in matched.first], stored=on_stored)
                    written = list(matched.first)
                    if matched.later:  # duplicates of an earlier row of this batch: now that row has its id
                        later = [Accepted(a.line, a.key, _as_duplicate(a.row, ids[head]), a.cells)
                                 for a, head in matched.later]
                        ids += writer.insert(cur, [a.row for a in later])
                        written += later
                    t_audit = time.perf_counter()
                    if written:
                        self._audit(written, ids)
                    for a, code in dups:
                        self.report.duplicate(a.line, a.key[0], a.key[1], code)
                    self._refuse_reused(matched.refused)
                    self._count(written)
                    self.timings["audit+count"] += time.perf_counter() - t_audit
                    if len(self.report.entry_ids) < 10:
                        self.report.entry_ids.extend(ids[: 10 - len(self.report.entry_ids)])
                    self._progress()
                    t_commit = time.perf_counter()
                self.timings["commit"] += time.perf_counter() - t_commit
                return
            except IntegrityError:  # pragma: no cover - only a writer that bypassed the lock can cause it
                log.warning("ledger batch conflicted with another writer; re-checking (attempt %d)", attempt + 1)
        raise IntegrityError("the ledger batch kept conflicting with another writer")

    def _dry_write(self, items: list[Accepted]) -> None:
        """The same checks as `_write` (duplicates, the cross-source match, reused order numbers), read only."""
        with connection.cursor() as cur:
            fresh, dups = self._split_duplicates(items, writer.existing_keys(cur, [a.key for a in items]))
            for a, code in dups:
                self.report.duplicate(a.line, a.key[0], a.key[1], code)
            seen = self._dry_seen(cur, [a.key for a in fresh])
            really: list[Accepted] = []
            for a in fresh:
                if a.key in seen:
                    self.report.duplicate(a.line, a.key[0], a.key[1], "duplicate_in_file")
                else:
                    really.append(a)
            matched = self._match(cur, really)
            self._refuse_reused(matched.refused)
            self._count([*matched.first, *(Accepted(a.line, a.key, _as_duplicate(a.row, None), a.cells)
                                           for a, _h in matched.later)])
        self._progress()

    def _dry_seen(self, cur: Any, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
        """Keys this dry run has already seen in earlier batches (a temporary table: nothing is written)."""
        if not self._dry_table:
            cur.execute("CREATE TEMP TABLE IF NOT EXISTS ledger_dry_seen "
                        "(source VARCHAR(60) NOT NULL, external_id VARCHAR(100) NOT NULL, PRIMARY KEY (source, external_id))")
            self._dry_table = True
        seen: set[tuple[str, str]] = set()
        limit = max(100, ((connection.features.max_query_params or 30000) - 10) // 2)
        for i in range(0, len(keys), limit):
            chunk = keys[i : i + limit]
            cond = " OR ".join(["(source = %s AND external_id = %s)"] * len(chunk))
            cur.execute(f"SELECT source, external_id FROM ledger_dry_seen WHERE {cond}", [v for k in chunk for v in k])  # noqa: S608 - only %s placeholders are joined in
            seen.update((s, e) for s, e in cur.fetchall())
            marks = ", ".join(["(%s, %s)"] * len(chunk))
            new = [k for k in chunk if k not in seen]
            if new:
                marks = ", ".join(["(%s, %s)"] * len(new))
                cur.execute(f"INSERT INTO ledger_dry_seen (source, external_id) VALUES {marks}", [v for k in new for v in k])  # noqa: S608 - only %s placeholders are joined in
        return seen

    def _audit(self, fresh: list[Accepted], ids: list[int]) -> None:
        after = {"entries": len(fresh), "first_id": ids[0] if ids else None, "last_id": ids[-1] if ids else None,
                 "lines": [fresh[0].line, fresh[-1].line],
                 "amount_fen": sum(a.row.amount_fen for a in fresh)}
        if self.job is not None:
            audit.record(actor=self.actor, action="purchase:import_batch", obj=self.job, after=after)
        else:
            audit.record(actor=self.actor, action="purchase:record", object_type="ledger.purchaseentry",
                         object_id=ids[0] if ids else "", object_repr=f"{fresh[0].key[0]}/{fresh[0].key[1]}",
                         after=after, reason=self.reason)

    def _progress(self) -> None:
        if self.job is None or self.job.pk is None:
            return
        rep = self.report
        now = timezone.now()
        updated = PurchaseImport.objects.filter(pk=self.job.pk, status=JobStatus.RUNNING).update(
            rows_processed=self.rows_seen, accepted=rep.accepted, duplicates=rep.duplicates, rejected=rep.rejected,
            bytes_processed=self.bytes_hint, updated_at=now, heartbeat_at=now,
        )
        if not updated:  # marked failed meanwhile (its worker was taken for stopped): store nothing more
            raise ImportStopped(self.job.pk)
        self.job.rows_processed = self.rows_seen


@dataclass
class Matched:
    """A batch after the cross-source match: rows to store now, rows that duplicate an earlier row of the batch
    (with that row's position in `first`), and rows refused for a reused order number."""

    first: list[Accepted] = field(default_factory=list)
    later: list[tuple[Accepted, int]] = field(default_factory=list)
    refused: list[Accepted] = field(default_factory=list)


def _facts(rec: Sequence[Any]) -> rules.MatchFacts:
    """A stored entry (`writer.MATCH_COLUMNS`) as the match compares it."""
    return rules.MatchFacts(id=rec[0], source=rec[1], seller_id=rec[2], buyer_id=rec[3], day=writer.as_date(rec[4]),
                            amount_fen=rec[5], order_number=rec[6] or "", invoice_number=rec[7] or "")


def _index(f: rules.MatchFacts, by_order: dict[tuple[int, str], list[rules.MatchFacts]],
           by_invoice: dict[tuple[int, str], list[rules.MatchFacts]],
           by_pair: dict[tuple[int | None, int], list[rules.MatchFacts]]) -> None:
    if f.order_number:
        by_order[(f.seller_id, f.order_number)].append(f)
    if f.invoice_number:
        by_invoice[(f.seller_id, f.invoice_number)].append(f)
    if f.buyer_id is not None:
        by_pair[(f.buyer_id, f.seller_id)].append(f)


def _earliest(found: Iterable[rules.MatchFacts]) -> rules.MatchFacts | None:
    """The first booking among the matches: a stored entry (lowest id) before any row of the batch (negative
    positions, the earliest row first)."""
    def rank(f: rules.MatchFacts) -> tuple[int, int]:
        pk = f.id or 0
        return (0, pk) if pk > 0 else (1, -pk)

    return min(found, key=rank, default=None)


def _as_duplicate(row: writer.EntryRow, head: int | None) -> writer.EntryRow:
    """The row as the duplicate of entry `head`: stored, not counted (its own reason kept if it did not count
    anyway), attributed to no scheme."""
    return row._replace(
        duplicate_of_id=head, counted=False,
        not_counted_reason=NotCounted.DUPLICATE_OF_OTHER_SOURCE if row.counted else row.not_counted_reason,
        rel_designated_id=None, rel_east_west_id=None, rel_counterpart_id=None)


class ImportStopped(Exception):  # noqa: N818 - a signal to stop, not an error of the input
    """The job is no longer running (marked failed while this worker still ran): the batch in progress is rolled
    back and the worker stops."""


def job_is_active(job: PurchaseImport) -> bool:
    return job.status in (JobStatus.QUEUED, JobStatus.RUNNING)
