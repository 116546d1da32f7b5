"""Facts as they were on the purchase date (issue #10 §1): an entry's count changes exactly across a household's
status change, a county's exit (when the rule counts only poverty counties), a key county set's start, and a rule
version's end; and when nothing dated is known yet, the registry's flags give the same result as before."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from fupin.core.models import PolicyParameter
from fupin.core.services import policy_parameter_create
from fupin.ledger import services
from fupin.ledger.parameters import COUNTING_RULES, DEFAULTS
from fupin.registry import region_sets
from fupin.registry import services as registry_services
from fupin.registry.models import Region
from tests.ledger import factories as lf

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def w():
    return lf.world()


def book(external_id, **row):
    return services.purchase_record(data=lf.row(external_id=external_id, **row), actor="cli")


def _only(bases, *, county_sets=None, from_=dt.date(2021, 1, 2)):  # noqa: B008 - an immutable date
    """A new counting rule version from `from_` with only these bases (and, optionally, these county sets); the
    service closes the version in force the day before and ends this one before a later version."""
    value = {**DEFAULTS[1].value, "bases": bases}
    if county_sets is not None:
        value["region_set"] = {**value["region_set"], "county_sets": county_sets}
    return policy_parameter_create(key=COUNTING_RULES, value=value, valid_from=from_, actor="test")


@time_machine.travel("2024-06-30 12:00 +08:00")
def test_a_household_sellers_count_follows_its_status_on_the_purchase_date(w):
    _only(["poor_household"])
    registry_services.household_history_start(households=[w.household])
    registry_services.household_status_change(household=w.household, to="monitored_unstable",
                                              effective_date=D(2022, 3, 1), actor="test")
    registry_services.household_status_change(household=w.household, to="risk_eliminated",
                                              effective_date=D(2023, 9, 1), actor="test")
    seller = w.household.registry_code
    before = book("b", seller_code=seller, purchase_date="2022-02-28")      # registered poor (inferred)
    monitored = book("m", seller_code=seller, purchase_date="2022-03-01")  # monitored: counts from 2021
    last = book("l", seller_code=seller, purchase_date="2023-08-31")
    after = book("a", seller_code=seller, purchase_date="2023-09-01")      # risk eliminated: stops counting
    assert before.counted and monitored.counted and last.counted
    assert not after.counted and after.not_counted_reason == "no_basis"


def test_the_exit_year_is_a_boundary_when_the_rule_counts_only_poverty_counties(w):
    Region.objects.filter(code=lf.POOR_COUNTY).update(poverty_exit_year=2019)
    region_sets.region_sets_sync(actor="test")
    # the default rule counts the 832 before and after their exit ...
    assert book("z", seller_code=w.seller.credit_code, purchase_date="2020-01-01").counted
    # ... a rule counting only counties not yet lifted out stops at the end of the exit year
    _only(["poverty_county"], county_sets=["poverty_county"], from_=D(2013, 1, 2))
    last_day = book("x", seller_code=w.seller.credit_code, purchase_date="2019-12-31")
    next_day = book("y", seller_code=w.seller.credit_code, purchase_date="2020-01-01")
    assert last_day.counted and last_day.basis == "poverty_county"
    assert not next_day.counted


def test_a_key_county_counts_from_the_day_its_set_begins(w):
    plain = Region.objects.get(code=lf.PLAIN_COUNTY)
    region_sets.membership_add(set_kind="key_county", region=plain, valid_from=D(2021, 8, 27), actor="test")
    _only(["poverty_county"], county_sets=["key_county"])
    before = book("k1", seller_code=w.plain_seller.credit_code, purchase_date="2021-08-26")
    after = book("k2", seller_code=w.plain_seller.credit_code, purchase_date="2021-08-27")
    assert not before.counted and after.counted and after.basis == "poverty_county"


@time_machine.travel("2026-06-01 12:00 +08:00")
def test_the_transition_period_ends_and_old_entries_keep_their_version(w):
    """The 2021 version ends on 31 December 2025; 2026 is counted by the seeded continuation; an administrator's
    adjustment applies from its start day; every entry keeps the version it was counted with."""
    old = book("o", seller_code=w.seller.credit_code, purchase_date="2025-12-31")
    first = PolicyParameter.objects.get(pk=old.rule_version_id)
    assert (first.valid_from, first.valid_to) == (D(2021, 1, 1), D(2025, 12, 31))
    new = book("n", seller_code=w.seller.credit_code, purchase_date="2026-01-01")
    continuation = PolicyParameter.objects.get(pk=new.rule_version_id)
    assert continuation.valid_from == D(2026, 1, 1) and new.counted and new.basis == "poverty_county"
    adjusted = policy_parameter_create(key=COUNTING_RULES, value={**continuation.value, "bases": ["certified_product"]},
                                       valid_from=D(2026, 3, 1), actor="test")
    last = book("l", seller_code=w.seller.credit_code, purchase_date="2026-02-28")
    later = book("a", seller_code=w.seller.credit_code, purchase_date="2026-03-01")
    assert last.counted and last.rule_version_id == continuation.pk
    assert not later.counted and later.rule_version_id == adjusted.pk
    old.refresh_from_db()
    assert old.counted and old.rule_version_id == first.pk


def test_without_dated_facts_the_flags_give_the_same_counts(w):
    """Regions flagged but never synced and households without a history count exactly as before."""
    hh = book("h", seller_code=w.household.registry_code)
    village = book("v", seller_code=w.plain_seller.credit_code, origin_code=lf.POOR_VILLAGE)
    county = book("c", seller_code=w.seller.credit_code)
    assert (hh.basis, village.basis, county.basis) == ("poor_household", "poor_village", "poverty_county")
