"""Assessment scorecards: computed from approved year snapshots with the methodology version in force (recorded);
unchanged when recomputed after later ledger changes; every sub-target miss beside the grade; adjustments only
with a reason; ranking and last year; the methodology's validation; the export; and the worked example of
docs/domain/supervision.md, number by number."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest

from fupin.core.errors import AccessDenied, InvalidInput
from fupin.core.models import AuditEntry
from fupin.ledger import services as ledger
from fupin.ledger.models import PeriodLock
from fupin.supervision import approvals, parameters, rules, scorecards, selectors
from fupin.supervision.enums import Grade
from tests.supervision import factories as sf

pytestmark = pytest.mark.django_db
D = "designated_assistance"
DOC = Path(__file__).resolve().parents[2] / "docs" / "domain" / "supervision.md"


def approve_year(w, body, targets, year=2024):
    sf.approved_plan(w, body, targets, year=year)
    a = approvals.approval_submit(body_id=body.pk, year=year, period_kind="year", actor="test")
    while a.status != "approved":
        a = approvals.approval_approve(approval=a, actor="test")
    return a


@pytest.fixture
def w():
    w = sf.world()
    w.book(buyer=w.unit, amount="600.00", date="2023-05-01")
    w.book(buyer=w.unit, amount="700.00", date="2024-03-01")
    w.book(buyer=w.central, amount="90.00", date="2024-05-01", kind="helped_sale")
    return w


@pytest.fixture
def card(w):
    approve_year(w, w.central, [
        {"metric": "direct_purchase", "value": 70_000, "scheme": D},
        {"metric": "helped_sale", "value": 10_000, "scheme": D},
        {"metric": "helped_sale", "value": 10_000, "scheme": D, "region_code": sf.COUNTY},  # a sub-target, missed
    ])
    return scorecards.scorecard_compute(body_id=w.central.pk, scheme=D, year=2024, actor=w.users["office"])


def test_a_scorecard_reads_approved_figures_only(w):
    sf.approved_plan(w, w.central, [{"metric": "direct_purchase", "value": 1, "scheme": D}])
    with pytest.raises(InvalidInput) as not_submitted:
        scorecards.scorecard_compute(body_id=w.central.pk, scheme=D, year=2024, actor=w.users["office"])
    assert not_submitted.value.code == "period_not_approved" and not_submitted.value.details["field"] == "year"
    approvals.approval_submit(body_id=w.central.pk, year=2024, period_kind="year", actor="test")
    with pytest.raises(InvalidInput) as submitted:
        scorecards.scorecard_compute(body_id=w.central.pk, scheme=D, year=2024, actor=w.users["office"])
    assert submitted.value.code == "period_not_approved" and "Submitted" in str(submitted.value.message)
    with pytest.raises(AccessDenied):
        scorecards.scorecard_compute(body_id=w.central.pk, scheme=D, year=2024, actor=w.users["central"])
    with pytest.raises(InvalidInput) as scheme:
        scorecards.scorecard_compute(body_id=w.central.pk, scheme="charity", year=2024, actor=w.users["office"])
    assert scheme.value.code == "unknown_scheme"


def test_the_card_holds_lines_grade_and_every_missed_sub_target(w, card):
    lines = {line["code"]: line for line in card.lines}
    assert lines["direct_purchase"]["value"] == 70_000 and lines["direct_purchase"]["points_centi"] == 2500
    assert lines["helped_sale"]["value"] == 9_000 and lines["helped_sale"]["attainment_bp"] == 9000
    assert lines["growth"]["value"] == 3166 and lines["growth"]["points_centi"] == 1000   # 790 on 600 yuan: +31.66%
    assert lines["poverty_share"]["value"] == 10000                                       # all from 天柱县
    assert lines["qualitative"]["note"] == "not_entered" and lines["qualitative"]["points_centi"] == 0
    assert [(m["metric"], m["region_code"], m["target"], m["actual"]) for m in card.misses] == [
        ("helped_sale", "", 10_000, 9_000), ("helped_sale", sf.COUNTY, 10_000, 9_000)]
    assert card.methodology_version == selectors.params.get(parameters.methodology_key(D),
                                                            on=dt.date(2024, 12, 31)).id
    entry = AuditEntry.objects.get(action="scorecard:compute", object_id=str(card.pk))
    assert entry.after["snapshot_digest"] == card.snapshot.digest


def test_a_recomputed_scorecard_is_unchanged_after_later_ledger_changes(w, card):
    before = (card.total_centi, card.grade, card.lines, card.misses)
    for lock in PeriodLock.objects.filter(status="locked"):   # someone reopens the account's months directly
        ledger.period_unlock(lock=lock, reason="late invoices", actor="test")
    w.book(buyer=w.unit, amount="5000.00", date="2024-06-01", ext="late")
    plan = selectors.approved_plan(body_id=w.central.pk, year=2024)
    live = selectors.progress(plan=plan, as_of=dt.date(2024, 12, 31))
    assert next(r for r in live if r["metric"] == "direct_purchase")["actual"] == 570_000    # the account moved
    again = scorecards.scorecard_compute(body_id=w.central.pk, scheme=D, year=2024, actor=w.users["office"])
    assert again.pk == card.pk and (again.total_centi, again.grade, again.lines, again.misses) == before


def test_qualitative_score_and_adjustments_only_with_a_reason(w, card):
    office = w.users["office"]
    card = scorecards.scorecard_qualitative(card=card, score=8, reason="field visit", actor=office)
    assert card.qualitative == 8 and card.total_centi == card.computed_centi
    with pytest.raises(InvalidInput) as bad:
        scorecards.scorecard_qualitative(card=card, score=11, actor=office)
    assert bad.value.code == "bad_score"
    with pytest.raises(InvalidInput) as no_reason:
        scorecards.scorecard_adjust(card=card, points_centi=-500, reason=" ", actor=office)
    assert no_reason.value.code == "reason_required"
    total = card.total_centi
    card = scorecards.scorecard_adjust(card=card, points_centi=-1500, reason="a verified complaint", actor=office)
    assert card.total_centi == total - 1500 and card.adjustment_centi == -1500
    assert card.grade == rules.grade_for(card.total_centi, scorecards.methodology(scheme=D, year=2024).bands)
    assert [(a.points_centi, a.reason) for a in card.adjustments.all()] == [(-1500, "a verified complaint")]
    assert AuditEntry.objects.filter(action="scorecard:adjust", reason="a verified complaint").exists()
    again = scorecards.scorecard_compute(body_id=w.central.pk, scheme=D, year=2024, actor=office)
    assert again.total_centi == card.total_centi and again.qualitative == 8   # kept when recomputed


def test_ranking_and_last_year(w, card):
    w.book(buyer=w.unit, amount="10.00", date="2023-06-01", kind="helped_sale")
    approve_year(w, w.central, [{"metric": "direct_purchase", "value": 100_000, "scheme": D}], year=2023)
    last = scorecards.scorecard_compute(body_id=w.central.pk, scheme=D, year=2023, actor=w.users["office"])
    assert selectors.last_year(card=card) == last
    results = scorecards.scorecards_compute(year=2024, scheme=D, actor=w.users["office"])
    assert [(r["body_id"], r["ok"]) for r in results] == [(w.central.pk, True)]
    assert selectors.ranking(year=2024, scheme=D) == {card.pk: 1}
    header, rows = scorecards.export_rows([card])
    row = dict(zip(header, rows[0], strict=True))
    assert row["rank"] == 1 and row["last_year_score"] == last.total_centi / 100 and row["missed_targets"] == 2
    assert row["points:direct_purchase"] == 25.0


def test_computing_every_card_at_once_gives_the_cards_of_one_body_at_a_time(w, card):
    """The batch (a year's cards in a few statements) and the single computation make the same cards: a new card
    is created and an existing one updated in place, each with its audit entry (before → after)."""
    approve_year(w, w.unit, [{"metric": "direct_purchase", "value": 50_000, "scheme": D}])
    office = w.users["office"]
    card.delete()  # the central unit's card is computed again below, first one at a time
    single = {b.pk: scorecards.scorecard_compute(body_id=b.pk, scheme=D, year=2024, actor=office)
              for b in (w.central, w.unit)}
    fields = ("snapshot_id", "methodology_version", "inputs", "misses", "lines", "computed_centi", "total_centi",
              "grade")
    expected = {pk: tuple(getattr(c, f) for f in fields) for pk, c in single.items()}
    scorecards.Scorecard.objects.filter(body=w.unit).delete()   # one to create, one to update
    audits = AuditEntry.objects.filter(action="scorecard:compute").count()
    results = scorecards.scorecards_compute(year=2024, scheme=D, actor=office)
    assert sorted(r["body_id"] for r in results) == sorted(single) and all(r["ok"] for r in results)
    cards = {c.body_id: c for c in scorecards.Scorecard.objects.filter(year=2024, scheme=D)}
    assert {pk: tuple(getattr(c, f) for f in fields) for pk, c in cards.items()} == expected
    assert cards[w.central.pk].pk == single[w.central.pk].pk   # updated in place
    new = AuditEntry.objects.filter(action="scorecard:compute").order_by("-id")[:2]
    assert AuditEntry.objects.filter(action="scorecard:compute").count() == audits + 2
    by_card = {e.object_id: e for e in new}
    assert by_card[str(cards[w.central.pk].pk)].before["grade"] == single[w.central.pk].grade
    assert by_card[str(cards[w.unit.pk].pk)].before is None
    assert by_card[str(cards[w.unit.pk].pk)].after["snapshot_digest"] == cards[w.unit.pk].snapshot.digest


# -- the methodology ----------------------------------------------------------------------------------------------
def test_publishing_a_methodology_validates_it(w, admin_user):
    good = copy.deepcopy(parameters.METHODOLOGIES[D])
    bad = copy.deepcopy(good)
    bad["indicators"][0]["weight"] = 30
    bad["indicators"][1]["measure"] = 5
    bad["bands"][1]["min"] = 85
    with pytest.raises(InvalidInput) as refused:
        scorecards.methodology_publish(scheme=D, valid_from=dt.date(2025, 1, 1), definition=bad, actor=admin_user)
    found = {(e["code"], e["field"]) for e in refused.value.details["errors"]}
    assert found == {("weights_do_not_sum", "indicators"), ("unknown_measure", "indicators[1].measure"),
                     ("bands_gap", "bands[1].min")}
    assert refused.value.code == "bad_methodology"
    with pytest.raises(AccessDenied):
        scorecards.methodology_publish(scheme=D, valid_from=dt.date(2025, 1, 1), definition=good,
                                       actor=w.users["office"])
    good["bands"] = [{"grade": "good", "min": 85, "max": 100}, {"grade": "fairly_good", "min": 70, "max": 85},
                     {"grade": "average", "min": 50, "max": 70}, {"grade": "poor", "min": 0, "max": 50}]
    version = scorecards.methodology_publish(scheme=D, valid_from=dt.date(2025, 1, 1), definition=good,
                                             actor=admin_user)
    assert scorecards.methodology(scheme=D, year=2025).version_id == version.pk
    assert scorecards.methodology(scheme=D, year=2024).version_id != version.pk


def test_band_problems_are_named(admin_user):
    bad = copy.deepcopy(parameters.METHODOLOGIES[D])
    bad["bands"][1]["min"] = 85   # fairly good 85–90 leaves 80–85 without a grade
    with pytest.raises(InvalidInput) as refused:
        scorecards.methodology_publish(scheme=D, valid_from=dt.date(2025, 1, 1), definition=bad, actor=admin_user)
    assert [(e["code"], e["field"]) for e in refused.value.details["errors"]] == [("bands_gap", "bands[1].min")]


# -- the worked example -------------------------------------------------------------------------------------------
def test_the_worked_example_of_the_documentation():
    method = rules.methodology_from(D, parameters.METHODOLOGIES[D])
    yuan = 100  # fen
    inputs = rules.IndicatorInputs(
        targets={"direct_purchase": 1_000_000 * yuan, "helped_sale": 500_000 * yuan, "benefits_paid": 200_000 * yuan,
                 "reserved_share": 10000},
        actuals={"direct_purchase": 980_000 * yuan, "helped_sale": 560_000 * yuan, "benefits_paid": 150_000 * yuan},
        last_year_purchases=1_300_000 * yuan, purchases=1_540_000 * yuan, poverty_purchases=1_155_000 * yuan,
        reserved_obliged=5, reserved_compliant=4, qualitative=9)
    result = rules.score(method, inputs)
    table = {line.code: (line.attainment_bp, line.capped_bp, line.points_centi) for line in result.lines}
    assert table == {"direct_purchase": (9800, 9800, 2450), "helped_sale": (11200, 10000, 2500),
                     "growth": (18460, 10000, 1000), "poverty_share": (9375, 9375, 937),
                     "linkage_benefits": (7500, 7500, 750), "reserved_share": (8000, 8000, 800),
                     "qualitative": (9000, 9000, 900)}
    assert (result.total_centi, result.grade) == (9337, Grade.GOOD)
    adjusted = rules.score(method, inputs, adjustments_centi=-400)
    assert (adjusted.total_centi, adjusted.grade) == (8937, Grade.FAIRLY_GOOD)
    doc = DOC.read_text(encoding="utf-8")
    for text in ("| direct purchase | 25 | 980,000 | target 1,000,000 | 98.00% | 98.00% | 24.50 |",
                 "| helped sale | 25 | 560,000 | target 500,000 | 112.00% | 100.00% | 25.00 |",
                 "| growth on last year | 10 | +18.46% (1,540,000 on 1,300,000) | full at +10% | 184.60% | 100.00% | 10.00 |",
                 "| poverty-county share | 10 | 75.00% (1,155,000 of 1,540,000) | full at 80% | 93.75% | 93.75% | 9.37 |",
                 "| linkage benefits | 10 | 150,000 | target 200,000 | 75.00% | 75.00% | 7.50 |",
                 "| reserved share | 10 | 4 of 5 units compliant: 80.00% | target 100% | 80.00% | 80.00% | 8.00 |",
                 "| qualitative | 10 | 9 | of 10 | 90.00% | 90.00% | 9.00 |",
                 "**Total 93.37 → good (好)**", "89.37 → fairly good (较好)"):
        assert text in doc, text
