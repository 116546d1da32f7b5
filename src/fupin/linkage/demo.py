"""The linkage part of the demo world, built through the linkage services (deterministic for a seed).

Per demo county: contracts of the county's market entities with its households, cycling through employment,
order purchase, dividend, land lease and tourism; a collective-income contract where the county has a village
collective; the instalments paid (a few days late) up to `world.today`. Deliberate anomalies, all in the first
county (the `county` user's): a household linked by four entities, a household never paid, a household paid
60%, an order purchase below the protected price, a reversed payment, a suspended, an ended and a draft contract.
A verification round of the first county for the previous year is drawn, verified (one entity's households
mostly report nothing received) and completed, so that entity carries the discrepancy flag.

Leaves `world.extra["linkage"]`: {"contracts": [...], "anomalies": {...}, "round": VerificationRound}.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from . import sampling, services
from .enums import Mechanism, Outcome, Schedule
from .expected import lines_for
from .models import Contract, ContractParty

CYCLE = [Mechanism.EMPLOYMENT, Mechanism.ORDER_PURCHASE, Mechanism.DIVIDEND, Mechanism.LAND_LEASE, Mechanism.TOURISM]
SCHEDULES = {Mechanism.EMPLOYMENT: Schedule.MONTHLY, Mechanism.ORDER_PURCHASE: Schedule.QUARTERLY,
             Mechanism.DIVIDEND: Schedule.YEARLY, Mechanism.LAND_LEASE: Schedule.YEARLY,
             Mechanism.TOURISM: Schedule.QUARTERLY, Mechanism.COLLECTIVE_INCOME: Schedule.YEARLY}


def _terms(mechanism: str, rng: Any) -> tuple[dict[str, Any], Any]:
    """Terms of a mechanism and a function giving each household's quantity."""
    if mechanism == Mechanism.EMPLOYMENT:
        if rng.random() < 0.5:
            return {"wage_basis": "month", "wage_fen": rng.choice([180000, 220000, 260000])}, lambda: None
        return {"wage_basis": "day", "wage_fen": rng.choice([10000, 12000, 15000]), "days_per_month": 12}, \
            lambda: Decimal(rng.choice([8, 10, 12, 15]))
    if mechanism == Mechanism.ORDER_PURCHASE:
        return {"unit": "kg", "protected_price_fen": rng.choice([400, 600, 1200]), "min_quantity": 500}, \
            lambda: Decimal(rng.choice([300, 500, 800, 1200]))
    if mechanism == Mechanism.DIVIDEND:
        if rng.random() < 0.5:
            return {"basis": "per_share", "per_share_fen": rng.choice([5000, 8000])}, lambda: Decimal(rng.randint(2, 10))
        return {"basis": "profit_percent", "percent": rng.choice([5, 8, 10]),
                "annual_profit_fen": rng.choice([30_000_000, 50_000_000])}, lambda: Decimal(rng.randint(1, 5))
    if mechanism == Mechanism.LAND_LEASE:
        return {"rent_per_mu_fen": rng.choice([40000, 60000, 80000])}, lambda: Decimal(rng.choice(["1.5", "2", "3", "4.5"]))
    return {"revenue_share_percent": rng.choice([10, 15]), "annual_revenue_fen": rng.choice([4_000_000, 8_000_000])}, \
        lambda: None


