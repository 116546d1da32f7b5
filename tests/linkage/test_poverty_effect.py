"""The poverty-reduction effect (带贫成效突出, issue #10 §2): each threshold at its boundary (pure rules and through the
service over real contracts, payments and verification rounds), which households and payments count, the stored
decision with its facts and version, the audited command, the recomputation after an import, set-based queries,
and thresholds of the wrong type refused with a reason naming the bad part."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from fupin.core.errors import AccessDenied, InvalidInput
from fupin.core.models import AuditEntry, PolicyParameter
from fupin.core.services import policy_parameter_create
from fupin.linkage import imports, sampling
from fupin.linkage.effect import rules, selectors, services
from fupin.linkage.enums import Mechanism, Outcome
from fupin.linkage.models import PovertyEffectDecision, VerificationItem
from fupin.linkage.parameters import POVERTY_REDUCTION_EFFECT
from fupin.registry import services as registry_services
from tests import factories
from tests.linkage import factories as lf

pytestmark = pytest.mark.django_db
D = dt.date
SMALL = {"entity_kinds": ["enterprise", "cooperative"],
         "household_statuses": ["registered_poor", "lifted_out", "monitored", "monitored_unstable"],
         "min_households": 3, "min_benefits_fen": 300_000, "min_benefit_share_percent": 5,
         "max_discrepancy_rate": 0.25}


def small_thresholds(**changes):
    """A version from 2024 with small numbers (the seeded one, from 2014, stays in force before)."""
    return policy_parameter_create(key=POVERTY_REDUCTION_EFFECT, value={**SMALL, **changes}, valid_from=D(2024, 1, 1),
                                   actor="test")


T = rules.thresholds_from_value(SMALL, 1)


def facts(**kw):
    base = {"entity_kind": "cooperative", "households": 3, "benefits_fen": 300_000}
    return rules.EffectFacts(**{**base, **kw})


# -- the pure rules: each threshold at its boundary ------------------------------------------------------------------
def test_households_boundary():
    assert rules.decide(T, facts(households=3)).qualifies
    d = rules.decide(T, facts(households=2))
    assert not d.qualifies and d.unmet == ("households",)


def test_benefit_amount_boundary():
    assert rules.decide(T, facts(benefits_fen=300_000)).qualifies
    assert rules.decide(T, facts(benefits_fen=299_999)).unmet == ("benefits",)


def test_benefit_share_of_sales_boundary_is_exact():
    # 5 % of 4,000,000 fen is 200,000: exactly enough, one fen less is not (the amount alone would fail)
    assert rules.decide(T, facts(benefits_fen=200_000, sales_fen=4_000_000)).qualifies
    assert rules.decide(T, facts(benefits_fen=199_999, sales_fen=4_000_000)).unmet == ("benefits",)
    # sales unknown or nothing: only the amount can hold
    assert rules.decide(T, facts(benefits_fen=200_000, sales_fen=None)).unmet == ("benefits",)
    assert rules.decide(T, facts(benefits_fen=200_000, sales_fen=0)).unmet == ("benefits",)
    assert facts(benefits_fen=200_000, sales_fen=4_000_000).share_percent() == Decimal("5.00")


def test_discrepancy_boundary_and_never_verified():
    assert rules.decide(T, facts(verified=8, discrepant=2)).qualifies          # 0.25 = the limit
    assert rules.decide(T, facts(verified=7, discrepant=2)).unmet == ("discrepancy",)  # 0.2857
    assert rules.decide(T, facts(verified=0, discrepant=0)).qualifies          # never verified


def test_kind_and_every_unmet_condition_in_order():
    d = rules.decide(T, rules.EffectFacts(entity_kind="family_farm", households=0, benefits_fen=0, verified=1,
                                          discrepant=1))
    assert d.unmet == ("entity_kind", "households", "benefits", "discrepancy")
    assert all(rules.unmet_label(code) != code for code in d.unmet)


# -- bad input: thresholds of the wrong type -----------------------------------------------------------------------
@pytest.mark.parametrize(("key", "bad"), [
    ("min_households", "10"), ("min_households", 2.5), ("min_households", True), ("min_households", -1),
    ("min_benefits_fen", "100000.00"), ("min_benefits_fen", None),
    ("min_benefit_share_percent", "5%"), ("min_benefit_share_percent", 150),
    ("max_discrepancy_rate", "0.1"), ("max_discrepancy_rate", 1.5),
    ("entity_kinds", "enterprise"), ("entity_kinds", []), ("household_statuses", [1, 2]),
])
def test_thresholds_of_the_wrong_type_are_refused_naming_the_key(key, bad):
    with pytest.raises(rules.ThresholdError) as err:
        rules.thresholds_from_value({**SMALL, key: bad}, 7)
    assert [k for k, _m in err.value.problems] == [key]
    assert key in str(err.value)


def test_missing_and_unknown_keys_and_a_non_object_are_refused():
    value = {k: v for k, v in SMALL.items() if k != "min_households"}
    value["min_househods"] = 3
    problems = dict(rules.threshold_problems(value))
    assert set(problems) == {"min_households", "min_househods"}
    assert rules.threshold_problems([1, 2]) and rules.threshold_problems([1, 2])[0][0] == ""
    assert rules.threshold_problems(SMALL) == []


@time_machine.travel("2024-06-30 12:00 +08:00")
def test_the_service_and_the_command_refuse_bad_thresholds_and_write_nothing():
    factories.entity(kind="cooperative")
    version = small_thresholds(min_households="3", max_discrepancy_rate="a quarter")
    with pytest.raises(InvalidInput) as err:
        services.poverty_effect_compute(year=2024, actor="test")
    assert err.value.code == "bad_thresholds"
    assert {p["field"] for p in err.value.details["problems"]} == {"min_households", "max_discrepancy_rate"}
    assert err.value.details["version"] == version.pk and "min_households" in str(err.value.message)
    with pytest.raises(CommandError, match="min_households"):
        call_command("compute_poverty_effect", "--year", "2024")
    assert not PovertyEffectDecision.objects.exists()
    assert not AuditEntry.objects.filter(action="linkage_poverty_effect:compute").exists()


@time_machine.travel("2024-06-30 12:00 +08:00")
def test_a_year_not_yet_judged_or_before_the_account_is_refused():
    for year in (2025, 2013):
        with pytest.raises(InvalidInput) as err:
            services.poverty_effect_compute(year=year, actor="test")
        assert err.value.code == "bad_year"


# -- the facts from the database ------------------------------------------------------------------------------------
def linked(entity, clerk, n, *, start=D(2023, 1, 1), end=None, state="active", status="registered_poor"):  # noqa: B008
    households = [factories.household(status=status) for _ in range(n)]
    c = lf.contract(actor=clerk, entity=entity, households=households, start=start, end=end, state=state)
    return c, households


def pay(clerk, contract, households, amount_fen, paid_on=D(2023, 11, 30)):  # noqa: B008 - an immutable date
    return [lf.payment(actor=clerk, contract=contract, household=h, amount_fen=amount_fen, paid_on=paid_on)
            for h in households]


@pytest.fixture
def clerk():
    return lf.writer(scope_code="522627")


@time_machine.travel("2024-06-30 12:00 +08:00")
def test_households_and_benefits_counted_from_contracts_in_force_and_payments_of_the_year_before(clerk):
    small_thresholds()
    coop = factories.entity(kind="cooperative")
    c, hh = linked(coop, clerk, 3)
    pay(clerk, c, hh, 100_000)                                    # 300,000 in 2023: exactly the amount
    lf.payment(actor=clerk, contract=c, household=hh[0], amount_fen=500_000, paid_on=D(2024, 2, 1))  # 2024: no
    ended, ended_hh = linked(coop, clerk, 2, end=D(2023, 12, 30), state="ended")  # not in force on 31 December
    pay(clerk, ended, ended_hh, 1, paid_on=D(2023, 6, 30))       # … but its payments of 2023 count
    suspended, _s = linked(coop, clerk, 2, state="suspended")     # not in force
    lf.contract(actor=clerk, entity=coop, households=[factories.household()], state="draft")  # never in force
    linked(coop, clerk, 1, status="risk_eliminated")              # linked, but not of a named status
    run = services.poverty_effect_compute(year=2024, actor="test")
    d = PovertyEffectDecision.objects.get(entity=coop, year=2024)
    assert d.facts["households"] == 3 and d.facts["benefits_fen"] == 300_002
    assert d.qualifies and d.unmet == [] and run.qualifying == 1
    assert d.rule_version_id == PolicyParameter.objects.get(key=POVERTY_REDUCTION_EFFECT, valid_from=D(2024, 1, 1)).pk
    assert d.facts["judged_from"] == "2023-01-01" and d.facts["judged_to"] == "2023-12-31"
    assert d.facts["thresholds"]["min_households"] == 3


@time_machine.travel("2024-06-30 12:00 +08:00")
def test_one_household_fewer_or_one_fen_less_does_not_qualify(clerk):
    small_thresholds()
    few = factories.entity(kind="enterprise")
    c, hh = linked(few, clerk, 2)
    pay(clerk, c, hh, 200_000)
    short = factories.entity(kind="cooperative")
    c2, hh2 = linked(short, clerk, 3)
    pay(clerk, c2, hh2[:2], 100_000)
    pay(clerk, c2, hh2[2:], 99_999)
    farm = factories.entity(kind="family_farm")  # not a kind the thresholds name: not judged
    services.poverty_effect_compute(year=2024, actor="test", sales_fen={})
    got = {d.entity_id: d for d in PovertyEffectDecision.objects.filter(year=2024)}
    assert got[few.pk].unmet == ["households"] and not got[few.pk].qualifies
    assert got[short.pk].unmet == ["benefits"] and got[short.pk].facts["benefits_fen"] == 299_999
    assert farm.pk not in got


@time_machine.travel("2024-06-30 12:00 +08:00")
def test_the_share_of_sales_is_passed_in_by_the_caller(clerk):
    small_thresholds()
    coop = factories.entity(kind="cooperative")
    c, hh = linked(coop, clerk, 3)
    pay(clerk, c, hh, 50_000)                                      # 150,000: below the amount
    services.poverty_effect_compute(year=2024, actor="test", sales_fen={coop.pk: 3_000_000})   # exactly 5 %
    d = PovertyEffectDecision.objects.get(entity=coop, year=2024)
    assert d.qualifies and d.facts["sales_fen"] == 3_000_000 and d.facts["share_percent"] == "5.00"
    services.poverty_effect_compute(year=2024, actor="test", sales_fen={coop.pk: 3_000_001})
    d.refresh_from_db()
    assert not d.qualifies and d.unmet == ["benefits"]


@time_machine.travel("2024-06-30 12:00 +08:00")
def test_the_latest_verification_round_decides_and_a_later_round_resolves(clerk):
    small_thresholds()
    coop = factories.entity(kind="cooperative")
    c, hh = linked(coop, clerk, 4)
    pay(clerk, c, hh, 100_000, paid_on=D(2023, 3, 31))
    admin = factories.user(roles="administrator")

    def verify(period_end, bad):
        rnd = sampling.round_draw(county_code="522627", period_start=D(2023, 1, 1), period_end=period_end, seed=1,
                                  actor=admin)
        items = list(VerificationItem.objects.filter(round=rnd, entity=coop).order_by("position"))
        assert len(items) == 2  # at least min_per_stratum (2) of the 4 households
        for i, item in enumerate(items):
            sampling.item_outcome_record(item=item, outcome=Outcome.NOT_RECEIVED if i < bad else Outcome.CONFIRMED,
                                         actor=admin)
        sampling.round_complete(round=rnd, actor=admin)

    verify(D(2023, 6, 30), 1)                                      # 1 of 2: 0.5 > 0.25
    services.poverty_effect_compute(year=2024, actor="test")
    d = PovertyEffectDecision.objects.get(entity=coop, year=2024)
    assert d.unmet == ["discrepancy"] and d.facts["verified"] == 2 and d.facts["discrepant"] == 1
    verify(D(2023, 9, 30), 0)                                      # a later round finds none: resolved
    run = services.poverty_effect_compute(year=2024, actor="test")
    d.refresh_from_db()
    assert d.qualifies and d.facts["discrepant"] == 0 and run.became == [coop.pk]


@time_machine.travel("2024-06-30 12:00 +08:00")
def test_statuses_are_read_on_the_judged_day(clerk):
    small_thresholds()
    coop = factories.entity(kind="cooperative")
    c, hh = linked(coop, clerk, 3)
    pay(clerk, c, hh, 100_000)
    registry_services.household_history_start(households=hh)
    # monitored as marginal (a status these thresholds do not name) from 1 January 2024: still counts for 2024
    registry_services.household_status_change(household=hh[0], to="monitored_marginal", effective_date=D(2024, 1, 1),
                                              actor="test")
    services.poverty_effect_compute(year=2024, actor="test")
    assert PovertyEffectDecision.objects.get(entity=coop, year=2024).facts["households"] == 3
    registry_services.household_status_change(household=hh[1], to="monitored_marginal",
                                              effective_date=D(2023, 12, 31), actor="test")
    services.poverty_effect_compute(year=2024, actor="test")
    d = PovertyEffectDecision.objects.get(entity=coop, year=2024)
    assert d.facts["households"] == 2 and d.facts["benefits_fen"] == 200_000 and not d.qualifies


# -- storing, auditing, the command, the import hook, set-based queries ------------------------------------------
@time_machine.travel("2024-06-30 12:00 +08:00")
def test_the_command_is_audited_and_an_unchanged_decision_is_not_written_again(clerk):
    small_thresholds()
    coop = factories.entity(kind="cooperative")
    c, hh = linked(coop, clerk, 3)
    pay(clerk, c, hh, 100_000)
    call_command("compute_poverty_effect", "--year", "2024")
    entry = AuditEntry.objects.get(action="linkage_poverty_effect:compute")
    assert entry.actor_name == "compute_poverty_effect" and entry.after["created"] >= 1
    assert coop.pk in entry.after["became_qualifying"]
    stamp = PovertyEffectDecision.objects.get(entity=coop).computed_at
    run = services.poverty_effect_compute(year=2024, actor="test")
    assert run.created == 0 and run.updated == 0 and run.unchanged == run.entities
    assert PovertyEffectDecision.objects.get(entity=coop).computed_at == stamp
    with pytest.raises(AccessDenied):
        services.poverty_effect_compute(year=2024, actor=clerk)
    assert selectors.qualifying_years(entity_ids=[coop.pk]) == {coop.pk: frozenset({2024})}


@time_machine.travel("2024-06-30 12:00 +08:00")
def test_a_payment_import_recomputes_the_decisions_of_its_entities(clerk, tmp_path):
    small_thresholds()
    coop = factories.entity(kind="cooperative")
    c, hh = linked(coop, clerk, 3)
    pay(clerk, c, hh[:2], 100_000)
    services.poverty_effect_compute(year=2024, actor="test")
    assert not PovertyEffectDecision.objects.get(entity=coop, year=2024).qualifies
    path = tmp_path / "payments.csv"
    path.write_text("source,external_id,contract_no,household,paid_on,amount_yuan\n"
                    f"bank,X1,{c.code},{hh[2].registry_code},2023-12-20,1000.00\n", encoding="utf-8")
    dry = imports.payment_import(path=path, file_name="payments.csv", actor=clerk, dry_run=True)
    assert dry.accepted == 1 and not PovertyEffectDecision.objects.get(entity=coop, year=2024).qualifies
    report = imports.payment_import(path=path, file_name="payments.csv", actor=clerk)
    assert report.accepted == 1 and report.extra["poverty_effect_years"] == [2024]
    d = PovertyEffectDecision.objects.get(entity=coop, year=2024)
    assert d.qualifies and d.facts["benefits_fen"] == 300_000
    assert AuditEntry.objects.filter(action="linkage_poverty_effect:compute",
                                     actor_name__contains=clerk.username).exists()


@time_machine.travel("2024-06-30 12:00 +08:00")
def test_the_computation_is_set_based(clerk, django_assert_max_num_queries):
    small_thresholds()

    def world(n):
        for _ in range(n):
            e = factories.entity(kind="cooperative")
            c, hh = linked(e, clerk, 3)
            pay(clerk, c, hh, 100_000)

    world(2)
    PovertyEffectDecision.objects.all().delete()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        services.poverty_effect_compute(year=2024, actor="test")
    world(8)
    with CaptureQueriesContext(connection) as big:
        run = services.poverty_effect_compute(year=2024, actor="test")
    assert run.entities == 10 and run.qualifying == 10
    assert len(big.captured_queries) <= len(small.captured_queries) + 2  # the writes batch, no query per entity


def test_the_seeded_thresholds_are_valid():
    seeded = PolicyParameter.objects.get(key=POVERTY_REDUCTION_EFFECT, valid_from=D(2014, 1, 1))
    t = rules.thresholds_from_value(seeded.value, seeded.pk)
    assert t.min_households == 10 and t.min_benefits_fen == 10_000_000
    assert {"enterprise", "cooperative"} == t.entity_kinds
    assert Mechanism.EMPLOYMENT  # the linkage vocabularies are importable beside the effect package


@time_machine.travel("2024-06-30 12:00 +08:00")
def test_the_entity_page_shows_the_decisions_with_their_facts_in_english_and_chinese(clerk):
    from django.test import Client

    small_thresholds()
    coop = factories.entity(kind="cooperative")
    c, hh = linked(coop, clerk, 3)
    pay(clerk, c, hh, 100_000)
    services.poverty_effect_compute(year=2024, actor="test", sales_fen={coop.pk: 12_345_600})
    viewer = factories.user(roles="viewer", scope_level="county", scope_code="522627")
    en = Client(HTTP_ACCEPT_LANGUAGE="en")
    en.force_login(viewer)
    html = en.get(f"/entities/{coop.pk}/").content.decode()
    assert "Poverty-reduction effect" in html and "Outstanding effect" in html
    assert "3,000.00" in html and "123,456.00" in html and "2.43 %" in html and "2023-01-01" in html
    zh = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    zh.force_login(viewer)
    html = zh.get(f"/entities/{coop.pk}/").content.decode()
    assert "带贫成效" in html and "已发放收益（元）" in html and "Outstanding effect" not in html
    other = factories.entity(kind="cooperative")
    services.poverty_effect_compute(year=2024, actor="test")
    html = zh.get(f"/entities/{other.pk}/").content.decode()
    assert "有效合同联结的脱贫户或监测户数不足" in html  # the unmet condition, translated


def test_the_demo_shows_an_entity_qualifying_and_purchases_on_both_bases():
    from fupin.demo.steps import STEPS
    from fupin.demo.world import World
    from fupin.ledger.models import PurchaseEntry

    world = World(seed=7, scale="small")
    for name, build in STEPS:
        build(world)
        if name == "ledger":
            break
    effect = world.extra["linkage"]["effect"]
    champion = effect["champion"]
    assert champion is not None
    for year in effect["years"]:
        d = PovertyEffectDecision.objects.get(entity=champion, year=year)
        assert d.qualifies and d.facts["households"] >= 10 and d.facts["benefits_fen"] >= 10_000_000
    counted = PurchaseEntry.objects.filter(counted=True, sign=1)
    on_effect = counted.filter(basis="poverty_reduction_effect")
    assert on_effect.exists() and set(on_effect.values_list("seller_id", flat=True)) == {champion.pk}
    assert counted.filter(basis="poverty_county").exclude(seller=champion).exists()
