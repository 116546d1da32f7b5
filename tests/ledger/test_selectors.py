"""Statistics: every grouping gives the same figures from the rollups as from the entries; the cheapest cube is
read; scope, sides, roll-up to parents, drill-down."""

from __future__ import annotations

import itertools
import random

import pytest

from fupin.core.errors import InvalidInput, NotFound
from fupin.ledger import selectors, services
from fupin.ledger.models import PurchaseEntry
from tests import factories
from tests.assertions import nonempty
from tests.ledger import factories as lf

pytestmark = pytest.mark.django_db

CHANNELS = ["platform_832", "special_counter", "ecommerce", "canteen_direct", "tourism"]


@pytest.fixture
def data(tmp_path):
    w = lf.world()
    rng = random.Random(5)
    buyers = ["", w.unit.credit_code, w.central.credit_code, w.zj.credit_code, w.gx.credit_code]
    sellers = [(w.seller.credit_code, "", ""), (w.household.registry_code, "", ""),
               (w.plain_seller.credit_code, "P-CERT", ""), (w.plain_seller.credit_code, "", lf.POOR_VILLAGE),
               (w.plain_seller.credit_code, "P-NONE", "")]
    rows = []
    for i in range(120):
        seller, product, origin = rng.choice(sellers)
        rows.append(lf.row(external_id=f"S{i}", buyer_code=rng.choice(buyers), seller_code=seller,
                           product_code=product, origin_code=origin, quantity=str(rng.randint(1, 9)),
                           purchase_date=f"{rng.choice([2020, 2022, 2023])}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                           amount_yuan=f"{rng.randint(100, 99999) / 100:.2f}", kind=rng.choice(["direct_purchase", "helped_sale"]),
                           channel=rng.choice(CHANNELS), status="pending" if i % 17 == 0 else "completed"))
    job = services.purchase_import_file(path=lf.write_csv(tmp_path / "s.csv", rows), actor="cli")
    assert job.accepted == 120, job.report["errors"]
    for e in PurchaseEntry.objects.filter(sign=1).order_by("id")[:9]:
        services.purchase_reverse(entry=e, reason="test", actor="cli")
    return w


def _key(rows, group_by):
    return sorted((tuple(str(r[g]) for g in group_by), r["amount_fen"], r["quantity_milli"], r["entries"]) for r in rows)


@pytest.mark.parametrize("group_by", [[g] for g in selectors.GROUPINGS] + [list(p) for p in itertools.combinations(
    ["year", "month", "province", "county", "buyer_category", "channel", "kind", "scheme", "seller"], 2)])
@pytest.mark.parametrize("counted_only", [True, False])
def test_rollups_and_entries_agree_for_every_grouping(data, admin_user, group_by, counted_only):
    fast = selectors.account_totals(viewer=admin_user, group_by=group_by, counted_only=counted_only)
    slow = selectors.account_totals(viewer=admin_user, group_by=group_by, counted_only=counted_only,
                                    read_from="entries")
    assert slow.source == "entries" and fast
    assert _key(fast, group_by) == _key(slow, group_by)


def test_the_cheapest_cube_that_can_answer_is_read(data, admin_user):
    def source(group_by, filters=None, **kw):
        return selectors.account_totals(viewer=admin_user, group_by=group_by, filters=filters or {}, **kw).source

    assert source(["province", "buyer_category", "month"], {"year": 2023}) == "province_month"
    assert source(["seller"], {"year": 2023}) == "seller_year"
    assert source(["month", "kind"], {"buyer": data.unit.pk, "year": 2023}) == "buyer_month"
    assert source(["product_category", "channel"]) == "category_month"
    assert source(["relation"], {"scheme": "designated_assistance"}) == "scheme"
    assert source(["county", "basis", "channel"]) == "county_month"
    assert source(["seller", "channel"]) == "entries"
    assert source(["year"], {"date_from": "2023-01-01"}) == "entries"
    assert source(["year"], {"scheme": "none"}) == "entries"


