"""One order counted once across sources (issue #10 §5): an entry with the same seller and the same order or
invoice number as an entry of another source — or, when the two carry no number they can compare, the same buyer,
seller, date and amount within the dated tolerance — is stored with `duplicate_of` and does not count, so every
figure counts the order once; a reviewer confirms or releases the match (audited); an order number its source
already gave to another seller's purchase is refused. The match runs in the bulk path: a fixed number of reads per
batch, whatever its size."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fupin.core.errors import AccessDenied, Conflict, InvalidInput
from fupin.core.models import AuditEntry, PolicyParameter
from fupin.ledger import checks, rollups, rules, selectors, services
from fupin.ledger.models import DuplicateReview, PurchaseEntry
from fupin.ledger.parameters import DUPLICATE_MATCH
from tests import factories
from tests.assertions import nonempty
from tests.ledger import factories as lf

pytestmark = pytest.mark.django_db

PLATFORM, UNIT = "test", "unit"


@pytest.fixture
def w():
    return lf.world()


def order(w, **kw):
    """A counted purchase of the budget unit from the cooperative of 天柱县 (designated assistance)."""
    return lf.row(buyer_code=w.unit.credit_code, seller_code=w.seller.credit_code, **kw)


def book(rows, **kw):
    return services.purchase_record_batch(rows=rows, actor="cli", **kw)


def entry(source, external_id):
    return PurchaseEntry.objects.get(source=source, external_id=external_id, sign=1, revision=0)


def test_the_match_rule():
    tol = rules.MatchTolerance(days=1, amount_fen=50)
    base = {"seller_id": 1, "buyer_id": 2, "day": dt.date(2023, 5, 10), "amount_fen": 10_000}
    row = rules.MatchFacts(id=None, source="a", order_number="", invoice_number="", **base)

    def other(**kw):
        return rules.MatchFacts(**{"id": 9, "source": "b", "order_number": "", "invoice_number": "", **base, **kw})

    assert rules.same_order(row, other(day=dt.date(2023, 5, 11), amount_fen=10_050), tol)
    assert not rules.same_order(row, other(day=dt.date(2023, 5, 12)), tol)
    assert not rules.same_order(row, other(amount_fen=10_051), tol)
    assert not rules.same_order(row, other(source="a"), tol)  # the same source: idempotence, not a match
    assert not rules.same_order(row, other(seller_id=3), tol)
    numbered = rules.MatchFacts(id=None, source="a", order_number="O1", invoice_number="", **base)
    assert rules.same_order(numbered, other(order_number="O1", amount_fen=1), tol)  # the number decides
    assert not rules.same_order(numbered, other(order_number="O2"), tol)  # two numbers: two orders
    assert rules.same_order(numbered, other(invoice_number="I1"), tol)  # nothing comparable: buyer, date, amount
    with pytest.raises(ValueError, match="days"):
        rules.MatchTolerance.from_value({"days": "1"})
    with pytest.raises(ValueError, match="amount_fen"):
        rules.MatchTolerance.from_value({"days": 1, "amount_fen": -5})


def test_the_same_order_from_two_sources_counts_once_in_every_grouping(w, admin_user):
    book([order(w, source=PLATFORM, external_id="P1", order_number="832-0001", amount_yuan="300.00",
                quantity="3")])
    before = {g: selectors.account_totals(viewer=admin_user, group_by=[g]) for g in selectors.GROUPINGS}
    report = book([order(w, source=UNIT, external_id="U1", order_number="832-0001", amount_yuan="300.00",
                         quantity="3", evidence="报销凭证 BX-1")])
    assert report.accepted == 1 and report.counted == 0
    assert report.as_dict()["not_counted_reasons"] == {"duplicate_of_other_source": 1}
    first, dup = entry(PLATFORM, "P1"), entry(UNIT, "U1")
    assert dup.duplicate_of_id == first.pk and not dup.counted and first.counted
    assert dup.not_counted_reason == "duplicate_of_other_source" and dup.evidence == "报销凭证 BX-1"
    assert (dup.rel_designated_id, dup.rel_east_west_id, dup.rel_counterpart_id) == (None, None, None)
    for g in selectors.GROUPINGS:
        after = selectors.account_totals(viewer=admin_user, group_by=[g])
        assert after == before[g], g
        if g not in ("scheme", "relation", "account"):  # those fan an entry out to each scheme / account
            assert sum(r["amount_fen"] for r in nonempty(after)) == first.amount_fen, g
    # every figure including the uncounted ones still holds both reports
    everything = selectors.account_totals(viewer=admin_user, group_by=[], counted_only=False)
    assert everything[0]["amount_fen"] == 2 * first.amount_fen
    assert all(d.ok for d in nonempty(rollups.check())) and not any(checks.entry_problems().values())


def test_an_invoice_number_matches_and_a_chain_points_at_the_first_booking(w):
    book([order(w, source=PLATFORM, external_id="P1", invoice_number="24440000000000000001")])
    book([order(w, source=UNIT, external_id="U1", invoice_number="24440000000000000001")])
    book([order(w, source="third", external_id="T1", invoice_number="24440000000000000001")])
    first = entry(PLATFORM, "P1")
    assert entry(UNIT, "U1").duplicate_of_id == first.pk and entry("third", "T1").duplicate_of_id == first.pk


def test_without_numbers_buyer_seller_date_and_amount_decide_within_the_tolerance(w):
    book([order(w, source=PLATFORM, external_id="P1", amount_yuan="100.00", purchase_date="2023-05-10")])
    book([order(w, source=UNIT, external_id="same", amount_yuan="100.00", purchase_date="2023-05-10"),
          order(w, source=UNIT, external_id="cheaper", amount_yuan="99.50", purchase_date="2023-05-10"),
          order(w, source=UNIT, external_id="next-day", amount_yuan="100.00", purchase_date="2023-05-11"),
          lf.row(source=UNIT, external_id="public", seller_code=w.seller.credit_code, amount_yuan="100.00")])
    assert entry(UNIT, "same").duplicate_of_id == entry(PLATFORM, "P1").pk
    assert [entry(UNIT, x).duplicate_of_id for x in ("cheaper", "next-day", "public")] == [None, None, None]
    # a wider tolerance from a date on (a dated parameter): the later rows within one day and one yuan match
    PolicyParameter.objects.create(key=DUPLICATE_MATCH, valid_from=dt.date(2024, 1, 1),
                                   value={"days": 1, "amount_fen": 100}, source="test")
    book([order(w, source=PLATFORM, external_id="P2", amount_yuan="100.00", purchase_date="2024-03-01")])
    book([order(w, source=UNIT, external_id="near", amount_yuan="99.50", purchase_date="2024-03-02"),
          order(w, source=UNIT, external_id="far", amount_yuan="100.00", purchase_date="2024-03-03")])
    assert entry(UNIT, "near").duplicate_of_id == entry(PLATFORM, "P2").pk
    assert entry(UNIT, "far").duplicate_of_id is None


def test_different_numbers_are_different_orders_however_alike(w):
    book([order(w, source=PLATFORM, external_id="P1", order_number="A-1")])
    book([order(w, source=UNIT, external_id="U1", order_number="B-7")])
    assert entry(UNIT, "U1").counted and entry(UNIT, "U1").duplicate_of_id is None


def test_two_sources_in_one_file_count_the_order_once(w, tmp_path):
    header = [*lf.HEADER, "order_number"]
    rows = [order(w, source=PLATFORM, external_id="P1", order_number="O-9"),
            order(w, source=UNIT, external_id="U1", order_number="O-9"),
            order(w, source="third", external_id="T1", amount_yuan="100.00"),
            order(w, source=PLATFORM, external_id="P2", order_number="O-10")]
    job = services.purchase_import_file(path=lf.write_csv(tmp_path / "two.csv", rows, header=header), actor="cli")
    assert job.accepted == 4 and job.rejected == 0
    first = entry(PLATFORM, "P1")
    assert entry(UNIT, "U1").duplicate_of_id == first.pk
    assert entry("third", "T1").duplicate_of_id == first.pk  # no number: the same buyer, seller, date and amount
    assert entry(PLATFORM, "P2").counted and entry(PLATFORM, "P2").duplicate_of_id is None
    assert all(d.ok for d in nonempty(rollups.check()))


def test_an_order_number_reused_by_the_same_source_for_another_seller_is_refused(w):
    book([order(w, source=PLATFORM, external_id="P1", order_number="O-1")])
    report = book([lf.row(source=PLATFORM, external_id="P2", buyer_code=w.unit.credit_code,
                          seller_code=w.plain_seller.credit_code, order_number="O-1"),
                   order(w, source=PLATFORM, external_id="P3", order_number="O-1", product_code="P-CERT")])
    assert report.accepted == 1 and [(e.line, e.column, e.code) for e in report.errors] == [
        (1, "order_number", "order_number_reused")]
    assert "O-1" in report.errors[0].message
    # the same seller's second line of the order is fine, and within one batch the reuse is caught too
    assert entry(PLATFORM, "P3").counted
    report = book([lf.row(source="other", external_id="X1", seller_code=w.seller.credit_code, order_number="Z"),
                   lf.row(source="other", external_id="X2", seller_code=w.plain_seller.credit_code, order_number="Z")])
    assert report.accepted == 1 and report.errors[0].code == "order_number_reused" and report.errors[0].line == 2


def test_a_dry_run_reports_the_match_and_writes_nothing(w):
    book([order(w, source=PLATFORM, external_id="P1", order_number="O-1")])
    n = PurchaseEntry.objects.count()
    report = book([order(w, source=UNIT, external_id="U1", order_number="O-1"),
                   lf.row(source=UNIT, external_id="U2", seller_code=w.plain_seller.credit_code, order_number="O-1"),
                   lf.row(source=UNIT, external_id="U3", seller_code=w.seller.credit_code, order_number="O-1")],
                  dry_run=True)
    assert report.dry_run and report.accepted == 2 and report.counted == 0
    assert report.as_dict()["not_counted_reasons"] == {"duplicate_of_other_source": 2}
    assert [e.code for e in report.errors] == ["order_number_reused"]
    assert PurchaseEntry.objects.count() == n and not DuplicateReview.objects.exists()


def test_release_books_it_counted_and_confirm_keeps_it_out(w, admin_user):
    book([order(w, source=PLATFORM, external_id="P1", amount_yuan="50.00"),
          order(w, source=PLATFORM, external_id="P2", order_number="O-2", amount_yuan="70.00")])
    book([order(w, source=UNIT, external_id="U1", amount_yuan="50.00"),
          order(w, source=UNIT, external_id="U2", order_number="O-2", amount_yuan="70.00")])
    u1, u2 = entry(UNIT, "U1"), entry(UNIT, "U2")
    assert u1.duplicate_of_id and u2.duplicate_of_id
    assert {e.pk for e in selectors.duplicates(viewer=admin_user, reviewed=False)} == {u1.pk, u2.pk}
    total = selectors.entries_total(viewer=admin_user, filters={"counted": True})["amount_fen"]
    assert total == 12_000
    reviewer = factories.user("rev", roles="reviewer", scope_level="county", scope_code=lf.POOR_COUNTY)
    released = services.duplicate_release(entry=u1, reason="two canteen deliveries that day", actor=reviewer)
    confirmed = services.duplicate_confirm(entry=u2, reason="same order number", actor=reviewer)
    again = PurchaseEntry.objects.get(pk=released.released_as_id)
    assert again.counted and again.duplicate_of_id is None and again.revision == 1 and again.amends_id == u1.pk
    assert again.rel_designated_id == w.rel_designated.pk
    assert PurchaseEntry.objects.filter(reverses=u1).exists()
    assert selectors.entries_total(viewer=admin_user, filters={"counted": True})["amount_fen"] == 12_000 + 5_000
    u2.refresh_from_db()
    assert confirmed.decision == "confirmed" and not u2.counted
    assert {e.pk for e in selectors.duplicates(viewer=admin_user, reviewed=False)} == set()
    assert AuditEntry.objects.filter(action="purchase:duplicate_release", actor=reviewer).exists()
    assert AuditEntry.objects.filter(action="purchase:duplicate_confirm", actor=reviewer).exists()
    # a correction of the released booking is not matched again
    amended = services.purchase_amend(entry=again, changes={"quantity": "2"}, reason="quantity", actor=admin_user)
    assert amended.counted and amended.duplicate_of_id is None
    with pytest.raises(Conflict):
        services.duplicate_confirm(entry=u2, reason="again", actor=reviewer)
    with pytest.raises(InvalidInput):
        services.duplicate_confirm(entry=entry(PLATFORM, "P1"), reason="not one", actor=reviewer)
    assert all(d.ok for d in nonempty(rollups.check())) and not any(checks.entry_problems().values())


def test_only_reviewers_over_the_origin_decide(w, county_clerk):
    book([order(w, source=PLATFORM, external_id="P1")])
    book([order(w, source=UNIT, external_id="U1")])
    dup = entry(UNIT, "U1")
    elsewhere = factories.user("rev-hebei", roles="reviewer", scope_level="county", scope_code=lf.PLAIN_COUNTY)
    for actor in (county_clerk, elsewhere):
        with pytest.raises(AccessDenied):
            services.duplicate_release(entry=dup, reason="r", actor=actor)
    assert not DuplicateReview.objects.exists()


def test_the_match_reads_a_fixed_number_of_statements_per_batch(w):
    book([order(w, source=PLATFORM, external_id=f"P{i}", order_number=f"O-{i}") for i in range(3)])

    def statements(n, prefix):
        rows = [order(w, source=UNIT, external_id=f"{prefix}{i}", order_number=f"O-{i}",
                      amount_yuan=f"{10 + i}.00") for i in range(n)]
        with CaptureQueriesContext(connection) as ctx:
            report = book(rows)
        assert report.accepted == n
        return len(ctx.captured_queries)

    assert statements(5, "a") == statements(60, "b")


def test_the_api_shows_and_decides_matches(api_as, w, admin_user):
    api = api_as(admin_user)
    assert api.post("/purchases", order(w, source=PLATFORM, external_id="P1", order_number="O-1")).status_code == 201
    r = api.post("/purchases", order(w, source=UNIT, external_id="U1", order_number="O-1", invoice_number="INV-1",
                                     evidence="送货单 SH-1"))
    assert r.status_code == 201
    body = r.json()
    assert body["duplicate_of_id"] == entry(PLATFORM, "P1").pk and body["counted"] is False
    assert (body["order_number"], body["invoice_number"], body["evidence"]) == ("O-1", "INV-1", "送货单 SH-1")
    assert body["not_counted_reason"] == "duplicate_of_other_source" and body["duplicate_review"] == ""
    listed = api.get("/purchases/duplicates", reviewed="false").json()
    assert [e["id"] for e in listed["items"]] == [body["id"]]
    r = api.post(f"/purchases/{body['id']}/duplicate/release", {"reason": "different order"})
    assert r.status_code == 201 and r.json()["decision"] == "released" and r.json()["released_as_id"]
    assert api.get(f"/purchases/{body['id']}").json()["duplicate_review"] == "released"
    assert api.get(f"/purchases/{r.json()['released_as_id']}").json()["counted"] is True
    again = api.post(f"/purchases/{body['id']}/duplicate/confirm", {"reason": "x"})
    assert again.status_code == 409
