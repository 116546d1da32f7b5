"""The consumption poverty alleviation account (消费扶贫账户).

`PurchaseEntry` is the one canonical, append-only record of a purchase. It carries what the statistics group
by (year, month, origin county, buyer category and home region, seller, product category, channel, kind,
counting basis, scheme relations), written once when the entry is booked, so that no statistic needs a join.
Corrections are reversing entries (negative amount, `sign` −1) pointing at the original.

The `Rollup*` tables are pre-aggregated cubes of the entries, kept in the same transaction as each write
(`rollups.py`); `fupin ledger_check` recomputes them from the entries.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.core.models import AppendOnlyModel, TimestampedModel

from .enums import Channel, EntryStatus, JobStatus, Kind, LockStatus, MatchDecision, RightStatus


class PurchaseImport(TimestampedModel):
    """One import of purchases (file, API batch or single entry): the job row with its progress and report.

    Status moves only through `services`/`jobs` transitions (queued → running → done | failed)."""

    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED,
                              db_index=True)
    origin = models.CharField(_("submitted through"), max_length=10, default="file")  # file | api | cli | demo
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    file_path = models.CharField(_("stored file"), max_length=500, blank=True)
    file_size = models.BigIntegerField(_("file size"), default=0)
    default_source = models.CharField(_("default source"), max_length=60, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("submitted by"))
    actor_name = models.CharField(_("submitted by"), max_length=150, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    rows_processed = models.PositiveBigIntegerField(_("rows processed"), default=0)
    bytes_processed = models.PositiveBigIntegerField(_("bytes processed"), default=0)
    accepted = models.PositiveBigIntegerField(_("accepted"), default=0)
    duplicates = models.PositiveBigIntegerField(_("duplicates"), default=0)
    rejected = models.PositiveBigIntegerField(_("rejected"), default=0)
    report = models.JSONField(_("report"), default=dict, blank=True)
    rejected_path = models.CharField(_("rejected rows file"), max_length=500, blank=True)
    error = models.TextField(_("error"), blank=True)
    run = models.ForeignKey("core.ImportRun", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                            verbose_name=_("import run"))
    # the worker's sign of life while the job runs (every batch, and a ticker in between): a job whose worker stopped
    # is marked failed when jobs are listed or shown (`services.import_jobs_fail_stopped`)
    heartbeat_at = models.DateTimeField(_("worker last seen"), null=True, blank=True)
    worker_pid = models.PositiveIntegerField(_("worker process id"), null=True, blank=True)
    worker_host = models.CharField(_("worker host"), max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("purchase import")
        verbose_name_plural = _("purchase imports")

    def __str__(self) -> str:
        return f"purchase import #{self.pk} {self.file_name}"

    @property
    def progress(self) -> float | None:
        """Share of the file read, 0–1 (None when the size is unknown)."""
        if self.status == JobStatus.DONE:
            return 1.0
        if not self.file_size:
            return None
        return min(1.0, self.bytes_processed / self.file_size)


class PurchaseEntry(AppendOnlyModel):
    """One purchase (or the reversal of one). Money in fen; never updated, never deleted.

    References to other apps carry no database constraint (ADR 0011): the pipeline resolves every code to an
    existing row before writing, the ORM still refuses to delete a referenced row (PROTECT), and
    `fupin ledger_check` verifies every reference. Constraint triggers per row would halve bulk loads."""

    source = models.CharField(_("source"), max_length=60)
    external_id = models.CharField(_("external id"), max_length=100)
    revision = models.PositiveSmallIntegerField(_("revision"), default=0,
                                                help_text=_("0 for the first booking; +1 for each amendment"))
    purchase_date = models.DateField(_("purchase date"))
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    buyer = models.ForeignKey("registry.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", db_index=False, db_constraint=False, verbose_name=_("buyer"))
    buyer_category = models.CharField(_("buyer category"), max_length=30)
    buyer_region = models.CharField(_("buyer's home county"), max_length=6, blank=True)
    seller = models.ForeignKey("registry.MarketEntity", on_delete=models.PROTECT, related_name="+", db_index=False,
                               db_constraint=False, verbose_name=_("seller"))
    product = models.ForeignKey("certification.Product", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", db_index=False, db_constraint=False, verbose_name=_("product"))
    product_category = models.CharField(_("product category"), max_length=30, blank=True)
    origin = models.ForeignKey("registry.Region", on_delete=models.PROTECT, related_name="+", db_index=False,
                               db_constraint=False, verbose_name=_("origin"))
    county_code = models.CharField(_("origin county"), max_length=6)
    quantity_milli = models.BigIntegerField(_("quantity (thousandths)"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    sign = models.SmallIntegerField(_("sign"), default=1, help_text=_("1 for a purchase, −1 for a reversal"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=12, choices=EntryStatus.choices)
    evaluated = models.BooleanField(_("evaluated by the buyer"), default=False)
    counted = models.BooleanField(_("counts toward the account"))
    basis = models.CharField(_("counting basis"), max_length=32, blank=True)
    bases = models.PositiveSmallIntegerField(_("all bases that held (bit mask)"), default=0)
    not_counted_reason = models.CharField(_("why it does not count"), max_length=30, blank=True)
    rule_version = models.ForeignKey("core.PolicyParameter", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", db_index=False, db_constraint=False,
                                     verbose_name=_("counting rule version"))
    rel_designated = models.ForeignKey("registry.AssistanceRelation", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False,
                                       verbose_name=_("designated assistance relation"))
    rel_east_west = models.ForeignKey("registry.AssistanceRelation", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", db_index=False, db_constraint=False,
                                      verbose_name=_("east–west relation"))
    rel_counterpart = models.ForeignKey("registry.AssistanceRelation", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False,
                                        verbose_name=_("counterpart support relation"))
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by", verbose_name=_("reverses"))
    amends = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               db_index=False, db_constraint=False, verbose_name=_("amends"))
    reason = models.TextField(_("reason"), blank=True)
    # the order as the seller's and the tax system's papers name it: the cross-source match (one order counted once)
    # (database defaults: entries written by plain SQL outside the writer, e.g. generated benchmark data, stay valid)
    order_number = models.CharField(_("order number"), max_length=64, blank=True, default="", db_default="")
    invoice_number = models.CharField(_("invoice number"), max_length=64, blank=True, default="", db_default="")
    evidence = models.TextField(_("evidence"), blank=True, default="", db_default="",
                                help_text=_("What documents the purchase (invoice, delivery note, attachments)"))
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                     db_index=False, db_constraint=False,
                                     verbose_name=_("duplicate of (an entry of another source)"))
    origin_exception = models.ForeignKey("OriginException", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+", db_index=False, db_constraint=False,
                                         verbose_name=_("origin accepted by exception"))
    import_job = models.ForeignKey(PurchaseImport, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", db_index=False, db_constraint=False, verbose_name=_("import"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", db_index=False, db_constraint=False, verbose_name=_("booked by"))
    created_at = models.DateTimeField(_("booked at"))

    class Meta:
        ordering = ["-purchase_date", "-id"]
        verbose_name = _("purchase entry")
        verbose_name_plural = _("purchase entries")
        constraints = [
            # (source, external_id) once per revision; its reversal is the same key with sign −1
            models.UniqueConstraint(fields=["source", "external_id", "revision", "sign"], name="purchaseentry_key"),
            models.CheckConstraint(condition=~models.Q(amount_fen=0), name="purchaseentry_amount_nonzero"),
        ]
        indexes = [
            models.Index(fields=["buyer", "purchase_date"], name="purchaseentry_buyer_date"),
            models.Index(fields=["seller", "purchase_date"], name="purchaseentry_seller_date"),
            models.Index(fields=["county_code", "purchase_date"], name="purchaseentry_county_date"),
            # the cross-source match and the reuse check read the entries by number (partial: free for the rows
            # without one); the review list reads the entries marked as duplicates
            models.Index(fields=["order_number", "seller"], name="purchaseentry_order",
                         condition=~models.Q(order_number="")),
            models.Index(fields=["invoice_number", "seller"], name="purchaseentry_invoice",
                         condition=~models.Q(invoice_number="")),
            models.Index(fields=["duplicate_of"], name="purchaseentry_duplicate_of",
                         condition=models.Q(duplicate_of__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.source}/{self.external_id}" + (f" r{self.revision}" if self.revision else "") + (
            " (reversal)" if self.reverses_id else "")

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None


class PriorPeriodAdjustment(AppendOnlyModel):
    """A correction of a locked month booked in the current open month (issue #10 §6): `entry` (the reversal, or
    the corrected entry of an amendment) keeps the purchase date of the purchase it corrects but is booked — its
    `year` and `month`, which every rollup and the "as reported" figures group by — in `booked_year`/`booked_month`;
    `period_year`/`period_month` is the locked month it corrects (its purchase date's), where the "as corrected"
    figures put it. `original` is the entry corrected. Written with the entry, in its transaction; never changed."""

    entry = models.OneToOneField(PurchaseEntry, on_delete=models.PROTECT, related_name="prior_period",
                                 verbose_name=_("adjusting entry"))
    original = models.ForeignKey(PurchaseEntry, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("entry corrected"))
    period_year = models.PositiveSmallIntegerField(_("year corrected"))
    period_month = models.PositiveSmallIntegerField(_("month corrected"))
    booked_year = models.PositiveSmallIntegerField(_("year booked"))
    booked_month = models.PositiveSmallIntegerField(_("month booked"))
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("booked by"))
    created_by_name = models.CharField(_("booked by"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("prior-period adjustment")
        verbose_name_plural = _("prior-period adjustments")
        indexes = [models.Index(fields=["period_year", "period_month"], name="priorperiod_period")]

    def __str__(self) -> str:
        return (f"prior-period adjustment of entry {self.original_id}: {self.period_year}-{self.period_month:02d} "
                f"booked in {self.booked_year}-{self.booked_month:02d}")


class PeriodLock(TimestampedModel):
    """A month closed for a region (and everything below it): no new or reversing entries dated inside it whose
    origin lies in the region. Unlocking is an audited transition with a reason."""

    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    region_code = models.CharField(_("region code"), max_length=12, blank=True,
                                   help_text=_("Empty for the whole nation"))
    region_prefix = models.CharField(_("region code prefix"), max_length=12, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=LockStatus.choices, default=LockStatus.LOCKED)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-year", "-month", "region_code"]
        verbose_name = _("period lock")
        verbose_name_plural = _("period locks")
        constraints = [models.UniqueConstraint(fields=["year", "month", "region_code"], name="periodlock_unique")]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.region_code or '*'} {self.status}"


# -- rollups (cubes): key columns + measures; one row per distinct key -------------------------------------------
class RollupBase(models.Model):
    amount_fen = models.BigIntegerField(default=0)
    quantity_milli = models.BigIntegerField(default=0)
    entries = models.BigIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{type(self).__name__}#{self.pk}: {self.amount_fen} fen, {self.entries} entries"


class RollupVersion(models.Model):
    """One row: a number that grows whenever the rollups change (a batch added by `rollups.apply_range`, a
    `rollups.rebuild`), in the same transaction. Figures computed from the rollups may be kept (cached) under it:
    a new version means they are computed again."""

    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("rollup version")

    def __str__(self) -> str:
        return f"rollups v{self.version}"


class RollupProvinceMonth(RollupBase):
    """month × origin province × buyer category × kind: the national dashboard."""

    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    province = models.CharField(max_length=2)
    buyer_category = models.CharField(max_length=30)
    kind = models.CharField(max_length=20)
    counted = models.BooleanField()

    class Meta:
        verbose_name = _("rollup: month × province")
        constraints = [models.UniqueConstraint(
            fields=["year", "counted", "month", "province", "buyer_category", "kind"], name="rollupprovmonth_key")]


class RollupCountyMonth(RollupBase):
    """month × origin county × channel × kind × basis: county pages and provincial dashboards."""

    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    county_code = models.CharField(max_length=6)
    channel = models.CharField(max_length=20)
    kind = models.CharField(max_length=20)
    basis = models.CharField(max_length=32)
    counted = models.BooleanField()

    class Meta:
        verbose_name = _("rollup: month × county")
        constraints = [models.UniqueConstraint(
            fields=["county_code", "year", "month", "channel", "kind", "basis", "counted"], name="rollupcountymonth_key")]
        indexes = [models.Index(fields=["year", "month"], name="rollupcountymonth_period")]


class RollupCategoryMonth(RollupBase):
    """month × origin province × product category × channel: what sells, and where."""

    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    province = models.CharField(max_length=2)
    product_category = models.CharField(max_length=30)
    channel = models.CharField(max_length=20)
    counted = models.BooleanField()

    class Meta:
        verbose_name = _("rollup: month × product category")
        constraints = [models.UniqueConstraint(
            fields=["year", "counted", "month", "province", "product_category", "channel"],
            name="rollupcategorymonth_key")]


class RollupSellerYear(RollupBase):
    """year × seller: one row per seller and year (top sellers read it without grouping)."""

    year = models.PositiveSmallIntegerField()
    seller_id = models.BigIntegerField()
    counted = models.BooleanField()

    class Meta:
        verbose_name = _("rollup: year × seller")
        constraints = [models.UniqueConstraint(fields=["year", "counted", "seller_id"], name="rollupselleryear_key2")]
        indexes = [models.Index(fields=["seller_id", "year"], name="rollupselleryear_seller"),
                   # top sellers of a year: an ordered index scan instead of sorting every seller
                   models.Index(fields=["year", "counted", "amount_fen"], name="rollupselleryear_top")]


class RollupBuyerMonth(RollupBase):
    """buyer × month × kind × origin province (buyer 0 = members of the public); the buyer's home county rides
    along (it depends on the buyer) so that buyer-side scopes can read it."""

    buyer_id = models.BigIntegerField()
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20)
    province = models.CharField(max_length=2)
    counted = models.BooleanField()
    buyer_region = models.CharField(max_length=6)

    class Meta:
        verbose_name = _("rollup: buyer × month")
        constraints = [models.UniqueConstraint(
            fields=["buyer_id", "year", "month", "kind", "province", "counted", "buyer_region"],
            name="rollupbuyermonth_key")]


class RollupBuyerChannelYear(RollupBase):
    """buyer × year × channel × kind (buyer 0 = members of the public): a buyer's purchases by channel, which the
    reserved share counts (the platform channels) without reading the entries; the buyer's home county rides along
    (it depends on the buyer) so that buyer-side scopes can read it."""

    buyer_id = models.BigIntegerField()
    year = models.PositiveSmallIntegerField()
    channel = models.CharField(max_length=20)
    kind = models.CharField(max_length=20)
    counted = models.BooleanField()
    buyer_region = models.CharField(max_length=6)

    class Meta:
        verbose_name = _("rollup: buyer × channel × year")
        constraints = [models.UniqueConstraint(fields=["buyer_id", "year", "channel", "kind", "counted",
                                                       "buyer_region"], name="rollupbuyerchannelyear_key")]


class RollupScheme(RollupBase):
    """scheme × relation × month × origin county × kind: each counted entry at most once per scheme."""

    scheme = models.CharField(max_length=30)
    relation_id = models.BigIntegerField()
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    county_code = models.CharField(max_length=6)
    kind = models.CharField(max_length=20)
    counted = models.BooleanField()

    class Meta:
        verbose_name = _("rollup: scheme × relation")
        constraints = [models.UniqueConstraint(
            fields=["year", "scheme", "relation_id", "month", "county_code", "kind", "counted"],
            name="rollupscheme_key2")]


class ReportingRight(TimestampedModel):
    """The right of an organisation (a sales platform, a counter operator, a statistics office) to book purchases
    of buyers other than itself and its units, under one `source`: for every registered buyer, for buyers whose home
    region lies in `buyer_region_code`, and/or for buyers of the `buyer_kinds`; and, if `public_sales`, sales to
    members of the public (no buyer code). In force for purchases dated `valid_from` … `valid_to` until revoked.

    Granted and revoked only by administrators through `services.reporting_right_grant` / `reporting_right_revoke`
    (audited); the status moves only active → revoked."""

    reporter = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("reporting organisation"))
    source = models.CharField(_("source"), max_length=60, db_index=True,
                              help_text=_("The source name the organisation's rows carry"))
    status = models.CharField(_("status"), max_length=10, choices=RightStatus.choices, default=RightStatus.ACTIVE)
    organisations = models.BooleanField(_("purchases of registered organisations"), default=True)
    buyer_region_code = models.CharField(_("buyers' region"), max_length=12, blank=True,
                                         help_text=_("Only buyers registered in this region; empty: every region"))
    buyer_region_prefix = models.CharField(_("buyers' region code prefix"), max_length=12, blank=True)
    buyer_kinds = models.CharField(_("buyer kinds"), max_length=400, blank=True,
                                   help_text=_("Comma-separated organisation kinds; empty: every kind"))
    public_sales = models.BooleanField(_("sales to members of the public"), default=False)
    valid_from = models.DateField(_("valid from"), help_text=_("First purchase date the right covers"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True,
                                help_text=_("Last purchase date the right covers; empty: open-ended"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("granted by"))
    granted_by_name = models.CharField(_("granted by"), max_length=150, blank=True)
    reason = models.TextField(_("reason"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("revoked by"))
    revoked_by_name = models.CharField(_("revoked by"), max_length=150, blank=True)
    revoke_reason = models.TextField(_("reason for revoking"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("reporting right")
        verbose_name_plural = _("reporting rights")
        indexes = [models.Index(fields=["reporter", "status"], name="reportingright_reporter")]

    def __str__(self) -> str:
        return f"reporting right #{self.pk}: {self.reporter_id} as {self.source} ({self.status})"

    @property
    def buyer_kind_list(self) -> list[str]:
        return [k for k in self.buyer_kinds.split(",") if k]


class OriginException(TimestampedModel):
    """A documented exception to the origin rule: the seller may report goods originating in `region_code` (and
    everything below it) although the place is neither its product's registered origin nor inside its registered
    county (e.g. a cooperative selling a member village's produce across a county line). In force for purchases dated
    `valid_from` … `valid_to` until revoked; granted and revoked by reviewers through `services.origin_exception_grant`
    / `origin_exception_revoke` (audited). Entries it let in keep pointing at it."""

    seller = models.ForeignKey("registry.MarketEntity", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("seller"))
    region_code = models.CharField(_("origin region"), max_length=12)
    region_prefix = models.CharField(_("origin region code prefix"), max_length=12)
    status = models.CharField(_("status"), max_length=10, choices=RightStatus.choices, default=RightStatus.ACTIVE)
    reason = models.TextField(_("reason"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("granted by"))
    granted_by_name = models.CharField(_("granted by"), max_length=150, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by_name = models.CharField(_("revoked by"), max_length=150, blank=True)
    revoke_reason = models.TextField(_("reason for revoking"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("origin exception")
        verbose_name_plural = _("origin exceptions")
        indexes = [models.Index(fields=["seller", "status"], name="originexception_seller")]

    def __str__(self) -> str:
        return f"origin exception #{self.pk}: seller {self.seller_id} from {self.region_code} ({self.status})"


class DuplicateReview(TimestampedModel):
    """A reviewer's decision on an entry the import marked `duplicate_of` an entry of another source: confirmed
    (it stays uncounted) or released (a different order: `services.duplicate_release` books it again, counted, as
    a new revision, and the decision points at that booking). One decision per entry; audited."""

    entry = models.OneToOneField(PurchaseEntry, on_delete=models.PROTECT, related_name="duplicate_review",
                                 verbose_name=_("entry"))
    decision = models.CharField(_("decision"), max_length=10, choices=MatchDecision.choices)
    reason = models.TextField(_("reason"))
    released_as = models.ForeignKey(PurchaseEntry, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("booked again as"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("decided by"))
    decided_by_name = models.CharField(_("decided by"), max_length=150, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("duplicate review")
        verbose_name_plural = _("duplicate reviews")

    def __str__(self) -> str:
        return f"duplicate review of entry {self.entry_id}: {self.decision}"


from .reserved_share.models import CanteenDeclaration  # noqa: E402,F401  (reserved share, registered in this app)