def build(world: Any) -> None:
    rng = world.sub_rng("linkage")
    actor = world.users.get("admin")
    if actor is None or not world.entities or not world.households:
        world.notes.append("Linkage: skipped (the registry step made no admin user, entities or households).")
        return
    today: dt.date = world.today
    counties = world.regions.get("counties") or sorted({e.region.code[:6] for e in world.entities})
    county_codes = [c.code if hasattr(c, "code") else c for c in counties]
    made: list[Contract] = []
    anomalies: dict[str, Any] = {}
    seq = 0
    for ci, county in enumerate(county_codes):
        entities = [e for e in world.entities if e.region.code.startswith(county) and e.kind != "poor_household"]
        households = [h for h in world.households if h.village.code.startswith(county)]
        if not entities or len(households) < 4:
            continue
        first = ci == 0
        start = dt.date(today.year - 2, 1, 1) if ci % 2 == 0 else dt.date(today.year - 2, 7, 1)
        pools = {m: list(households) for m in CYCLE}
        star_mechanisms: set[str] = set()
        for pool in pools.values():
            rng.shuffle(pool)
        for j, entity in enumerate(entities):
            mechanism = CYCLE[(ci + j) % len(CYCLE)]
            terms, quantity = _terms(mechanism, rng)
            size = min(len(pools[mechanism]), rng.randint(3, 6))
            chosen = [pools[mechanism].pop() for _ in range(size)]
            if first and mechanism not in star_mechanisms:  # one household linked by many entities
                star_mechanisms.add(mechanism)
                star = households[0]
                if star not in chosen:
                    if star in pools[mechanism]:
                        pools[mechanism].remove(star)
                    chosen = [star, *chosen[:-1]] if chosen else [star]
                anomalies["many_entities_household"] = star
            if not chosen:
                continue
            seq += 1
            contract = services.contract_create(
                code=f"LJ-{county}-{seq:04d}", entity=entity, mechanism=mechanism, start_date=start, end_date=None,
                terms=terms, parties=[services.PartyInput(h, quantity()) for h in chosen], schedule=SCHEDULES[mechanism],
                note="demo", actor=actor)
            services.contract_activate(contract=contract, actor=actor, reason="signed (demo)")
            made.append(contract)
        collective = next((e for e in entities if e.kind == "village_collective"), None)
        payer = next((e for e in entities if e.kind in ("enterprise", "cooperative")), None)
        if collective is not None and payer is not None:
            seq += 1
            contract = services.contract_create(
                code=f"LJ-{county}-{seq:04d}", entity=payer, mechanism=Mechanism.COLLECTIVE_INCOME, start_date=start,
                end_date=None, terms={"annual_amount_fen": rng.choice([5_000_000, 8_000_000, 12_000_000])},
                party_kind="collective", collective=collective, schedule=Schedule.YEARLY, note="demo", actor=actor)
            services.contract_activate(contract=contract, actor=actor, reason="signed (demo)")
            made.append(contract)

    champion = _champion(world, made, actor, county_codes)
    _pay(world, rng, made, actor, anomalies)
    _lifecycle_examples(world, made, actor, anomalies)
    rnd = _verification(world, county_codes[0], actor, anomalies)
    effect = _effect(world, actor, champion)
    world.extra["linkage"] = {"contracts": made, "anomalies": anomalies, "round": rnd, "effect": effect}
    world.notes.append(
        f"Linkage: {len(made)} contracts of every mechanism with payments to {today:%Y-%m}; anomalies in "
        f"{county_codes[0]} (see /linkage/flags/), a completed verification round (/linkage/verification/).")


def _champion(world: Any, made: list[Contract], actor: Any, county_codes: list[str]) -> Any:
    """An enterprise or cooperative that brings enough households along to have an outstanding poverty-reduction
    effect under the seeded thresholds (≥ 10 households, ≥ 100,000 yuan a year): an employment contract from two
    years back with every household of its county that no other employment contract links (not in the first county,
    whose anomalies the payments plant). Returns the entity (None when no county has ten free households)."""
    employed = {p.household_id for c in made if c.mechanism == Mechanism.EMPLOYMENT for p in c.parties.all()}
    entities_of: dict[int, set[int]] = {}
    for c in made:
        for p in c.parties.all():
            entities_of.setdefault(p.household_id, set()).add(c.entity_id)
    for county in [*county_codes[1:], *county_codes[:1]]:
        entity = next((e for e in world.entities if e.region.code.startswith(county)
                       and e.kind in ("enterprise", "cooperative")), None)
        free = [h for h in world.households if h.village.code.startswith(county) and h.pk not in employed
                and len(entities_of.get(h.pk, set()) - {entity.pk if entity else 0}) < 3][:15]  # no new many_entities
        if entity is None or len(free) < 10:
            continue
        contract = services.contract_create(
            code=f"LJ-{county}-STAR", entity=entity, mechanism=Mechanism.EMPLOYMENT,
            start_date=dt.date(world.today.year - 2, 1, 1), end_date=None,
            terms={"wage_basis": "month", "wage_fen": 220000}, parties=[services.PartyInput(h, None) for h in free],
            schedule=Schedule.MONTHLY, note="demo: a workshop employing the village's households", actor=actor)
        services.contract_activate(contract=contract, actor=actor, reason="signed (demo)")
        made.append(contract)
        return entity
    return None


