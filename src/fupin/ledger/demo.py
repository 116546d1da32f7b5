"""The ledger part of the demo world: two years of purchases across every channel and kind, booked through the
services (a file import, API-style batches), with entries that do not count (pending, cancelled, not evaluated in
Guangxi, no basis), reversals, one amendment and a locked month.

Who books (issue #16: a user books only for its own organisation and the units below it, or under a reporting
right): the 832 platform's operating company — an organisation under the supply and marketing cooperatives, with a
clerk `platform` — holds a reporting right granted by the administrator (every registered buyer and sales to the
public, source `demo`) and uploads the file and most of the batches; the budget unit's clerk `buyer` books its own
unit's share of the batches; the administrator corrects entries and locks the month.

Reads from the world: organisations (buyers), entities and households (sellers), certification's products.
Origins and cross-source matches (issue #10): generated origins lie in the seller's county; the county reviewer
grants one origin exception (a cooperative selling a village's produce across its county line) after the
platform's row was refused, and decides two matches of the budget unit's own reports (source `本单位自报`) against
the platform's: one by order and invoice number (confirmed: counted once), one alike pair (released).

Leaves `world.organisations["platform"]`, `world.users["platform"]` and `world.extra["ledger"]`:
{"imports": [PurchaseImport], "reversals": int, "lock": PeriodLock, "reporting_right": ReportingRight,
"cross_source": {...}}.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from fupin.core.services import user_create
from fupin.core.validators import make_uscc
from fupin.registry import selectors as registry
from fupin.registry import services as registry_services
from fupin.registry.enums import OrganisationKind

from .enums import Channel, Kind
from .models import PurchaseEntry

SOURCE = "demo"
UNIT_SOURCE = "本单位自报"  # the budget unit's own reports of its purchases (beside the platform's)
PLATFORM_NAME = "脱贫地区农副产品网络销售平台运营公司（832平台）"
PLATFORM_CREDIT_CODE = make_uscc("91110000832000001")

CHANNELS = [c.value for c in Channel]
# How often each channel appears (the 832 platform and special counters carry most of the money).
CHANNEL_WEIGHTS = [30, 14, 8, 8, 12, 10, 8, 4, 4, 2]
HEADER = ["source", "external_id", "purchase_date", "buyer_code", "seller_code", "product_code", "origin_code",
          "quantity", "unit", "amount_yuan", "kind", "channel", "status", "evaluated"]


def _flatten(value: Any) -> Iterable[Any]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _flatten(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _flatten(v)
    elif value is not None:
        yield value


def _buyers(world: Any) -> list[Any]:
    seen: dict[int, Any] = {}
    for org in _flatten(world.organisations):
        if getattr(org, "credit_code", None) and getattr(org, "pk", None):
            seen.setdefault(org.pk, org)
    return sorted(seen.values(), key=lambda o: o.pk)


def _sellers(world: Any) -> list[tuple[str, Any]]:
    out = []
    for e in world.entities:
        code = e.credit_code or (e.household.registry_code if getattr(e, "household_id", None) else "")
        if code:
            out.append((code, e))
    return out


def _rows(world: Any, rng: random.Random, n: int, *, start: dt.date, end: dt.date) -> list[dict[str, str]]:
    buyers = _buyers(world)
    sellers = _sellers(world)
    products = list((world.extra.get("certification") or {}).get("products") or [])
    villages = list(world.regions.get("poor_villages") or [])
    days = (end - start).days
    big = buyers[: max(3, len(buyers) // 5)]  # a few buyers buy most (canteens of big units)
    rows = []
    for i in range(n):
        r = rng.random()
        buyer = None if r < 0.12 else (rng.choice(big) if rng.random() < 0.6 else rng.choice(buyers))
        code, seller = rng.choice(sellers)
        product = rng.choice(products) if products and rng.random() < 0.5 else None
        day = start + dt.timedelta(days=int(days * (rng.random() ** 0.8)))
        channel = rng.choices(CHANNELS, weights=CHANNEL_WEIGHTS)[0]
        kind = Kind.HELPED_SALE if rng.random() < 0.3 else Kind.DIRECT_PURCHASE
        if channel in (Channel.CANTEEN_DIRECT, Channel.UNION_PURCHASE):
            kind = Kind.DIRECT_PURCHASE
        status = "completed" if rng.random() < 0.93 else rng.choice(["pending", "cancelled"])
        qty = rng.randint(1, 500)
        rows.append({
            "source": SOURCE, "external_id": f"D{i + 1:06d}", "purchase_date": day.isoformat(),
            "buyer_code": buyer.credit_code if buyer else "", "seller_code": code,
            "product_code": product.code if product else "",
            "origin_code": _near(rng.choice(villages).code, seller, villages)
            if villages and product is None and rng.random() < 0.1 else "",
            "quantity": str(qty), "unit": "kg", "amount_yuan": f"{qty * rng.randint(800, 9000) / 100:.2f}",
            "kind": kind, "channel": channel, "status": status,
            "evaluated": "true" if rng.random() < 0.85 else "false",
        })
    return rows


def _county_of(seller: Any) -> str:
    region = getattr(seller, "region", None)
    return region.code[:6] if region is not None else ""


def _near(drawn: str, seller: Any, villages: list[Any]) -> str:
    """A poor village inside the seller's registered county (the origin rule, issue #10 §3), chosen by the village
    drawn so that the demo's random sequence stays as it was; '' when its county has none."""
    county = _county_of(seller)
    near = sorted(v.code for v in villages if v.code.startswith(county)) if county else []
    if not near:
        return ""
    return near[int(drawn[-6:]) % len(near)]


