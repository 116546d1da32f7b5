"""The linkage demo step: contracts of every mechanism, payments, each deliberate anomaly, a completed round."""

import datetime as dt

import pytest

from fupin.demo.world import World
from fupin.linkage import demo, expected, selectors
from fupin.linkage.enums import FlagKind, Mechanism
from fupin.linkage.models import BenefitPayment, Contract, VerificationRound
from tests import factories

pytestmark = pytest.mark.django_db


def small_world():
    world = World(seed=7, scale="small")
    world.users["admin"] = factories.user("admin", roles="administrator")
    for county in ("522627", "522628"):
        world.regions.setdefault("counties", []).append(factories.region(county))
        for kind in ("cooperative", "enterprise", "family_farm", "village_collective"):
            world.entities.append(factories.entity(kind=kind, region_code=county))
        for n in range(12):
            world.households.append(factories.household(village_code=f"{county}10020{n % 3 + 1}"))
    return world


def test_demo_builds_every_mechanism_payments_anomalies_and_a_round():
    world = small_world()
    demo.build(world)
    assert set(Contract.objects.values_list("mechanism", flat=True)) == set(Mechanism.values)
    assert set(Contract.objects.values_list("status", flat=True)) == {"draft", "active", "suspended", "ended"}
    assert BenefitPayment.objects.filter(amount_fen__lt=0).count() == 1
    assert BenefitPayment.objects.count() > 100
    found = expected.flags(viewer=world.users["admin"], on=world.today)
    assert {f.kind for f in found} == {FlagKind.NO_PAYMENT, FlagKind.BELOW_TERMS, FlagKind.PRICE_BELOW_PROTECTED,
                                       FlagKind.MANY_ENTITIES}
    rnd = VerificationRound.objects.get()
    assert rnd.status == "completed" and rnd.seed == 7
    flagged = selectors.verification_flags(entity_ids=[e.pk for e in world.entities])
    assert world.extra["linkage"]["anomalies"]["verification_flagged_entity"] in flagged
    assert world.today == dt.date(2026, 11, 29)

