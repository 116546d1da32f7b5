"""Verification rounds: reproducible stratified draws, the field list, outcomes, rates and the flag."""

import datetime as dt
import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from fupin.core.errors import AccessDenied, Conflict, InvalidInput
from fupin.core.models import SecurityEvent
from fupin.linkage import sampling, selectors
from fupin.linkage.models import VerificationItem
from tests import factories
from tests.linkage import factories as lf

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    clerk = lf.writer(scope_code="522627")
    entities = [factories.entity(region_code="522627") for _ in range(3)]
    sizes = [30, 12, 3]
    households = {}
    for e, n in zip(entities, sizes, strict=True):
        hs = [factories.household(village_code="522627100201") for _ in range(n)]
        c = lf.contract(actor=clerk, entity=e, households=hs, mechanism="employment",
                        terms={"wage_basis": "month", "wage_fen": 100000}, start=dt.date(2024, 1, 1))
        for h in hs:
            lf.payment(actor=clerk, contract=c, household=h, paid_on=dt.date(2024, 6, 30), amount_fen=600000)
        households[e.pk] = hs
    # a household living in another county is outside the population
    far = factories.household(village_code="130631100201")
    c = lf.contract(actor=clerk, entity=entities[0], households=[far], mechanism="land_lease")
    lf.payment(actor=clerk, contract=c, household=far, paid_on=dt.date(2024, 6, 30), amount_fen=1000)
    return clerk, entities, households


def _draw(clerk, seed):
    return sampling.round_draw(county_code="522627", period_start=dt.date(2024, 1, 1), period_end=dt.date(2024, 12, 31),
                               seed=seed, actor=clerk)


def _pairs(rnd):
    return list(rnd.items.order_by("position").values_list("entity_id", "household_id"))


def test_draw_is_reproducible_and_records_seed_and_method(world):
    clerk, entities, _h = world
    a, b, c = _draw(clerk, 2024), _draw(clerk, 2024), _draw(clerk, 99)
    assert _pairs(a) == _pairs(b) and _pairs(a) != _pairs(c)
    assert a.seed == 2024 and "Stratified" in a.method and a.parameters
    assert a.population == 45


def test_draw_is_stratified_by_entity(world):
    clerk, entities, households = world
    rnd = _draw(clerk, 7)
    per = {}
    for e, h in _pairs(rnd):
        assert h in {x.pk for x in households[e]}
        per[e] = per.get(e, 0) + 1
    # default: ceil(10% of N), at least 2 per stratum
    assert per == {entities[0].pk: 3, entities[1].pk: 2, entities[2].pk: 2}
    item = rnd.items.first()
    assert item.paid_fen == 600000 and item.expected_fen == 1200000


def test_outcomes_rates_and_flag(world):
    clerk, entities, _h = world
    rnd = _draw(clerk, 7)
    items = list(rnd.items.order_by("position"))
    with pytest.raises(Conflict):
        sampling.round_complete(round=rnd, actor=clerk)
    with pytest.raises(InvalidInput):
        sampling.item_outcome_record(item=items[0], outcome="amount_differs", actor=clerk)
    for item in items:
        bad = item.entity_id == entities[1].pk
        sampling.item_outcome_record(item=item, outcome="not_received" if bad else "confirmed", actor=clerk,
                                     note="visited")
    sampling.round_complete(round=rnd, actor=clerk)
    county, per_entity, threshold_id = sampling.round_rates(round=rnd)
    assert (county.result.verified, county.result.discrepant) == (7, 2)
    assert county.result.low < county.result.rate < county.result.high
    flagged = {r.entity_id for r in per_entity if r.result.flagged}
    assert flagged == {entities[1].pk}
    assert threshold_id is not None
    assert selectors.verification_flags(entity_ids=[e.pk for e in entities]) == {entities[1].pk: ["verification_discrepancy"]}
    with pytest.raises(Conflict):
        sampling.item_outcome_record(item=items[0], outcome="not_found", actor=clerk)


def test_field_list_is_masked_and_logged(world):
    clerk, _e, _h = world
    rnd = _draw(clerk, 1)
    with translation.override("en"):
        content = sampling.field_list_xlsx(round=rnd, viewer=clerk)
    ws = load_workbook(io.BytesIO(content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "position" and len(rows) == 1 + rnd.items.count()
    assert rows[1][4] == "张**" and rows[1][5] == "138****5678"
    assert rows[1][9] == "12000.00" and "wage" in rows[1][11]
    assert SecurityEvent.objects.filter(kind="personal_data_export").exists()
    zh = load_workbook(io.BytesIO(sampling.field_list_xlsx(round=rnd, viewer=clerk, language="zh-hans"))).active
    assert next(zh.iter_rows(values_only=True))[0] == "序号"


def test_rounds_are_scoped(world):
    clerk, _e, _h = world
    rnd = _draw(clerk, 1)
    other = factories.user(roles="clerk", scope_level="county", scope_code="130631")
    assert not sampling.round_list(viewer=other).exists()
    with pytest.raises(AccessDenied):
        sampling.item_outcome_record(item=VerificationItem.objects.filter(round=rnd).first(), outcome="confirmed",
                                     actor=other)
