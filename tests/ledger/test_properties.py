"""Properties of the account (hypothesis): splits and orders of an import, and the batch size of a file import, do
not change the totals; a reversal
nets to zero in every grouping; rollups equal their recomputation; no entry counts twice in one scheme."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fupin.ledger import checks, rollups, selectors, services
from fupin.ledger.models import PurchaseEntry
from tests.assertions import nonempty
from tests.ledger import factories as lf

pytestmark = pytest.mark.django_db

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                           HealthCheck.too_slow])
GROUPINGS = [["year"], ["quarter"], ["month", "kind"], ["province"], ["county", "channel"], ["buyer_category"],
             ["buyer"], ["account"], ["seller"], ["product_category"], ["basis"], ["scheme"], ["relation"],
             ["scheme", "county"]]


class Rollback(Exception):
    """Undo one hypothesis example (each example starts from the same world)."""


@pytest.fixture
def w():
    return lf.world()


def _choices(w):
    buyers = ["", w.unit.credit_code, w.central.credit_code, w.zj.credit_code]
    sellers = [(w.seller.credit_code, "", ""), (w.household.registry_code, "", ""),
               (w.plain_seller.credit_code, "P-CERT", ""), (w.plain_seller.credit_code, "", lf.POOR_VILLAGE),
               (w.plain_seller.credit_code, "P-NONE", "")]
    return buyers, sellers


row_spec = st.tuples(
    st.integers(0, 3), st.integers(0, 4), st.sampled_from(["2020-03-01", "2021-07-15", "2022-12-31", "2023-05-10"]),
    st.integers(1, 10_000_000), st.sampled_from(["direct_purchase", "helped_sale"]),
    st.sampled_from(["platform_832", "special_counter", "tourism"]),
    st.sampled_from(["completed", "completed", "pending"]), st.integers(0, 30),
)


def _rows(w, specs):
    buyers, sellers = _choices(w)
    out = []
    for b, s, day, fen, kind, channel, status, ident in specs:
        seller, product, origin = sellers[s]
        # the external id decides the content, so a repeated id is the very same row (idempotency, not conflict)
        out.append((ident, lf.row(external_id=f"P{ident}", buyer_code=buyers[b], seller_code=seller,
                                  product_code=product, origin_code=origin, purchase_date=day,
                                  amount_yuan=f"{fen / 100:.2f}", kind=kind, channel=channel, status=status)))
    first: dict[int, dict] = {}
    for ident, r in out:
        first.setdefault(ident, r)
    return [first[ident] for ident, _r in out]


def _totals(viewer):
    return {tuple(g): sorted((tuple(str(r[k]) for k in g), r["amount_fen"], r["entries"])
                             for r in selectors.account_totals(viewer=viewer, group_by=g, counted_only=False))
            for g in GROUPINGS}


def _totals_of_one_batch(rows, viewer):
    """The totals after booking `rows` as one batch, then undone."""
    try:
        with transaction.atomic():
            services.purchase_record_batch(rows=rows, actor="cli")
            whole = _totals(viewer)
            raise Rollback
    except Rollback:
        pass
    return whole


@SETTINGS
@given(specs=st.lists(row_spec, min_size=1, max_size=25), cuts=st.lists(st.integers(0, 25), max_size=4),
       order=st.randoms(use_true_random=False))
def test_any_split_of_a_file_in_any_order_gives_the_same_totals(w, admin_user, specs, cuts, order):
    rows = _rows(w, specs)
    whole = _totals_of_one_batch(rows, admin_user)
    bounds = sorted({0, len(rows), *[min(c, len(rows)) for c in cuts]})
    parts = [rows[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    order.shuffle(parts)
    try:
        with transaction.atomic():
            for part in parts:
                services.purchase_record_batch(rows=part, actor="cli")
            services.purchase_record_batch(rows=rows, actor="cli")  # and once more: nothing changes
            assert _totals(admin_user) == whole
            assert all(d.ok for d in nonempty(rollups.check()))
            raise Rollback
    except Rollback:
        pass


@SETTINGS
@given(specs=st.lists(row_spec, min_size=1, max_size=25), batch=st.integers(1, 7))
def test_a_file_import_in_any_batch_size_gives_the_totals_of_one_batch(w, admin_user, specs, batch, tmp_path_factory):
    """Across batches the next batch is validated in a helper thread while the previous one is written."""
    rows = _rows(w, specs)
    path = lf.write_csv(tmp_path_factory.mktemp("split") / "p.csv", rows)
    whole = _totals_of_one_batch(rows, admin_user)
    try:
        with transaction.atomic():
            job = services.purchase_import_file(path=path, actor="cli", batch_size=batch)
            distinct = len({r["external_id"] for r in rows})
            assert job.status == "done" and job.rejected == 0
            assert (job.accepted, job.duplicates) == (distinct, len(rows) - distinct)
            assert _totals(admin_user) == whole
            assert all(d.ok for d in nonempty(rollups.check()))
            raise Rollback
    except Rollback:
        pass


@SETTINGS
@given(specs=st.lists(row_spec, min_size=1, max_size=15), pick=st.randoms(use_true_random=False))
def test_an_entry_and_its_reversal_net_to_zero_in_every_grouping(w, admin_user, specs, pick):
    rows = _rows(w, specs)
    try:
        with transaction.atomic():
            services.purchase_record_batch(rows=rows, actor="cli")
            before = _totals(admin_user)
            victims = pick.sample(list(PurchaseEntry.objects.filter(sign=1)), k=pick.randint(1, len(set(r["external_id"] for r in rows))))
            for e in victims:
                services.purchase_reverse(entry=e, reason="property", actor="cli")
                services.purchase_record(data={**lf.row(), **_as_row(e), "external_id": e.external_id + "-again"},
                                         actor="cli")
            after = _totals(admin_user)
            for g in GROUPINGS:
                # each reversed entry was booked again under a new id with the same content: net figures equal
                assert [(k, a) for k, a, _n in after[tuple(g)]] == [(k, a) for k, a, _n in before[tuple(g)]], g
                assert [n for _k, _a, n in after[tuple(g)]] == [n for _k, _a, n in before[tuple(g)]], g
            assert all(d.ok for d in nonempty(rollups.check()))
            assert not any(checks.entry_problems().values())
            raise Rollback
    except Rollback:
        pass


@SETTINGS
@given(specs=st.lists(row_spec, min_size=1, max_size=20))
def test_no_entry_counts_twice_in_one_scheme(w, admin_user, specs):
    rows = _rows(w, specs)
    try:
        with transaction.atomic():
            services.purchase_record_batch(rows=rows, actor="cli")
            by_scheme = {r["scheme"]: r for r in selectors.account_totals(viewer=admin_user, group_by=["scheme"])}
            counted = selectors.account_totals(viewer=admin_user, group_by=[])
            total = counted[0]["amount_fen"] if counted else 0
            for scheme, column in (("designated_assistance", "rel_designated"), ("east_west", "rel_east_west"),
                                   ("counterpart_support", "rel_counterpart")):
                entries = PurchaseEntry.objects.filter(counted=True, **{f"{column}__isnull": False})
                expected = sum(e.amount_fen for e in entries)
                assert by_scheme.get(scheme, {"amount_fen": 0})["amount_fen"] == expected <= total
                by_relation = selectors.account_totals(viewer=admin_user, group_by=["relation"],
                                                       filters={"scheme": scheme})
                assert sum(r["amount_fen"] for r in by_relation) == expected
            raise Rollback
    except Rollback:
        pass


def _as_row(e):
    seller = e.seller.credit_code or e.seller.household.registry_code
    return {"purchase_date": e.purchase_date.isoformat(), "buyer_code": e.buyer.credit_code if e.buyer_id else "",
            "seller_code": seller, "product_code": e.product.code if e.product_id else "", "origin_code": e.origin.code,
            "amount_yuan": f"{e.amount_fen / 100:.2f}", "kind": e.kind, "channel": e.channel, "status": e.status}
