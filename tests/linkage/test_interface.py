"""The interface other apps rely on: linked_household_ids and verification_flags."""

import datetime as dt

import pytest

from fupin.linkage import selectors
from fupin.linkage.enums import ContractStatus, Outcome, RoundStatus
from fupin.linkage.models import Contract, ContractParty, VerificationItem, VerificationRound
from tests import factories

pytestmark = pytest.mark.django_db


def _contract(entity, households, *, status=ContractStatus.ACTIVE, start=dt.date(2024, 1, 1), end=None, code=None):
    c = Contract.objects.create(code=code or f"C{Contract.objects.count() + 1}", entity=entity, mechanism="land_lease",
                                start_date=start, end_date=end, terms={"rent_per_mu_fen": 50000}, status=status)
    for h in households:
        ContractParty.objects.create(contract=c, household=h, quantity=2)
    return c


def test_linked_household_ids_counts_only_active_contracts_in_force():
    e1, e2, e3 = factories.entity(), factories.entity(), factories.entity()
    h1, h2, h3, h4 = (factories.household() for _ in range(4))
    _contract(e1, [h1, h2])
    _contract(e1, [h3], end=dt.date(2024, 12, 31))          # ended before the date
    _contract(e2, [h4], status=ContractStatus.DRAFT)        # not active
    _contract(e3, [h1], start=dt.date(2025, 7, 1))          # starts later
    got = selectors.linked_household_ids(entity_ids=[e1.pk, e2.pk, e3.pk], on=dt.date(2025, 6, 1))
    assert got == {e1.pk: {h1.pk, h2.pk}}
    assert selectors.linked_household_ids(entity_ids=[], on=dt.date(2025, 6, 1)) == {}


def test_verification_flags_use_the_latest_completed_round():
    e1, e2 = factories.entity(), factories.entity()
    county = factories.region("522627")
    old = VerificationRound.objects.create(county=county, period_start=dt.date(2024, 1, 1), period_end=dt.date(2024, 12, 31),
                                           seed=1, method="m", status=RoundStatus.COMPLETED)
    new = VerificationRound.objects.create(county=county, period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 12, 31),
                                           seed=2, method="m", status=RoundStatus.COMPLETED)
    pos = iter(range(100))
    for outcome in [Outcome.NOT_RECEIVED] * 3:          # e1 was bad in 2024 ...
        VerificationItem.objects.create(round=old, household=factories.household(), entity=e1, position=next(pos), outcome=outcome)
    for outcome in [Outcome.CONFIRMED] * 5:              # ... and clean in 2025
        VerificationItem.objects.create(round=new, household=factories.household(), entity=e1, position=next(pos), outcome=outcome)
    for outcome in [Outcome.CONFIRMED] * 3 + [Outcome.AMOUNT_DIFFERS, Outcome.NOT_FOUND]:  # e2: 2 of 5 discrepant
        VerificationItem.objects.create(round=new, household=factories.household(), entity=e2, position=next(pos), outcome=outcome)
    assert selectors.verification_flags(entity_ids=[e1.pk, e2.pk]) == {e2.pk: ["verification_discrepancy"]}