def _cross_source(world: Any, *, platform: Any, buyer_user: Any, reviewer: Any, own_codes: set[str],
                  day: dt.date) -> dict[str, Any]:
    """Issue #10: an origin exception (a cooperative sells a village's produce across its county line), a row the
    origin rule refuses, and one order reported by two sources — by number (the reviewer confirms) and by buyer,
    seller, date and amount (the reviewer releases it: two orders alike)."""
    from . import services

    villages = list(world.regions.get("poor_villages") or [])
    entities = [e for e in world.entities if e.credit_code and not getattr(e, "household_id", None)]
    reviewer_county = (getattr(reviewer, "scope_prefix", "") or "")[:6]
    target = next((v for v in villages if reviewer_county and v.code.startswith(reviewer_county)),
                  villages[0] if villages else None)
    outsider = next((e for e in entities if target is not None and _county_of(e) != target.code[:6]), None)
    own_buyer = next((o for o in _buyers(world) if o.credit_code in own_codes), None)
    seller = next((e for e in entities if target is not None and _county_of(e) == target.code[:6]),
                  entities[0] if entities else None)
    if target is None or outsider is None or own_buyer is None or seller is None or buyer_user is None:
        return {}
    base = {"purchase_date": day.isoformat(), "buyer_code": own_buyer.credit_code, "quantity": "20", "unit": "kg",
            "kind": Kind.DIRECT_PURCHASE, "channel": Channel.CANTEEN_DIRECT, "status": "completed",
            "evaluated": "true"}
    refused = services.purchase_record_batch(actor=platform, rows=[{
        **base, "source": SOURCE, "external_id": "X-ORIGIN-REFUSED", "seller_code": outsider.credit_code,
        "origin_code": target.code, "amount_yuan": "860.00"}])
    exception = services.origin_exception_grant(
        seller=outsider, region_code=target.code[:6], actor=reviewer,
        reason="合作社收购成员村农产品（跨县）；收购合同与成员名册已存档 member villages' produce, contracts on file")
    admitted = services.purchase_record(actor=platform, data={
        **base, "source": SOURCE, "external_id": "X-ORIGIN-EXCEPTION", "seller_code": outsider.credit_code,
        "origin_code": target.code, "amount_yuan": "860.00", "evidence": "收购合同 2024-017；送货单 SH-5521"})
    # the same canteen order from the platform and from the buying unit's own report: counted once
    order = {**base, "seller_code": seller.credit_code, "amount_yuan": "1280.00", "order_number": "832-20240518-0001",
             "invoice_number": "24442000000012345678"}
    first = services.purchase_record(actor=platform, data={
        **order, "source": SOURCE, "external_id": "X-ORDER-1", "evidence": "电子发票 24442000000012345678"})
    second = services.purchase_record(actor=buyer_user, data={
        **order, "source": UNIT_SOURCE, "external_id": "U-ORDER-1", "evidence": "报销凭证 BX-0518"})
    confirmed = services.duplicate_confirm(entry=second, actor=reviewer,
                                           reason="订单号、发票号一致：同一订单 same order and invoice number")
    # alike but two orders (two canteen deliveries of the same day): the reviewer releases the match
    alike = {**base, "seller_code": seller.credit_code, "amount_yuan": "640.00"}
    services.purchase_record(actor=platform, data={**alike, "source": SOURCE, "external_id": "X-ORDER-2"})
    twin = services.purchase_record(actor=buyer_user, data={**alike, "source": UNIT_SOURCE, "external_id": "U-ORDER-2"})
    released = services.duplicate_release(entry=twin, actor=reviewer,
                                          reason="同日两次配送，送货单不同 two deliveries, two delivery notes")
    return {"origin_refused": refused.rejected, "origin_exception": exception, "admitted": admitted,
            "duplicate": second, "duplicate_of": first, "confirmed": confirmed, "released": released}


def _platform(world: Any, actor: Any) -> tuple[Any, Any, Any]:
    """The 832 platform's operator, its clerk, and the reporting right the administrator grants it."""
    from . import services

    parent = world.organisations.get("acfsmc")
    beijing = world.regions.get("beijing")
    region_code = beijing.code if beijing is not None else (parent.region.code if parent is not None else "110000")
    platform = registry_services.organisation_create(
        name=PLATFORM_NAME, kind=OrganisationKind.STATE_OWNED_ENTERPRISE, region_code=region_code,
        credit_code=PLATFORM_CREDIT_CODE, parent=parent, actor=world.actor)
    world.organisations["platform"] = platform
    clerk = world.users.get("platform")
    if clerk is None:
        clerk = user_create(username="platform", password=world.password, organisation=platform, roles="clerk",
                            actor=world.actor)
        world.users["platform"] = clerk
        world.logins.append(("platform", world.password, f"clerk at {PLATFORM_NAME}: uploads the platform's orders "
                                                        "under its reporting right"))
    right = services.reporting_right_grant(
        reporter=platform, source=SOURCE, public_sales=True, actor=actor,
        reason="832平台按月报送全部订单（含个人消费） the platform reports every order, also those of individuals")
    return platform, clerk, right


