"""The reserved-share part of the demo world: canteen procurement declarations for last year, made through the
services by the demo administrator, so the reserved-share page shows every verdict.

Runs after the ledger step (it reads what the units bought on the 832 platform). Of the units that must declare,
in id order: every fifth is exempt (no canteen / outsourced canteen), two of five declare an amount their platform
purchases meet, one of five an amount they fall short of, and one of five does not declare.
"""

from __future__ import annotations

from typing import Any

from . import selectors, services
from .enums import ExemptReason


def build(world: Any) -> None:
    actor = world.users.get("admin")
    if actor is None:
        return
    year = world.today.year - 1
    rows = sorted(selectors.reserved_share_list(viewer=actor, year=year), key=lambda r: r.organisation.pk)
    counts = dict.fromkeys(("exempt", "compliant", "short", "undeclared"), 0)
    for i, row in enumerate(rows):
        share = row.result.required_bp or 1000
        platform = row.result.platform_fen
        slot = i % 5
        if slot == 0:
            reason = (ExemptReason.NO_CANTEEN, ExemptReason.OUTSOURCED_CANTEEN)[(i // 5) % 2]
            services.canteen_declaration_submit(organisation_id=row.organisation.pk, year=year, canteen_food_fen=None,
                                                exempt_reason=reason, actor=actor)
            counts["exempt"] += 1
        elif slot in (1, 2) and platform > 0:
            canteen = max(platform * 10000 // share * 9 // 10, 100)  # the platform share is about 11%: compliant
            services.canteen_declaration_submit(organisation_id=row.organisation.pk, year=year,
                                                canteen_food_fen=canteen, farm_produce_fen=canteen * 2 // 5,
                                                actor=actor)
            counts["compliant"] += 1
        elif slot in (1, 2, 3):
            canteen = platform * 10000 // share * 3 // 2 + 200_000_00  # well above what the purchases cover: short
            services.canteen_declaration_submit(organisation_id=row.organisation.pk, year=year,
                                                canteen_food_fen=canteen, actor=actor)
            counts["short"] += 1
        else:
            counts["undeclared"] += 1
    world.notes.append(
        f"reserved share: {year} declarations of {len(rows)} budget units ({counts['compliant']} compliant, "
        f"{counts['short']} short, {counts['exempt']} exempt, {counts['undeclared']} not declared): "
        "/ledger/reserved-share/"
    )
