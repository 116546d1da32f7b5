"""The pure detectors: each catches its case and leaves a clean control alone; scoring against planted cases."""

import datetime as dt

from fupin.detection import rules
from fupin.detection.parameters import DEFAULT_VALUE as P
from fupin.detection.rules import Org, ProductFacts, Purchase, Seller

D = dt.date
Y = 2025
_ids = iter(range(1, 10_000))


def buy(day, buyer, seller, fen, *, product=None, kind="direct_purchase"):
    return Purchase(next(_ids), day, buyer, seller, product, fen, kind)


# two legal persons registered both as buyers (orgs) and as sellers: unit 1 / seller 101, supplier 2 / seller 102;
# unit 1 has a subsidiary 3 / seller 103; unit 4 is unrelated (seller 104); plain seller 200
ORGS = {1: Org(1, None, "C1"), 2: Org(2, None, "C2"), 3: Org(3, 1, "C3"), 4: Org(4, None, "C4"),
        5: Org(5, None, "C5")}
SELLERS = {101: Seller(101, "C1", "enterprise"), 102: Seller(102, "C2", "enterprise"),
           103: Seller(103, "C3", "enterprise"), 104: Seller(104, "C4", "enterprise"),
           200: Seller(200, "X", "cooperative"), 300: Seller(300, None, "poor_household")}


def test_circular_trade_back_to_the_unit_is_one_case_from_either_side():
    data = [buy(D(Y, 3, 1), 1, 102, 500_000), buy(D(Y, 5, 1), 2, 101, 400_000)]
    found = rules.circular_trades(data, year=Y, orgs=ORGS, sellers=SELLERS, params=P["circular"])
    assert [f.key for f in found] == [f"circular:{Y}:1:2"]
    assert found[0].evidence["leg_back"]["amount_fen"] == 400_000 and len(found[0].entry_ids) == 2


def test_circular_trade_back_to_a_subsidiary_is_caught():
    data = [buy(D(Y, 3, 1), 1, 102, 500_000), buy(D(Y, 5, 1), 2, 103, 400_000)]
    found = rules.circular_trades(data, year=Y, orgs=ORGS, sellers=SELLERS, params=P["circular"])
    assert [f.key for f in found] == [f"circular:{Y}:1:2"]


def test_no_circular_trade_without_the_way_back_or_below_the_least_leg():
    clean = [buy(D(Y, 3, 1), 1, 102, 500_000), buy(D(Y, 5, 1), 2, 104, 400_000),  # buys from an unrelated unit
             buy(D(Y, 5, 1), 4, 200, 400_000)]
    assert rules.circular_trades(clean, year=Y, orgs=ORGS, sellers=SELLERS, params=P["circular"]) == []
    tiny = [buy(D(Y, 3, 1), 1, 102, 500_000), buy(D(Y, 5, 1), 2, 101, 99_999)]  # the way back under 1,000 yuan
    assert rules.circular_trades(tiny, year=Y, orgs=ORGS, sellers=SELLERS, params=P["circular"]) == []


def _steady(buyer, fen=400_000):
    return [buy(D(Y, m, 10), buyer, 200, fen) for m in range(1, 12)]


def test_spike_in_the_last_days_before_the_deadline_is_caught():
    data = _steady(1) + [buy(D(Y, 12, d), 1, 200, 2_500_000) for d in (23, 26, 30)]
    found = rules.deadline_spikes(data, year=Y, params=P["deadline_spike"])
    assert [f.key for f in found] == [f"spike:{Y}:1:{Y}-12-31"]
    assert found[0].evidence["amount_in_window_fen"] == 7_500_000 and found[0].evidence["ratio"] > 4


def test_no_spike_for_an_even_buyer_a_small_window_or_a_deadline_not_reached():
    even = [buy(D(Y, m, d), 1, 200, 3_000_000) for m in range(1, 13) for d in (5, 25)]
    assert rules.deadline_spikes(even, year=Y, params=P["deadline_spike"]) == []
    small = _steady(1, 10_000) + [buy(D(Y, 12, 28), 1, 200, 400_000)]  # ratio high, amount under 50,000 yuan
    assert rules.deadline_spikes(small, year=Y, params=P["deadline_spike"]) == []
    spike = _steady(1) + [buy(D(Y, 12, d), 1, 200, 2_500_000) for d in (23, 26, 30)]
    assert rules.deadline_spikes(spike, year=Y, params=P["deadline_spike"], today=D(Y, 12, 30)) == []


def test_beyond_certified_capacity_is_caught_and_within_it_is_not():
    products = {7: ProductFacts(7, 200, annual_capacity=1000, price_fen=5000, reference_price_fen=4000),
                8: ProductFacts(8, 200, annual_capacity=1000, price_fen=5000)}
    data = [buy(D(Y, m, 1), None, 200, 1_000_000, product=7) for m in range(1, 8)]  # 7M fen against 5M × 1.2
    data += [buy(D(Y, m, 1), None, 200, 1_000_000, product=8) for m in range(1, 7)]  # 6M fen: exactly 1.2 ×
    found = rules.beyond_capacity(data, year=Y, products=products, params=P["capacity"])
    assert [f.key for f in found] == [f"capacity:{Y}:7"]
    assert found[0].evidence["capacity_fen"] == 5_000_000 and found[0].seller_id == 200


