"""The counting basis `poverty_reduction_effect` (issue #10 §2): a purchase counts on it when the seller's decision for
the purchase year qualifies, so the basis changes exactly at 1 January as the decision changes; the plain
poverty-county basis stays in the seeded rules and a counting-rule version without it stops it from its start date
only; the decisions are read once per import batch, never per row."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fupin.core.models import PolicyParameter
from fupin.core.services import policy_parameter_create
from fupin.ledger import rules, services
from fupin.ledger.parameters import COUNTING_RULES, DEFAULTS
from fupin.linkage.effect import services as effect_services
from fupin.linkage.models import PovertyEffectDecision
from fupin.linkage.parameters import POVERTY_REDUCTION_EFFECT
from tests import factories
from tests.ledger import factories as lf

pytestmark = pytest.mark.django_db
D = dt.date
EFFECT, COUNTY = "poverty_reduction_effect", "poverty_county"
EVERYONE = {"entity_kinds": ["enterprise", "cooperative"], "household_statuses": ["registered_poor"],
            "min_households": 0, "min_benefits_fen": 0, "min_benefit_share_percent": 0, "max_discrepancy_rate": 1}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel("2025-06-30 12:00 +08:00"):
        yield


@pytest.fixture
def w(clock):
    return lf.world()


def decide(year, **changes):
    """Thresholds from 1 January of `year` that every enterprise and cooperative meets (or, with changes, not),
    and the decisions of that year computed through linkage's service."""
    policy_parameter_create(key=POVERTY_REDUCTION_EFFECT, value={**EVERYONE, **changes}, valid_from=D(year, 1, 1),
                            actor="test")
    return effect_services.poverty_effect_compute(year=year, actor="test")


def book(external_id, seller, day):
    return services.purchase_record(data=lf.row(external_id=external_id, seller_code=seller.credit_code,
                                                purchase_date=day), actor="cli")


def test_the_seeded_rules_keep_the_poverty_county_basis_and_add_the_effect_before_it():
    for d in DEFAULTS:
        p = PolicyParameter.objects.get(key=COUNTING_RULES, region_prefix=d.region_prefix, valid_from=d.valid_from)
        bases = p.value["bases"]
        assert COUNTY in bases and bases.index(EFFECT) == bases.index(COUNTY) - 1
    assert rules.BASIS_BIT[COUNTY] == 8 and rules.BASIS_BIT[EFFECT] == 16  # stored bits never move


def test_without_decisions_the_totals_are_what_they_were(w):
    entry = book("a", w.seller, "2024-05-10")
    assert entry.counted and entry.basis == COUNTY and entry.bases == 8
    assert not book("b", w.plain_seller, "2024-05-10").counted


def test_the_basis_changes_exactly_at_the_year_boundary_as_the_decision_changes(w):
    decide(2024)
    decide(2025, min_households=1)   # from 2025 a household must be linked: neither seller has one
    assert PovertyEffectDecision.objects.get(entity=w.plain_seller, year=2024).qualifies
    assert not PovertyEffectDecision.objects.get(entity=w.plain_seller, year=2025).qualifies
    last = book("p-last", w.plain_seller, "2024-12-31")
    first = book("p-first", w.plain_seller, "2025-01-01")
    assert last.counted and last.basis == EFFECT and last.bases == 16
    assert not first.counted and first.not_counted_reason == "no_basis"
    # a seller in a poverty county: effect first (priority), then the plain county basis
    last = book("c-last", w.seller, "2024-12-31")
    first = book("c-first", w.seller, "2025-01-01")
    assert last.counted and last.basis == EFFECT and rules.bases_of(last.bases) == [EFFECT, COUNTY]
    assert first.counted and first.basis == COUNTY and first.bases == 8


def test_switching_off_the_poverty_county_basis_changes_counting_from_that_date_only(w):
    decide(2025)
    farm = factories.entity("天柱家庭农场", kind="family_farm", region_code=lf.POOR_COUNTY)  # no decision: a kind not named
    before = book("f-before", farm, "2025-02-28")
    bases = [b for b in DEFAULTS[1].value["bases"] if b != COUNTY]
    policy_parameter_create(key=COUNTING_RULES, value={**DEFAULTS[1].value, "bases": bases},
                            valid_from=D(2025, 3, 1), actor="test")
    eve = book("f-eve", farm, "2025-02-28")
    day = book("f-day", farm, "2025-03-01")
    assert before.counted and before.basis == COUNTY
    assert eve.counted and eve.basis == COUNTY and eve.rule_version_id == before.rule_version_id
    assert not day.counted and day.not_counted_reason == "no_basis" and day.rule_version_id != before.rule_version_id
    before.refresh_from_db()
    assert before.counted  # entries keep the verdict they were counted with
    # the seller with the effect still counts after the switch, on that basis alone
    effect = book("c-day", w.seller, "2025-03-01")
    assert effect.counted and effect.basis == EFFECT and effect.bases == 16


def test_the_decisions_are_read_once_per_batch_not_per_row(w):
    sellers = [factories.entity(kind="cooperative", region_code=lf.PLAIN_COUNTY) for _ in range(6)]
    decide(2025)
    rows = [lf.row(external_id=f"r{i}", seller_code=s.credit_code, purchase_date="2025-04-01")
            for i, s in enumerate([*sellers, *sellers])]
    with CaptureQueriesContext(connection) as q:
        report = services.purchase_record_batch(rows=rows, actor="cli")
    assert report.accepted == 12
    reads = [x["sql"] for x in q.captured_queries if "linkage_povertyeffectdecision" in x["sql"]]
    assert len(reads) == 1
    counted = services.purchase_record(data=lf.row(external_id="one", seller_code=sellers[0].credit_code,
                                                   purchase_date="2025-04-02"), actor="cli")
    assert counted.basis == EFFECT
