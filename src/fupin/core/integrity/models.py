"""The tamper-evidence tables (app label `core`; imported by `fupin.core.models`).

A chain is a sequence of links for one kind of row (`ledger.purchaseentry`, `linkage.benefitpayment`, …) and one
partition (a county, an app): link n commits to link n−1 and to the rows written in one committed batch. Anchors
record every chain's head, signed with the platform's Ed25519 key. See `fupin.core.integrity`."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.core.models import AppendOnlyModel


class ChainHead(models.Model):
    """The last link of a chain: the row writers lock to append (one writer per chain at a time). A cache only:
    `verify_integrity` recomputes every chain from its links and reports a head that disagrees."""

    chain = models.CharField(_("chain"), max_length=120, primary_key=True)
    kind = models.CharField(_("kind of row"), max_length=60)
    seq = models.PositiveBigIntegerField(_("links"), default=0)
    digest = models.CharField(_("head digest"), max_length=64, default="")
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        app_label = "core"
        verbose_name = _("chain head")
        verbose_name_plural = _("chain heads")

    def __str__(self) -> str:
        return f"{self.chain} #{self.seq} {self.digest[:12]}"


class ChainLink(AppendOnlyModel):
    """One committed batch of rows of one chain. `members` packs, for each row in id order, its id (8 bytes,
    big-endian) and the first 16 bytes of the SHA-256 of its canonical content; `digest` =
    SHA-256(prev_digest ‖ chain ‖ seq ‖ kind ‖ rows ‖ SHA-256(members))."""

    chain = models.CharField(_("chain"), max_length=120)
    seq = models.PositiveBigIntegerField(_("position"))
    kind = models.CharField(_("kind of row"), max_length=60)
    first_id = models.BigIntegerField(_("first row id"))
    last_id = models.BigIntegerField(_("last row id"))
    rows = models.PositiveIntegerField(_("rows"))
    members = models.BinaryField(_("row digests"))
    prev_digest = models.CharField(_("previous digest"), max_length=64)
    digest = models.CharField(_("digest"), max_length=64)
    created_at = models.DateTimeField(_("linked at"))

    class Meta:
        app_label = "core"
        ordering = ["chain", "seq"]
        verbose_name = _("chain link")
        verbose_name_plural = _("chain links")
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="chainlink_chain_seq")]
        indexes = [models.Index(fields=["kind", "last_id"], name="chainlink_kind_last")]

    def __str__(self) -> str:
        return f"{self.chain} #{self.seq} ({self.rows} rows)"


class ChainAnchor(AppendOnlyModel):
    """The heads of every chain at one moment, signed (Ed25519) over `payload` (canonical JSON, UTF-8). An auditor
    keeps the exported anchors: a chain rewritten afterwards no longer reaches the anchored digest."""

    at = models.DateTimeField(_("time"), db_index=True)
    key_id = models.CharField(_("key id"), max_length=16)
    public_key = models.CharField(_("public key (hex)"), max_length=64)
    payload = models.TextField(_("signed payload"))
    payload_sha256 = models.CharField(_("payload digest"), max_length=64)
    signature = models.CharField(_("signature (hex)"), max_length=128)
    chains = models.PositiveIntegerField(_("chains"))
    actor_name = models.CharField(_("anchored by"), max_length=150, blank=True)

    class Meta:
        app_label = "core"
        ordering = ["-at", "-id"]
        verbose_name = _("integrity anchor")
        verbose_name_plural = _("integrity anchors")

    def __str__(self) -> str:
        return f"anchor {self.at:%Y-%m-%d %H:%M} ({self.chains} chains) {self.payload_sha256[:12]}"