def _effect(world: Any, actor: Any, champion: Any) -> dict[str, Any]:
    """The poverty-reduction-effect decisions of last year and this year (judged on the year before each), so that
    the ledger's purchases from the champion count on that basis and the others' on the poverty-county basis."""
    from .effect import services as effect_services

    years = [world.today.year - 1, world.today.year]
    runs = [effect_services.poverty_effect_compute(year=y, actor=actor, reason="demo") for y in years]
    world.notes.append(
        "Linkage: poverty-reduction effect (带贫成效突出) decided for " + ", ".join(
            f"{r.year} ({r.qualifying} of {r.entities} qualify)" for r in runs)
        + (f"; {champion.name} qualifies (see its entity page)" if champion is not None else ""))
    return {"champion": champion, "years": years, "qualifying": {r.year: r.qualifying for r in runs}}


def _pay(world: Any, rng: Any, contracts: list[Contract], actor: Any, anomalies: dict[str, Any]) -> None:
    today = world.today
    first_county = contracts[0].entity.region.code[:6] if contracts else ""
    never = below = None
    qs = Contract.objects.filter(pk__in=[c.pk for c in contracts]).order_by("pk")
    for line in lines_for(qs, start=dt.date(today.year - 3, 1, 1), end=today, on=today):
        c = line.contract
        in_first = c.entity.region.code.startswith(first_county)
        if in_first and never is None and c.mechanism == Mechanism.EMPLOYMENT and line.household_id != \
                getattr(anomalies.get("many_entities_household"), "pk", None):
            never = anomalies["never_paid"] = (c.code, line.registry_code)
            continue
        factor = 1.0
        if in_first and below is None and c.mechanism in (Mechanism.LAND_LEASE, Mechanism.DIVIDEND) and line.household_id:
            below = anomalies["paid_below_terms"] = (c.code, line.registry_code)
            factor = 0.6
        for k, inst in enumerate(line.instalments):
            if inst.amount_fen <= 0:
                continue
            paid_on = min(inst.end + dt.timedelta(days=rng.randint(3, 20)), today)
            if c.end_date is not None:
                paid_on = min(paid_on, c.end_date)
            amount = int(inst.amount_fen * factor)
            quantity = None
            if c.mechanism == Mechanism.ORDER_PURCHASE:
                price = int(c.terms["protected_price_fen"])
                quantity = (Decimal(amount) / price).quantize(Decimal("0.01"))
                if in_first and "below_protected_price" not in anomalies and line.household_id \
                        and k == len(line.instalments) - 1:
                    amount = int(amount * 0.8)  # paid 80% of the protected price for the quantity bought
                    anomalies["below_protected_price"] = (c.code, line.registry_code)
            services.payment_record(
                source="demo", external_id=f"{c.code}-{line.registry_code or 'C'}-{k + 1:03d}", contract=c,
                household=None if line.household_id is None else _household(c, line.household_id),
                collective=c.collective if line.household_id is None else None, paid_on=paid_on, amount_fen=amount,
                quantity=quantity, evidence_ref=f"凭证{paid_on:%Y%m}-{rng.randint(1000, 9999)}", actor=actor,
                today=today)


