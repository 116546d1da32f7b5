"""The ledger part of the demo world: two years of purchases across every channel and kind, booked through the
services (a file import, API-style batches), with entries that do not count (pending, cancelled, not evaluated in
Guangxi, no basis), reversals, one amendment and a locked month.

Reads from the world: organisations (buyers), entities and households (sellers), certification's products.
Leaves `world.extra["ledger"]`: {"imports": [PurchaseImport], "reversals": int, "lock": PeriodLock}.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .enums import Channel, Kind
from .models import PurchaseEntry

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
            "source": "demo", "external_id": f"D{i + 1:06d}", "purchase_date": day.isoformat(),
            "buyer_code": buyer.credit_code if buyer else "", "seller_code": code,
            "product_code": product.code if product else "",
            "origin_code": rng.choice(villages).code if villages and product is None and rng.random() < 0.1 else "",
            "quantity": str(qty), "unit": "kg", "amount_yuan": f"{qty * rng.randint(800, 9000) / 100:.2f}",
            "kind": kind, "channel": channel, "status": status,
            "evaluated": "true" if rng.random() < 0.85 else "false",
        })
    return rows


def build(world: Any) -> None:
    from . import services

    if not world.entities or not world.organisations:
        return
    rng = world.sub_rng("ledger")
    actor = world.users.get("admin") or world.actor
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
        job = services.purchase_import_create(file_name="demo-purchases.csv", path=path, actor=actor, origin="demo")
        job = services.purchase_import_run(job=job)
    for i in range(cut, len(rows), 1000):
        services.purchase_record_batch(rows=rows[i : i + 1000], actor=actor)

    # corrections: some reversals (wrong orders), one amendment (a typing error in the amount)
    counted = list(PurchaseEntry.objects.filter(source="demo", sign=1, counted=True).order_by("id")
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
    world.extra["ledger"] = {"imports": [job], "reversals": reversed_n, "lock": lock}
    world.notes.append(
        f"ledger: {len(rows)} purchases {start:%Y-%m}..{end:%Y-%m} (import #{job.pk}: {job.accepted} accepted, "
        f"{job.rejected} rejected), {reversed_n} reversals, 1 amendment; {start.year}-01 locked for "
        f"{county.name if county else '-'}"
    )