def test_implausible_volume_for_the_sellers_kind():
    data = [buy(D(Y, m, 1), None, 300, 6_000_000) for m in range(1, 10)]  # 540,000 yuan for a poor household
    data += [buy(D(Y, m, 1), None, 200, 90_000_000) for m in range(1, 10)]  # a cooperative: no limit
    found = rules.implausible_volume(data, year=Y, sellers=SELLERS, params=P["plausible_volume"])
    assert [f.key for f in found] == [f"volume:{Y}:300"]
    fewer = [buy(D(Y, m, 1), None, 300, 6_000_000) for m in range(1, 8)]  # 420,000 yuan: plausible
    assert rules.implausible_volume(fewer, year=Y, sellers=SELLERS, params=P["plausible_volume"]) == []


def test_split_amounts_just_under_a_threshold_are_caught():
    parts = [buy(D(Y, 6, 1 + k), 1, 200, amount) for k, amount in enumerate([4_850_000, 4_920_000, 4_790_000])]
    found = rules.split_purchases(parts, year=Y, params=P["split"])
    assert [f.key for f in found] == [f"split:{Y}:1:200:5000000:{Y}-06-01"]
    assert found[0].evidence["parts"] == 3


def test_no_split_when_parts_are_spread_out_few_or_far_under():
    spread = [buy(D(Y, 6, 1 + 10 * k), 1, 200, 4_900_000) for k in range(3)]  # 10 days apart
    two = [buy(D(Y, 6, 1 + k), 1, 200, 4_900_000) for k in range(2)]
    far = [buy(D(Y, 6, 1 + k), 1, 200, 3_000_000) for k in range(5)]  # 40 % under
    other_sellers = [buy(D(Y, 6, 1 + k), 1, s, 4_900_000) for k, s in enumerate((200, 101, 102))]
    for clean in (spread, two, far, other_sellers):
        assert rules.split_purchases(clean, year=Y, params=P["split"]) == []


def test_helped_sales_above_the_declared_total_and_only_where_a_total_is_known():
    data = [buy(D(Y, m, 1), None, 200, 3_000_000, kind="helped_sale") for m in range(1, 6)]
    data += [buy(D(Y, m, 1), None, 104, 3_000_000, kind="helped_sale") for m in range(1, 6)]
    data += [buy(D(Y, m, 1), None, 103, 9_000_000) for m in range(1, 6)]  # direct purchases do not count here
    found = rules.helped_beyond_total(data, year=Y, total_sales_fen={200: 10_000_000, 104: 50_000_000, 103: 1},
                                      params=P["helped_sales"])
    assert [f.key for f in found] == [f"helped:{Y}:200"]
    assert rules.helped_beyond_total(data, year=Y, total_sales_fen={}, params=P["helped_sales"]) == []


def test_purchases_concentrated_on_tied_entities():
    own = [buy(D(Y, m, 1), 1, 103, 3_000_000) for m in range(1, 6)]  # its subsidiary
    found = rules.tied_concentration(own + [buy(D(Y, 7, 1), 1, 200, 2_000_000)], year=Y, orgs=ORGS,
                                     sellers=SELLERS, params=P["concentration"])
    assert [f.key for f in found] == [f"tied:{Y}:1"] and found[0].evidence["share"] == 0.882
    itself = [buy(D(Y, m, 1), 4, 104, 3_000_000) for m in range(1, 6)]
    assert [f.key for f in rules.tied_concentration(itself, year=Y, orgs=ORGS, sellers=SELLERS,
                                                    params=P["concentration"])] == [f"tied:{Y}:4"]


def test_no_concentration_for_a_mixed_buyer_or_unrelated_sellers():
    mixed = [buy(D(Y, m, 1), 1, 103, 3_000_000) for m in range(1, 4)] + \
            [buy(D(Y, m, 1), 1, 200, 3_000_000) for m in range(1, 5)]  # 43 % tied
    unrelated = [buy(D(Y, m, 1), 5, 102, 3_000_000) for m in range(1, 6)]  # another unit's seller
    for clean in (mixed, unrelated):
        assert rules.tied_concentration(clean, year=Y, orgs=ORGS, sellers=SELLERS, params=P["concentration"]) == []


def test_detect_all_skips_the_helped_sales_check_without_totals():
    data = [buy(D(Y, m, 1), None, 200, 3_000_000, kind="helped_sale") for m in range(1, 6)]
    args = {"year": Y, "orgs": ORGS, "sellers": SELLERS, "products": {}, "params": P}
    assert rules.detect_all(data, **args) == []
    assert [f.kind for f in rules.detect_all(data, **args, total_sales_fen={200: 1})] == ["helped_beyond_total"]


def test_score_counts_planted_cases_found_and_flags_that_name_them():
    planted = [("split_under_threshold", "split:2025:1:200:5000000"), ("tied_concentration", "tied:2025:1"),
               ("circular_trade", "circular:2025:1:2")]
    flagged = [("split_under_threshold", "split:2025:1:200:5000000:2025-06-01"), ("tied_concentration", "tied:2025:1"),
               ("tied_concentration", "tied:2025:9"), ("circular_trade", "circular:2025:1:22")]
    by = {s.kind: s for s in rules.score(planted=planted, flagged=flagged)}
    assert (by["all"].planted, by["all"].found, by["all"].flagged, by["all"].matched) == (3, 2, 4, 2)
    assert by["all"].precision == 0.5 and by["all"].recall == 2 / 3
    assert by["tied_concentration"].precision == 0.5 and by["circular_trade"].recall == 0