def _household(contract: Contract, household_id: int) -> Any:
    return next(p.household for p in contract.parties.all() if p.household_id == household_id)


def _lifecycle_examples(world: Any, contracts: list[Contract], actor: Any, anomalies: dict[str, Any]) -> None:
    from .models import BenefitPayment

    today = world.today
    payment = BenefitPayment.objects.filter(contract__in=contracts, household__isnull=False).order_by("pk").first()
    if payment is not None:
        reversal = services.payment_reverse(payment=payment, reason="paid to the wrong bank account (demo)", actor=actor,
                                            on=payment.paid_on)
        services.payment_record(source="demo", external_id=f"{payment.external_id}-again", contract=payment.contract,
                                household=payment.household, paid_on=payment.paid_on, amount_fen=payment.amount_fen,
                                evidence_ref=payment.evidence_ref, note="paid again after the reversal", actor=actor,
                                today=today)
        anomalies["reversed_payment"] = (payment.external_id, reversal.external_id)
    by_mech = {c.mechanism: c for c in contracts}  # the last contract of each mechanism: outside the first county
    if Mechanism.TOURISM in by_mech:
        services.contract_suspend(contract=by_mech[Mechanism.TOURISM], actor=actor,
                                  reason="homestays closed for renovation (demo)")
        anomalies["suspended"] = by_mech[Mechanism.TOURISM].code
    if Mechanism.ORDER_PURCHASE in by_mech:
        services.contract_end(contract=by_mech[Mechanism.ORDER_PURCHASE], actor=actor, reason="harvest contract over (demo)",
                              ended_on=today)
        anomalies["ended"] = by_mech[Mechanism.ORDER_PURCHASE].code
    c = contracts[0] if contracts else None
    if c is not None:
        county = c.entity.region.code[:6]
        taken = set(ContractParty.objects.filter(contract__mechanism=Mechanism.LAND_LEASE)
                    .values_list("household_id", flat=True))
        free = [h for h in world.households if h.village.code.startswith(county) and h.pk not in taken][:2]
        if free:
            draft = services.contract_create(
                code=f"{c.code}-NEXT", entity=c.entity, mechanism=Mechanism.LAND_LEASE,
                start_date=dt.date(today.year + 1, 1, 1), end_date=dt.date(today.year + 5, 12, 31),
                terms={"rent_per_mu_fen": 70000}, parties=[services.PartyInput(h, Decimal(2)) for h in free],
                schedule=Schedule.YEARLY, note="awaiting signature (demo)", actor=actor)
            anomalies["draft"] = draft.code


def _verification(world: Any, county_code: str, actor: Any, anomalies: dict[str, Any]) -> Any:
    year = world.today.year - 1
    rnd = sampling.round_draw(county_code=county_code, period_start=dt.date(year, 1, 1), period_end=dt.date(year, 12, 31),
                              seed=world.seed, actor=actor)
    items = list(sampling.round_items(round=rnd))
    if not items:
        return rnd
    bad_entity = items[0].entity_id
    for n, item in enumerate(items):
        if item.entity_id == bad_entity and n % 2 == 0:
            sampling.item_outcome_record(item=item, outcome=Outcome.NOT_RECEIVED, actor=actor,
                                         note="household says nothing was received (demo)")
        elif n == len(items) - 1:
            sampling.item_outcome_record(item=item, outcome=Outcome.AMOUNT_DIFFERS, actor=actor,
                                         reported_fen=max(0, item.paid_fen - 20000), note="demo")
        else:
            sampling.item_outcome_record(item=item, outcome=Outcome.CONFIRMED, actor=actor, note="demo")
    sampling.round_complete(round=rnd, actor=actor, reason="field work done (demo)")
    anomalies["verification_flagged_entity"] = bad_entity
    return rnd