def test_filters_narrow_the_figures_the_same_way_on_both_sources(data, admin_user):
    cases = [
        {"year": 2023}, {"year": [2020, 2022]}, {"month": "2023-05"}, {"quarter": 2, "year": 2022},
        {"region": "520000"}, {"province": "52"}, {"county": lf.POOR_COUNTY}, {"prefecture": "5226"},
        {"buyer_category": "public"}, {"buyer_category": "budget_unit,central_unit"}, {"channel": "tourism"},
        {"kind": "helped_sale"}, {"basis": "certified_product"}, {"basis": "none"}, {"scheme": "east_west"},
        {"relation": data.rel_designated.pk}, {"seller": data.seller.pk}, {"buyer": 0},
        {"buyer_region": "330000"}, {"product_category": "none"}, {"counted": False},
    ]
    for filters in cases:
        fast = selectors.account_totals(viewer=admin_user, group_by=["year"], filters=filters, counted_only=False)
        slow = selectors.account_totals(viewer=admin_user, group_by=["year"], filters=filters, counted_only=False,
                                        read_from="entries")
        assert _key(fast, ["year"]) == _key(slow, ["year"]), filters
        qs = selectors.entries_for(viewer=admin_user, filters=filters)
        assert sum(e.amount_fen for e in qs) == sum(r["amount_fen"] for r in slow), filters


def test_buyer_filter_rolls_up_the_units_it_supervises_and_account_grouping_fans_out(data, admin_user):
    unit = selectors.account_totals(viewer=admin_user, group_by=[], filters={"buyer_only": data.unit.pk})
    central_only = selectors.account_totals(viewer=admin_user, group_by=[], filters={"buyer_only": data.central.pk})
    central = selectors.account_totals(viewer=admin_user, group_by=[], filters={"buyer": data.central.pk})
    assert central[0]["amount_fen"] == unit[0]["amount_fen"] + central_only[0]["amount_fen"]
    accounts = {r["account"]: r["amount_fen"] for r in selectors.account_totals(viewer=admin_user, group_by=["account"])}
    assert accounts[data.central.pk] == central[0]["amount_fen"]
    assert accounts[data.unit.pk] == unit[0]["amount_fen"]
    assert accounts[None] == selectors.account_totals(viewer=admin_user, group_by=[], filters={"buyer": 0})[0]["amount_fen"]


@pytest.mark.parametrize("group_by, filters", [
    (["seller"], {"year": 2023}), (["month", "province", "buyer_category", "kind"], {"year": 2022}),
    (["relation", "month", "county", "kind"], {"year": 2023, "scheme": "designated_assistance"}),
])
def test_cubes_read_without_grouping_when_their_rows_are_the_groups(data, admin_user, group_by, filters):
    from fupin.ledger.rollups import CUBE_BY_NAME

    fast = selectors.account_totals(viewer=admin_user, group_by=group_by, filters=filters, order_by="-amount_fen",
                                    limit=3)
    assert selectors._exact(CUBE_BY_NAME[fast.source], group_by, selectors._normalise(filters, counted_only=True)
                            .conditions)
    slow = selectors.account_totals(viewer=admin_user, group_by=group_by, filters=filters, read_from="entries")
    assert [r["amount_fen"] for r in fast] == sorted((r["amount_fen"] for r in slow), reverse=True)[:3]


def test_top_n_and_formats(data, admin_user):
    top = selectors.account_totals(viewer=admin_user, group_by=["seller"], order_by="-amount_fen", limit=2)
    assert len(top) == 2 and top[0]["amount_fen"] >= top[1]["amount_fen"]
    assert top[0]["amount_fen"] == max(r["amount_fen"] for r in selectors.account_totals(viewer=admin_user,
                                                                                          group_by=["seller"]))
    months = selectors.account_totals(viewer=admin_user, group_by=["month", "quarter", "province", "prefecture"])
    assert all(len(r["month"]) == 7 and r["quarter"][4:6] == "-Q" for r in nonempty(months))
    assert {r["province"] for r in months} == {"520000", "130000"}
    assert {r["prefecture"] for r in months} == {"522600", "130600"}


