"""Linkage test data, built through the services: one builder per contract state, payments, verification rounds."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from fupin.linkage import services
from fupin.linkage.enums import Mechanism
from tests import factories

_seq = itertools.count(1)

TERMS = {
    Mechanism.EMPLOYMENT: {"wage_basis": "month", "wage_fen": 300000},
    Mechanism.ORDER_PURCHASE: {"unit": "kg", "protected_price_fen": 500, "min_quantity": 1000},
    Mechanism.DIVIDEND: {"basis": "per_share", "per_share_fen": 10000},
    Mechanism.LAND_LEASE: {"rent_per_mu_fen": 60000},
    Mechanism.TOURISM: {"revenue_share_percent": 10, "annual_revenue_fen": 12000000},
    Mechanism.COLLECTIVE_INCOME: {"annual_amount_fen": 5000000},
}
QUANTITY = {Mechanism.DIVIDEND: Decimal(5), Mechanism.LAND_LEASE: Decimal(2)}


def writer(db=None, *, scope_code: str = "") -> Any:
    if scope_code:
        return factories.user(roles="clerk", scope_level="county", scope_code=scope_code)
    return factories.user(roles="clerk")


def contract(*, actor: Any, entity=None, households=(), mechanism: str = Mechanism.LAND_LEASE, terms=None,
             start: dt.date = dt.date(2024, 1, 1), end: dt.date | None = None, schedule: str = "monthly",
             collective=None, state: str = "active", quantity: Decimal | None = None, code: str | None = None):
    """A contract in `state` (draft, active, suspended, ended)."""
    entity = entity or factories.entity()
    qty = quantity if quantity is not None else QUANTITY.get(mechanism)
    parties = [services.PartyInput(h, qty) for h in households]
    c = services.contract_create(
        code=code or f"LK-{next(_seq):05d}", entity=entity, mechanism=mechanism, start_date=start, end_date=end,
        terms=terms if terms is not None else TERMS[mechanism], parties=parties,
        party_kind="collective" if collective else "households", collective=collective, schedule=schedule, actor=actor)
    if state in ("active", "suspended", "ended"):
        services.contract_activate(contract=c, actor=actor)
    if state == "suspended":
        services.contract_suspend(contract=c, actor=actor, reason="test")
    if state == "ended":
        services.contract_end(contract=c, actor=actor, reason="test", ended_on=end)
    c.refresh_from_db()
    return c


def payment(*, actor: Any, contract, household=None, collective=None, paid_on: dt.date = dt.date(2024, 6, 30),
            amount_fen: int = 100000, quantity=None, external_id: str | None = None, source: str = "test"):
    return services.payment_record(source=source, external_id=external_id or f"P{next(_seq):06d}", contract=contract,
                                   household=household, collective=collective, paid_on=paid_on, amount_fen=amount_fen,
                                   quantity=quantity, actor=actor).payment


def collective(region_code: str = "522627"):
    return factories.entity(kind="village_collective", region_code=region_code)
