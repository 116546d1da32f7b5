"""Expected versus paid and each anomaly flag, through the database."""

import datetime as dt
from decimal import Decimal

import pytest

from fupin.core.params import get as param_get
from fupin.core.services import policy_parameter_create
from fupin.linkage import expected, parameters, services
from fupin.linkage.enums import FlagKind
from tests import factories
from tests.linkage import factories as lf

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk():
    return lf.writer(scope_code="522627")


@pytest.fixture
def nation():
    return factories.user(roles="viewer")


def kinds(found, kind):
    return [f for f in found if f.kind == kind]


def test_expected_vs_paid_per_household_and_year(clerk, nation):
    h1, h2 = factories.household(), factories.household()
    c = lf.contract(actor=clerk, households=[h1, h2], mechanism="employment",
                    terms={"wage_basis": "month", "wage_fen": 200000}, start=dt.date(2024, 7, 1))
    for m in range(7, 13):
        lf.payment(actor=clerk, contract=c, household=h1, paid_on=dt.date(2024, m, 28), amount_fen=200000)
    lines = expected.expected_vs_paid(viewer=nation, start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    got = {ln.household_id: (ln.annual_fen, ln.due_fen, ln.paid_fen) for ln in lines}
    assert got == {h1.pk: (2400000, 1200000, 1200000), h2.pk: (2400000, 1200000, 0)}


def test_no_payment_flag_after_m_months(clerk, nation):
    h1, h2 = factories.household(), factories.household()
    c = lf.contract(actor=clerk, households=[h1, h2], mechanism="employment",
                    terms={"wage_basis": "month", "wage_fen": 200000}, start=dt.date(2024, 1, 1))
    for m in range(1, 13):
        lf.payment(actor=clerk, contract=c, household=h1, paid_on=dt.date(2024, m, 25), amount_fen=200000)
    found = kinds(expected.flags(viewer=nation, on=dt.date(2024, 12, 31)), FlagKind.NO_PAYMENT)
    assert [f.household_id for f in found] == [h2.pk]
    assert found[0].parameter_id == param_get(parameters.NO_PAYMENT_MONTHS, on=dt.date(2024, 12, 31)).id


def test_no_payment_respects_the_schedule(clerk, nation):
    """A yearly dividend is not 'missing' in the middle of the year."""
    h = factories.household()
    lf.contract(actor=clerk, households=[h], mechanism="dividend", schedule="yearly", start=dt.date(2024, 1, 1))
    assert not expected.flags(viewer=nation, on=dt.date(2024, 11, 30))
    assert kinds(expected.flags(viewer=nation, on=dt.date(2025, 3, 1)), FlagKind.NO_PAYMENT)


def test_below_terms_flag_uses_the_dated_ratio(clerk, nation):
    h = factories.household()
    c = lf.contract(actor=clerk, households=[h], mechanism="land_lease", schedule="yearly", start=dt.date(2024, 1, 1),
                    quantity=Decimal(2))  # 2 mu × 600 yuan = 1,200 yuan due at the end of 2024
    lf.payment(actor=clerk, contract=c, household=h, paid_on=dt.date(2024, 12, 20), amount_fen=100000)
    on = dt.date(2025, 2, 15)
    found = kinds(expected.flags(viewer=nation, on=on), FlagKind.BELOW_TERMS)
    assert [(f.due_fen, f.paid_fen) for f in found] == [(120000, 100000)]
    policy_parameter_create(key=parameters.BELOW_TERMS_RATIO, value=0.8, valid_from=dt.date(2025, 1, 1), actor="test")
    assert not kinds(expected.flags(viewer=nation, on=on), FlagKind.BELOW_TERMS)


def test_many_entities_flag(clerk, nation):
    h = factories.household()
    for mech in ("employment", "land_lease", "dividend", "tourism"):
        lf.contract(actor=clerk, households=[h], mechanism=mech)
    found = kinds(expected.flags(viewer=nation, on=dt.date(2024, 6, 1)), FlagKind.MANY_ENTITIES)
    assert [f.household_id for f in found] == [h.pk]
    assert "4 entities" in found[0].detail
    # three entities are within the default limit
    h2 = factories.household()
    for mech in ("employment", "land_lease", "dividend"):
        lf.contract(actor=clerk, households=[h2], mechanism=mech)
    assert [f.household_id for f in kinds(expected.flags(viewer=nation, on=dt.date(2024, 6, 1)),
                                          FlagKind.MANY_ENTITIES)] == [h.pk]


def test_price_below_protected_flag(clerk, nation):
    h = factories.household()
    c = lf.contract(actor=clerk, households=[h], mechanism="order_purchase")  # 5.00 yuan per kg
    lf.payment(actor=clerk, contract=c, household=h, paid_on=dt.date(2024, 5, 1), amount_fen=400000, quantity=Decimal(1000))
    lf.payment(actor=clerk, contract=c, household=h, paid_on=dt.date(2024, 6, 1), amount_fen=500000, quantity=Decimal(1000))
    found = kinds(expected.flags(viewer=nation, on=dt.date(2024, 7, 1)), FlagKind.PRICE_BELOW_PROTECTED)
    assert [(f.due_fen, f.paid_fen) for f in found] == [(500000, 400000)]


def test_suspended_contracts_are_not_flagged_for_no_payment(clerk, nation):
    h = factories.household()
    lf.contract(actor=clerk, households=[h], mechanism="employment", state="suspended")
    assert not kinds(expected.flags(viewer=nation, on=dt.date(2024, 12, 31)), FlagKind.NO_PAYMENT)


def test_flags_are_scoped(clerk):
    h = factories.household()
    lf.contract(actor=clerk, households=[h], mechanism="employment")
    other = factories.user(roles="viewer", scope_level="county", scope_code="130631")
    assert expected.flags(viewer=other, on=dt.date(2024, 12, 31)) == []
    assert expected.flags(viewer=clerk, on=dt.date(2024, 12, 31))


def test_reversed_payment_does_not_count_as_paid(clerk, nation):
    h = factories.household()
    c = lf.contract(actor=clerk, households=[h], mechanism="employment", terms={"wage_basis": "month", "wage_fen": 1000},
                    start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    p = lf.payment(actor=clerk, contract=c, household=h, paid_on=dt.date(2024, 12, 1), amount_fen=12000)
    services.payment_reverse(payment=p, reason="wrong", actor=clerk, on=dt.date(2024, 12, 2))
    line = expected.expected_vs_paid(viewer=nation, start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))[0]
    assert (line.due_fen, line.paid_fen) == (12000, 0)
