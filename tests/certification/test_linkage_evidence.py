"""Poor households brought along through linkage contracts, and the flag for claims above active linkage."""

import datetime as dt

import pytest

from fupin.certification import selectors, services
from tests.assertions import nonempty
from tests.linkage import factories as lf

from . import factories as cf

pytestmark = pytest.mark.django_db


def test_linked_households_count_toward_the_threshold():
    sup = cf.supplier(households=0)
    writer = lf.writer(scope_code=cf.COUNTY)
    linked = [cf.factories.household(village_code=cf.VILLAGE) for _ in range(3)]
    lf.contract(actor=writer, entity=sup.entity, households=linked, start=dt.date(2020, 3, 1))
    declared = [cf.factories.household(village_code=cf.VILLAGE) for _ in range(2)]
    product = cf.product(sup)
    items = [services.ItemInput(product, 2000)]
    verdicts, stored = services.precheck_run(supplier=sup.entity, items=items, today=cf.D0,
                                             household_refs=[h.registry_code for h in declared])
    assert stored["households_linked"] == 3 and stored["households_claimed"] == 5
    assert all(v.ok for v in nonempty(verdicts))
    # a household both linked and declared counts once
    verdicts, stored = services.precheck_run(supplier=sup.entity, items=items, today=cf.D0,
                                             household_refs=[linked[0].registry_code, declared[0].registry_code])
    assert stored["households_claimed"] == 4
    assert {v.rule for v in verdicts if not v.ok} == {"poor_households"}
    # before the contract starts nothing is linked
    _, stored = services.precheck_run(supplier=sup.entity, items=items, today=dt.date(2020, 2, 29),
                                      household_refs=[])
    assert stored["households_linked"] == 0


def test_claims_above_active_linkage_are_flagged():
    revs = cf.reviewers()
    sup = cf.supplier(households=3)
    writer = lf.writer(scope_code=cf.COUNTY)
    linked = [cf.factories.household(village_code=cf.VILLAGE) for _ in range(3)]
    lf.contract(actor=writer, entity=sup.entity, households=linked, start=dt.date(2020, 1, 1),
                end=dt.date(2020, 12, 31))
    cf.certified_product(revs=revs, sup=sup)  # claims 3 declared + 3 linked = 6
    honest = cf.supplier(households=0)
    lf.contract(actor=writer, entity=honest.entity, households=[cf.factories.household(village_code=cf.VILLAGE)
                                                                  for _ in range(5)], start=dt.date(2020, 1, 1))
    cf.certified_product(revs=revs, sup=honest)
    during = selectors.linkage_shortfalls(viewer=revs.county, on=dt.date(2020, 7, 1))
    assert [(r["supplier_id"], r["claimed"], r["linked_now"]) for r in during] == [(sup.entity.pk, 6, 3)]
    after = selectors.linkage_shortfalls(viewer=revs.county, on=dt.date(2021, 1, 1))
    assert [(r["supplier_id"], r["shortfall"]) for r in after] == [(sup.entity.pk, 6)]
    assert selectors.linkage_shortfalls(viewer=revs.other_county, on=dt.date(2021, 1, 1)) == []
