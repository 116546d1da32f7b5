"""Dated household status (issue #10 §1): every change is dated and kept, imports and the API take an effective
date, the post-2020 statuses, and bad dates refused."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from fupin.core.errors import InvalidInput, TransitionNotAllowed
from fupin.registry import rules, selectors, services
from fupin.registry.rules import StatusPeriod, status_on
from tests import factories
from tests.conftest import ApiClient
from tests.registry import factories as rf

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def household(db):
    rf.regions()
    return services.household_create(resident_id=factories.resident_id(5), village_code=rf.VILLAGE,
                                     status="lifted_out", lifted_year=2019, actor="test")


def _periods(h):
    return selectors.household_status_periods(household_ids=[h.pk])[h.pk]


def test_a_household_without_history_gets_the_inferred_one(household):
    assert _periods(household) == (StatusPeriod("registered_poor", D(2013, 1, 1), D(2018, 12, 31)),
                                   StatusPeriod("lifted_out", D(2019, 1, 1), None))
    assert [p["source"] for p in selectors.household_history(viewer=None, household=household)] == ["inferred"] * 2


@time_machine.travel("2024-06-30 12:00 +08:00")
def test_a_status_change_is_dated_and_history_stays(household):
    services.household_status_change(household=household, to="monitored_unstable", effective_date=D(2022, 3, 1),
                                     reason="因病返贫风险", actor="test")
    services.household_status_change(household=household, to="risk_eliminated", effective_date=D(2023, 9, 1),
                                     reason="风险已消除", actor="test")
    periods = _periods(household)
    assert periods[-3:] == (StatusPeriod("lifted_out", D(2019, 1, 1), D(2022, 2, 28)),
                            StatusPeriod("monitored_unstable", D(2022, 3, 1), D(2023, 8, 31)),
                            StatusPeriod("risk_eliminated", D(2023, 9, 1), None))
    assert status_on(periods, D(2022, 2, 28)) == "lifted_out"
    assert status_on(periods, D(2022, 3, 1)) == "monitored_unstable"
    assert status_on(periods, D(2012, 12, 31)) == ""
    household.refresh_from_db()
    assert household.status == "risk_eliminated"


@time_machine.travel("2024-06-30 12:00 +08:00")
@pytest.mark.parametrize("effective,why", [
    (D(2024, 7, 1), "future"),          # tomorrow
    (D(2018, 5, 1), "before the start"),  # before the status in force began: would reverse history
    (D(2012, 1, 1), "before 2013"),
])
def test_overlapping_reversed_or_future_dates_are_refused(household, effective, why):
    with pytest.raises(InvalidInput, match=why) as refused:
        services.household_status_change(household=household, to="monitored_unstable", effective_date=effective,
                                         actor="test")
    assert refused.value.code == "bad_effective_date"
    assert len(_periods(household)) == 2


@time_machine.travel("2024-06-30 12:00 +08:00")
def test_a_change_on_the_start_day_corrects_that_period(household):
    services.household_status_change(household=household, to="monitored_sudden", effective_date=D(2024, 6, 30),
                                     actor="test")
    services.household_status_change(household=household, to="monitored_marginal", effective_date=D(2024, 6, 30),
                                     reason="分类更正", actor="test")
    assert _periods(household)[-2:] == (StatusPeriod("lifted_out", D(2019, 1, 1), D(2024, 6, 29)),
                                        StatusPeriod("monitored_marginal", D(2024, 6, 30), None))


def test_a_transition_not_allowed_writes_no_period(household):
    with pytest.raises(TransitionNotAllowed):
        services.household_status_change(household=household, to="risk_eliminated", actor="test")
    assert len(_periods(household)) == 2


def test_the_api_takes_an_effective_date(household):
    office = factories.user("office", roles="clerk", scope_level="county", scope_code="522627")
    response = ApiClient(office).post(f"/households/{household.pk}/status",
                                      {"to": "monitored_marginal", "effective_date": "2021-04-01", "reason": "监测"})
    assert response.status_code == 200, response.content
    history = ApiClient(office).get(f"/households/{household.pk}/history").json()
    assert [(h["status"], h["valid_from"], h["valid_to"]) for h in history] == [
        ("registered_poor", "2013-01-01", "2018-12-31"), ("lifted_out", "2019-01-01", "2021-03-31"),
        ("monitored_marginal", "2021-04-01", None)]
    bad = ApiClient(office).post(f"/households/{household.pk}/status", {"to": "lifted_out",
                                                                        "effective_date": "2020-01-01"})
    assert bad.status_code == 422 and bad.json()["code"] == "bad_effective_date"


def test_history_errors_name_overlaps_and_reversals():
    assert rules.history_errors([StatusPeriod("lifted_out", D(2019, 1, 1), D(2018, 1, 1))]) == [
        "the period from 2019-01-01 ends before it starts (2018-01-01)"]
    assert rules.history_errors([StatusPeriod("registered_poor", D(2013, 1, 1), D(2019, 6, 1)),
                                 StatusPeriod("lifted_out", D(2019, 1, 1))]) == [
        "the period from 2013-01-01 overlaps the one from 2019-01-01"]
    assert rules.history_errors([StatusPeriod("spaceship", D(2013, 1, 1))]) == ["unknown status 'spaceship'"]


@time_machine.travel("2024-06-30 12:00 +08:00")
def test_an_import_opens_the_history_and_a_status_change_by_import_is_dated_today(db, tmp_path):
    from fupin.registry import imports
    from fupin.registry.models import Household

    rf.regions()
    path = rf.csv_file(tmp_path, "h.csv", rf.HOUSEHOLD_HEADER, rf.household_rows([41]))
    imports.registry_import(kind="households", path=path, actor="test")
    h = Household.objects.get()
    assert _periods(h) == (StatusPeriod("registered_poor", D(2013, 1, 1), D(2018, 12, 31)),
                           StatusPeriod("lifted_out", D(2019, 1, 1), None))
    path = rf.csv_file(tmp_path, "h2.csv", rf.HOUSEHOLD_HEADER,
                       rf.household_rows([41], status="脱贫不稳定户"))
    report = imports.registry_import(kind="households", path=path, actor="test")
    assert not report.errors, report.as_dict()
    assert _periods(h)[-2:] == (StatusPeriod("lifted_out", D(2019, 1, 1), D(2024, 6, 29)),
                                StatusPeriod("monitored_unstable", D(2024, 6, 30), None))
