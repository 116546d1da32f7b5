"""Contracts and payments through the services: transitions, overlaps, missing terms, bad payments, idempotency,
reversals, and that nothing is half-written."""

import datetime as dt
from decimal import Decimal

import pytest

from fupin.core.errors import AccessDenied, Conflict, InvalidInput, TransitionNotAllowed
from fupin.core.models import AuditEntry
from fupin.linkage import services
from fupin.linkage.models import BenefitPayment, Contract, ContractParty
from tests import factories
from tests.linkage import factories as lf

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk():
    return lf.writer(scope_code="522627")


def test_contract_lifecycle_is_audited(clerk):
    h = factories.household()
    c = lf.contract(actor=clerk, households=[h], state="draft")
    assert c.status == "draft" and c.parties.count() == 1
    services.contract_activate(contract=c, actor=clerk)
    services.contract_suspend(contract=c, actor=clerk, reason="entity stopped paying")
    services.contract_resume(contract=c, actor=clerk)
    services.contract_end(contract=c, actor=clerk, reason="harvest over", ended_on=dt.date(2024, 9, 30))
    c.refresh_from_db()
    assert c.status == "ended" and c.end_date == dt.date(2024, 9, 30) and c.activated_at is not None
    actions = list(AuditEntry.objects.filter(object_type="linkage.contract", object_id=str(c.pk))
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["linkage_contract:create", "linkage_contract:activate", "linkage_contract:suspend",
                       "linkage_contract:resume", "linkage_contract:end"]
    with pytest.raises(TransitionNotAllowed):
        services.contract_activate(contract=c, actor=clerk)


def test_missing_terms_are_refused_and_nothing_written(clerk):
    h = factories.household()
    with pytest.raises(InvalidInput) as exc:
        lf.contract(actor=clerk, households=[h], mechanism="employment", terms={"wage_basis": "day", "wage_fen": 10000})
    assert exc.value.code == "missing_term"
    assert "days_per_month" in str(exc.value.details)
    assert Contract.objects.count() == 0 and ContractParty.objects.count() == 0


def test_land_lease_household_without_mu_is_refused(clerk):
    with pytest.raises(InvalidInput) as exc:
        services.contract_create(code="X1", entity=factories.entity(), mechanism="land_lease", start_date=dt.date(2024, 1, 1),
                                 end_date=None, terms={"rent_per_mu_fen": 1000},
                                 parties=[services.PartyInput(factories.household(), None)], actor=clerk)
    assert exc.value.code == "missing_quantity"


def test_overlapping_contracts_for_same_household_and_mechanism_are_refused(clerk):
    h1, h2 = factories.household(), factories.household()
    lf.contract(actor=clerk, households=[h1], start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    with pytest.raises(InvalidInput) as exc:
        lf.contract(actor=clerk, households=[h2, h1], start=dt.date(2024, 6, 1), end=dt.date(2025, 5, 31))
    assert exc.value.code == "overlapping_contract"
    assert h1.registry_code in exc.value.message
    # another mechanism, or a period that does not overlap, is fine
    lf.contract(actor=clerk, households=[h1], mechanism="employment")
    lf.contract(actor=clerk, households=[h1], start=dt.date(2025, 1, 1))


def test_a_draft_ended_before_activation_never_blocks_a_household(clerk):
    h = factories.household()
    a = lf.contract(actor=clerk, households=[h], state="draft", end=dt.date(2024, 12, 31))
    services.contract_end(contract=a, actor=clerk, reason="withdrawn")  # a draft ended before activation never counts
    b = lf.contract(actor=clerk, households=[h], state="draft")
    services.contract_activate(contract=b, actor=clerk)
    assert Contract.objects.get(pk=b.pk).status == "active"


def test_collective_contract_needs_a_village_collective(clerk):
    with pytest.raises(InvalidInput) as exc:
        lf.contract(actor=clerk, mechanism="collective_income", collective=factories.entity(kind="cooperative"))
    assert exc.value.code == "bad_party"
    c = lf.contract(actor=clerk, mechanism="collective_income", collective=lf.collective())
    assert c.status == "active" and c.party_kind == "collective"


def test_only_drafts_can_be_updated(clerk):
    h = factories.household()
    c = lf.contract(actor=clerk, households=[h], state="draft")
    services.contract_update(contract=c, start_date=c.start_date, end_date=None, terms={"rent_per_mu_fen": 70000},
                             parties=[services.PartyInput(h, Decimal(3))], actor=clerk)
    assert Contract.objects.get(pk=c.pk).terms == {"rent_per_mu_fen": 70000}
    services.contract_activate(contract=c, actor=clerk)
    with pytest.raises(Conflict):
        services.contract_update(contract=c, start_date=c.start_date, end_date=None, terms={"rent_per_mu_fen": 1},
                                 parties=[services.PartyInput(h, Decimal(3))], actor=clerk)


def test_a_clerk_cannot_write_outside_scope():
    clerk = lf.writer(scope_code="130631")
    with pytest.raises(AccessDenied):
        lf.contract(actor=clerk, households=[factories.household()])
    viewer = factories.user(roles="viewer")
    with pytest.raises(AccessDenied):
        lf.contract(actor=viewer, households=[factories.household()])


# -- payments ----------------------------------------------------------------------------------------------------
def test_payment_is_idempotent_by_source_and_external_id(clerk):
    h = factories.household()
    c = lf.contract(actor=clerk, households=[h])
    kw = dict(source="bank", external_id="T1", contract=c, household=h, paid_on=dt.date(2024, 3, 1), amount_fen=5000,
              actor=clerk)
    first = services.payment_record(**kw)
    again = services.payment_record(**kw)
    assert first.created and not again.created and first.payment.pk == again.payment.pk
    assert BenefitPayment.objects.count() == 1
    with pytest.raises(Conflict) as exc:
        services.payment_record(**{**kw, "amount_fen": 6000})
    assert exc.value.code == "duplicate_external_id"


@pytest.mark.parametrize("change,code", [
    ({"amount_fen": -100}, "bad_amount"),
    ({"amount_fen": 0}, "bad_amount"),
    ({"paid_on": dt.date(2023, 12, 31)}, "outside_contract"),
    ({"paid_on": dt.date(2025, 1, 1)}, "outside_contract"),
    ({"household": "unlinked"}, "not_linked"),
    ({"household": None}, "missing_household"),
])
def test_bad_payments_are_refused(clerk, change, code):
    h = factories.household()
    c = lf.contract(actor=clerk, households=[h], end=dt.date(2024, 12, 31))
    kw = dict(source="bank", external_id="T1", contract=c, household=h, paid_on=dt.date(2024, 3, 1), amount_fen=5000,
              actor=clerk)
    if change.get("household") == "unlinked":
        change = {"household": factories.household()}
    with pytest.raises(InvalidInput) as exc:
        services.payment_record(**{**kw, **change})
    assert exc.value.code == code
    assert BenefitPayment.objects.count() == 0


def test_payment_against_a_draft_is_refused(clerk):
    h = factories.household()
    c = lf.contract(actor=clerk, households=[h], state="draft")
    with pytest.raises(InvalidInput) as exc:
        lf.payment(actor=clerk, contract=c, household=h)
    assert exc.value.code == "contract_not_active"


def test_collective_payment_goes_to_the_contract_collective(clerk):
    col = lf.collective()
    c = lf.contract(actor=clerk, mechanism="collective_income", collective=col)
    p = lf.payment(actor=clerk, contract=c, collective=col, amount_fen=1_000_000)
    assert p.recipient_code == col.region.code and p.household_id is None
    with pytest.raises(InvalidInput):
        lf.payment(actor=clerk, contract=c, collective=lf.collective())


def test_reversal_appends_a_negative_entry_once(clerk):
    h = factories.household()
    c = lf.contract(actor=clerk, households=[h])
    p = lf.payment(actor=clerk, contract=c, household=h, amount_fen=12345)
    r = services.payment_reverse(payment=p, reason="paid to the wrong account", actor=clerk)
    assert r.amount_fen == -12345 and r.reverses_id == p.pk
    assert sum(BenefitPayment.objects.values_list("amount_fen", flat=True)) == 0
    with pytest.raises(Conflict):
        services.payment_reverse(payment=p, reason="again", actor=clerk)
    with pytest.raises(Conflict):
        services.payment_reverse(payment=r, reason="reverse the reversal", actor=clerk)
    with pytest.raises(TypeError):
        p.save()
    with pytest.raises(TypeError):
        BenefitPayment.objects.filter(pk=p.pk).update(amount_fen=1)
