"""Progress against the account: each target's actual read from the rollups by the scheme, relation, region or
unit it names, the expectation for the date and the status; the early-warning list per supervising body; every
actual opens the entries behind it (the drill-down filters give the same sum)."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin.core import services as core_services
from fupin.ledger import selectors as ledger
from fupin.supervision import parameters, selectors
from tests.supervision import factories as sf

pytestmark = pytest.mark.django_db
D = "designated_assistance"


@pytest.fixture
def w():
    w = sf.world()
    w.book(buyer=w.unit, amount="300.00", date="2024-03-10")                      # designated: the unit below
    w.book(buyer=w.central, amount="200.00", date="2024-05-02", kind="helped_sale")
    w.book(buyer=w.private, amount="400.00", date="2024-04-01")                   # Zhejiang buyer → east–west
    w.book(buyer=w.unit, amount="50.00", date="2024-04-01", seller=w.other_seller)  # outside the paired county
    w.book(buyer=w.unit, amount="999.00", date="2023-06-01")                      # last year
    return w


def by_metric(rows, **match):
    return next(r for r in rows if all(r[k] == v for k, v in match.items()))


def drilled(viewer, fig):
    entries = ledger.entries_for(viewer=viewer, filters=fig["filters"], side=fig["side"])
    return sum(e.amount_fen for e in entries)


def test_actuals_follow_the_scheme_relation_region_and_unit_the_target_names(w):
    plan = sf.approved_plan(w, w.central, [
        {"metric": "direct_purchase", "value": 100_000, "scheme": D},
        {"metric": "direct_purchase", "value": 20_000, "scheme": D, "region_code": sf.COUNTY},
        {"metric": "helped_sale", "value": 10_000, "scheme": D},
        {"metric": "direct_purchase", "value": 10_000, "sub_unit_id": w.unit.pk},
        {"metric": "direct_purchase", "value": 10_000},
    ])
    rows = selectors.progress(plan=plan, as_of=dt.date(2024, 7, 1))
    assert by_metric(rows, metric="direct_purchase", scheme=D, region_code="")["actual"] == 30_000
    assert by_metric(rows, metric="direct_purchase", region_code=sf.COUNTY)["actual"] == 30_000
    assert by_metric(rows, metric="helped_sale")["actual"] == 20_000
    assert by_metric(rows, sub_unit_id=w.unit.pk)["actual"] == 35_000                   # both of the unit's 2024 buys
    assert by_metric(rows, metric="direct_purchase", scheme="", sub_unit_id=None)["actual"] == 35_000
    office = w.users["office"]
    for r in rows:
        assert drilled(office, r) == r["actual"], r


def test_expectation_and_status_for_the_date(w):
    plan = sf.approved_plan(w, w.central, [{"metric": "direct_purchase", "value": 100_000, "scheme": D}])
    (mid,) = selectors.progress(plan=plan, as_of=dt.date(2024, 7, 1))  # 183 of 366 days
    assert (mid["expected"], mid["expected_share_bp"], mid["ratio_bp"], mid["status"]) == (50_000, 5000, 6000,
                                                                                          "far_behind")
    (early,) = selectors.progress(plan=plan, as_of=dt.date(2024, 3, 31))  # 91 of 366 days: 24,863 expected
    assert (early["expected"], early["status"]) == (24_863, "on_track")
    (last,) = selectors.progress(plan=plan, as_of=dt.date(2024, 12, 31))
    assert (last["expected"], last["status"]) == (100_000, "far_behind")


def test_thresholds_are_dated_parameters(w):
    plan = sf.approved_plan(w, w.central, [{"metric": "direct_purchase", "value": 100_000, "scheme": D}])
    core_services.policy_parameter_create(key=parameters.PROGRESS_STATUS, valid_from=dt.date(2024, 1, 1),
                                          value={"behind_below_bp": 6500, "far_behind_below_bp": 5000}, actor="test")
    (mid,) = selectors.progress(plan=plan, as_of=dt.date(2024, 7, 1))
    assert mid["status"] == "behind" and mid["thresholds_version"] is not None


def test_producing_and_consuming_governments_read_their_region(w):
    gz = sf.approved_plan(w, w.guizhou, [{"metric": "direct_purchase", "value": 1}])
    zj = sf.approved_plan(w, w.zhejiang, [{"metric": "direct_purchase", "value": 1, "scheme": "east_west"},
                                          {"metric": "direct_purchase", "value": 1}])
    (g,) = selectors.progress(plan=gz, as_of=dt.date(2024, 12, 31))
    assert g["actual"] == 75_000 and g["side"] == "origin"  # everything bought from Guizhou in 2024
    z = selectors.progress(plan=zj, as_of=dt.date(2024, 12, 31))
    assert by_metric(z, scheme="east_west")["actual"] == 40_000
    assert by_metric(z, scheme="")["actual"] == 40_000 and by_metric(z, scheme="")["side"] == "buyer"


def test_the_early_warning_list_per_supervising_body(w):
    sf.approved_plan(w, w.central, [{"metric": "direct_purchase", "value": 100_000, "scheme": D}])
    sf.approved_plan(w, w.unit, [{"metric": "direct_purchase", "value": 1_000_000}])
    sf.approved_plan(w, w.tianzhu, [{"metric": "certified_products", "value": 10}])
    sf.approved_plan(w, w.qdn, [{"metric": "direct_purchase", "value": 1}])   # on track: not listed
    as_of = dt.date(2024, 7, 1)

    def bodies(user):
        return [line.plan.body for line in selectors.early_warnings(viewer=w.users[user], year=2024, as_of=as_of)]

    assert set(bodies("office")) == {w.central, w.unit, w.tianzhu}             # the national office: everyone
    assert bodies("central") == [w.unit]                                       # a ministry: its units
    assert bodies("guizhou") == [w.tianzhu]                                    # a province: its governments below
    assert bodies("stranger") == []
    lines = selectors.early_warnings(viewer=w.users["office"], year=2024, as_of=as_of)
    assert [line.status for line in lines] == ["far_behind"] * 3
    assert lines[0].figure["ratio_bp"] <= lines[-1].figure["ratio_bp"]
    everything = selectors.early_warnings(viewer=w.users["guizhou"], year=2024, as_of=as_of, include_on_track=True)
    assert {line.plan.body for line in everything} == {w.tianzhu, w.qdn}


def test_a_year_book_gives_the_same_actuals_as_one_query_per_target(w):
    from fupin.supervision.figures import LedgerBook

    plans = [
        sf.approved_plan(w, w.central, [
            {"metric": "direct_purchase", "value": 1, "scheme": D},
            {"metric": "direct_purchase", "value": 1, "scheme": D, "region_code": sf.COUNTY},
            {"metric": "helped_sale", "value": 1, "scheme": "counterpart_support"},
            {"metric": "direct_purchase", "value": 1, "sub_unit_id": w.unit.pk},
            {"metric": "direct_purchase", "value": 1}]),
        sf.approved_plan(w, w.guizhou, [{"metric": "direct_purchase", "value": 1},
                                        {"metric": "direct_purchase", "value": 1, "region_code": sf.COUNTY}]),
        sf.approved_plan(w, w.zhejiang, [{"metric": "direct_purchase", "value": 1, "scheme": "east_west"},
                                         {"metric": "direct_purchase", "value": 1}]),   # buyers' region: queried
    ]
    book = LedgerBook(2024)
    day = dt.date(2024, 12, 31)
    for plan in plans:
        alone = [r["actual"] for r in selectors.progress(plan=plan, as_of=day)]
        assert [r["actual"] for r in selectors.progress(plan=plan, as_of=day, book=book, memo={})] == alone
        assert any(alone)
    assert book.amount({"year": 2024, "kind": "direct_purchase", "counted": True, "month": [1]}) is None