def test_a_county_viewer_sees_the_money_flowing_into_its_county(data, admin_user, county_clerk, other_county_clerk):
    everything = selectors.account_totals(viewer=admin_user, group_by=["county"])
    mine = selectors.account_totals(viewer=county_clerk, group_by=["county"])
    assert {r["county"] for r in mine} == {lf.POOR_COUNTY}
    assert mine[0]["amount_fen"] == next(r for r in everything if r["county"] == lf.POOR_COUNTY)["amount_fen"]
    assert all(e.county_code == lf.POOR_COUNTY for e in nonempty(selectors.entries_for(viewer=county_clerk)))
    other = selectors.account_totals(viewer=other_county_clerk, group_by=["county"])
    assert {r["county"] for r in other} == {lf.PLAIN_COUNTY}
    entry = PurchaseEntry.objects.filter(county_code=lf.POOR_COUNTY).first()
    with pytest.raises(NotFound):
        selectors.entry_get(viewer=other_county_clerk, pk=entry.pk)


def test_a_buyer_side_scope_sees_its_buyers_purchases(data, admin_user):
    zhejiang = factories.user("zj_official", roles="viewer", scope_level="province", scope_code="330000")
    origin_side = selectors.account_totals(viewer=zhejiang, group_by=["year"])
    buyer_side = selectors.account_totals(viewer=zhejiang, group_by=["year"], side="buyer")
    assert origin_side == [] and buyer_side and buyer_side.source == "buyer_channel_year"  # the smaller buyer cube
    expected = selectors.account_totals(viewer=admin_user, group_by=["year"], filters={"buyer_only": data.zj.pk})
    assert _key(buyer_side, ["year"]) == _key(expected, ["year"])
    assert {e.buyer_id for e in selectors.entries_for(viewer=zhejiang, side="buyer")} == {data.zj.pk}


def test_anonymous_sees_nothing_and_bad_requests_are_refused(data):
    from django.contrib.auth.models import AnonymousUser

    assert selectors.account_totals(viewer=AnonymousUser(), group_by=["year"]) == []
    assert selectors.entries_for(viewer=AnonymousUser()).count() == 0
    viewer = factories.user("v", roles="viewer")
    for kwargs in ({"group_by": ["colour"]}, {"filters": {"colour": 1}}, {"filters": {"year": "soon"}},
                   {"filters": {"region": "52x"}}, {"side": "left"}, {"filters": {"scheme": "charity"}}):
        with pytest.raises(InvalidInput):
            selectors.account_totals(viewer=viewer, **kwargs)


def test_entries_total_and_summaries_match_the_totals(data, admin_user):
    total = selectors.entries_total(viewer=admin_user, filters={"county": lf.POOR_COUNTY})
    qs = selectors.entries_for(viewer=admin_user, filters={"county": lf.POOR_COUNTY})
    assert total["amount_fen"] == sum(e.amount_fen for e in qs) and total["entries"] == sum(e.sign for e in qs)
    s = selectors.buyer_summary(viewer=admin_user, buyer_id=data.central.pk, year=2023)
    assert s["total"]["amount_fen"] == sum(r["amount_fen"] for r in s["by_kind"])
    assert s["total"]["amount_fen"] == sum(r["amount_fen"] for r in s["by_province"])
    county = selectors.county_summary(viewer=admin_user, region_code=lf.POOR_COUNTY)
    assert county["total"]["amount_fen"] == sum(r["amount_fen"] for r in county["by_channel"])
    seller = selectors.seller_summary(viewer=admin_user, seller_id=data.seller.pk)
    assert seller["total"]["amount_fen"] == sum(r["amount_fen"] for r in seller["by_basis"])