def build(world: Any) -> None:
    from . import adjustments, services

    if not world.entities or not world.organisations:
        return
    rng = world.sub_rng("ledger")
    actor = world.users.get("admin") or world.actor
    _platform_org, platform, right = _platform(world, actor)
    buyer_user = world.users.get("buyer")
    own_ids: set[int] = set()
    if buyer_user is not None and buyer_user.organisation_id:
        own_ids = registry.organisation_subtree_ids(organisation=buyer_user.organisation_id)
    own_codes = {o.credit_code for o in _buyers(world) if o.pk in own_ids}
    end = world.today - dt.timedelta(days=1)
    start = dt.date(end.year - 1, 1, 1)
    rows = _rows(world, rng, world.size["purchases"], start=start, end=end)

    # most rows arrive as a file (the import page shows it), the rest through the API-style batch service
    cut = int(len(rows) * 0.8)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo-purchases.csv"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(HEADER)
            for r in rows[:cut]:
                w.writerow([r[h] for h in HEADER])
        job = services.purchase_import_create(file_name="demo-purchases.csv", path=path, actor=platform,
                                              origin="demo")
        job = services.purchase_import_run(job=job)
    # the rest through the batch service: the budget unit books its own purchases, the platform everybody else's
    rest = rows[cut:]
    own = [r for r in rest if r["buyer_code"] in own_codes]
    others = [r for r in rest if r["buyer_code"] not in own_codes]
    for booker, chunk_rows in ((buyer_user, own), (platform, others)):
        for i in range(0, len(chunk_rows), 1000):
            services.purchase_record_batch(rows=chunk_rows[i : i + 1000], actor=booker)

    # corrections: some reversals (wrong orders), one amendment (a typing error in the amount)
    counted = list(PurchaseEntry.objects.filter(source=SOURCE, sign=1, counted=True).order_by("id")
                   .values_list("id", flat=True))
    reversed_n = 0
    for pk in rng.sample(counted, k=min(len(counted), max(2, len(counted) // 80))):
        services.purchase_reverse(entry=PurchaseEntry.objects.get(pk=pk), reason="订单退货 order returned", actor=actor)
        reversed_n += 1
    left = [pk for pk in counted if not PurchaseEntry.objects.filter(reverses_id=pk).exists()]
    if left:
        original = PurchaseEntry.objects.get(pk=left[-1])
        services.purchase_amend(entry=original, changes={"amount_yuan": f"{original.amount_fen / 100 * 1.1:.2f}"},
                                reason="金额录入错误 amount mistyped", actor=actor)
    # the first month of the period is closed for the first demo county
    county = (world.regions.get("counties") or [None])[0]
    lock = None
    if county is not None:
        lock = services.period_lock(year=start.year, month=1, region_code=county.code,
                                    reason="月度核对完成 monthly reconciliation done", actor=actor)
        # a late correction of the closed month: a prior-period adjustment booked in the current month (issue #10 §6)
        late = (PurchaseEntry.objects.filter(source=SOURCE, sign=1, counted=True, year=start.year, month=1,
                                             county_code__startswith=county.code[:6], reversed_by__isnull=True)
                .order_by("id").first())
        if late is not None:
            adjustments.purchase_adjust(entry=late, reason="发票作废 invoice cancelled after the month was closed",
                                        actor=actor)
            reversed_n += 1
    reviewer = world.users.get("county") or actor
    shown = _cross_source(world, platform=platform, buyer_user=buyer_user, reviewer=reviewer, own_codes=own_codes,
                          day=end)
    world.extra["ledger"] = {"imports": [job], "reversals": reversed_n, "lock": lock, "reporting_right": right,
                             "cross_source": shown}
    world.notes.append(
        f"ledger: {len(rows)} purchases {start:%Y-%m}..{end:%Y-%m} (import #{job.pk}: {job.accepted} accepted, "
        f"{job.rejected} rejected), {reversed_n} reversals, 1 amendment; {start.year}-01 locked for "
        f"{county.name if county else '-'} (one late reversal of it booked in the current month as a prior-period "
        f"adjustment: compare the statistics' Months switch, as reported / as corrected); booked by the 832 platform's clerk under reporting right #{right.pk} "
        f"and by the budget unit's clerk for its own unit"
    )
    if shown:
        world.notes.append(
            f"ledger: origin exception #{shown['origin_exception'].pk} (entry #{shown['admitted'].pk} let in, one row "
            f"refused as origin_mismatch); entry #{shown['duplicate'].pk} is the buying unit's report of the "
            f"platform's entry #{shown['duplicate_of'].pk} (not counted, confirmed); one alike pair released"
        )
