"""Generated purchase files: realistic mixes of buyers, sellers, products, origins, channels and kinds.

Purchases are skewed as real ones are: a few big buyers (canteens of large units) and sellers carry most of the
rows (index ~ n·u³ for buyers, n·u² for sellers and products, u uniform)."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from .world import BenchWorld

HEADER = ["source", "external_id", "purchase_date", "buyer_code", "seller_code", "product_code", "origin_code",
          "quantity", "unit", "amount_yuan", "kind", "channel", "status"]
CHANNELS = ["platform_832", "special_counter", "special_shop", "special_zone", "ecommerce", "canteen_direct",
            "union_purchase", "trade_fair", "tourism", "other"]


def purchase_csv(path: Path, world: BenchWorld, *, rows: int, seed: int = 11, source: str = "bench",
                 years: tuple[int, int] = (2021, 2024)) -> Path:
    rng = random.Random(seed)
    buyers, sellers, products, villages = world.buyer_codes, world.seller_codes, world.product_codes, world.villages
    nb, ns, np_ = len(buyers), len(sellers), len(products)
    county_villages: dict[str, list[str]] = {}
    for v in villages:
        county_villages.setdefault(v[:6], []).append(v)
    days = [f"{y}-{m:02d}-{d:02d}" for y in range(years[0], years[1] + 1) for m in range(1, 13) for d in range(1, 29)]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i in range(rows):
            r = rng.random()
            seller = sellers[int(ns * rng.random() ** 2)]
            # a named origin lies in the seller's registered county (the origin rule, issue #10 §3)
            local = county_villages.get(world.seller_county.get(seller, ""), [])
            w.writerow([
                source, f"B{i:09d}", days[int(r * 7919) % len(days)],
                "" if r < 0.2 else buyers[int(nb * rng.random() ** 3)],
                seller,
                products[int(np_ * rng.random() ** 2)] if r < 0.6 else "",
                local[rng.randrange(len(local))] if 0.6 <= r < 0.7 and local else "",
                str(rng.randrange(1, 200)), "kg", f"{rng.randrange(100, 5_000_000) / 100:.2f}",
                "direct_purchase" if r < 0.7 else "helped_sale", CHANNELS[int(r * 1000) % 10],
                "completed" if (r * 100) % 1 < 0.92 else "pending",
            ])
    return path
