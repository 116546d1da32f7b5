"""The one authorisation policy: the pure rule as a literal table, and `authorise` on real users (one security
event per refusal, system actors, superusers)."""

from __future__ import annotations

import pytest

from fupin.core import access
from fupin.core.enums import SecurityEventKind
from fupin.core.errors import AccessDenied
from fupin.core.models import SecurityEvent
from fupin.core.rules import OFFICE_KINDS, access_refusal
from fupin.registry.enums import OrganisationKind
from tests import factories

OFFICE = "local_government"
COOP = "private_enterprise"

# (description, facts, requirement, expected refusal) — written out by hand, not derived from the rule.
CASES = [
    ("anonymous", dict(authenticated=False), dict(needed_roles=["viewer"]), "not_signed_in"),
    ("inactive", dict(active=False), dict(needed_roles=["viewer"]), "not_signed_in"),
    ("viewer wants clerk", dict(roles=["viewer"]), dict(needed_roles=["clerk"]), "role"),
    ("administrator holds clerk", dict(roles=["administrator"]), dict(needed_roles=["clerk"]), None),
    ("administrator is no auditor", dict(roles=["administrator"]), dict(needed_roles=["auditor"]), "role"),
    ("clerk in scope", dict(), dict(needed_roles=["clerk"], region_code="522627001", check_region=True), None),
    ("clerk out of scope", dict(), dict(needed_roles=["clerk"], region_code="130631", check_region=True), "scope"),
    ("no region only for the nation", dict(), dict(needed_roles=["clerk"], region_code=None, check_region=True),
     "scope"),
    ("nation covers no region", dict(scope_level="nation", scope_prefix=""),
     dict(needed_roles=["clerk"], region_code=None, check_region=True), None),
    ("stage level matches", dict(), dict(needed_roles=["clerk"], scope_levels=["county"]), None),
    ("stage level differs", dict(), dict(needed_roles=["clerk"], scope_levels=["province"]), "scope_level"),
    ("office acts as office", dict(), dict(needed_roles=["clerk"], office=True), None),
    ("cooperative is no office", dict(organisation_kind=COOP), dict(needed_roles=["clerk"], office=True),
     "not_office"),
    ("office at the wrong level", dict(scope_level="province", scope_prefix="52"),
     dict(needed_roles=["clerk"], office=True, office_levels=["county"]), "scope_level"),
    ("own credit code", dict(organisation_kind=COOP, organisation_credit_code="X"),
     dict(needed_roles=["clerk"], party_given=True, party_credit_code="X"), None),
    ("another seller's credit code", dict(organisation_kind=COOP, organisation_credit_code="X"),
     dict(needed_roles=["clerk"], party_given=True, party_credit_code="Y", office=True), "not_yours"),
    ("a unit above the party", dict(organisation_kind="central_unit", organisation_id=7),
     dict(needed_roles=["clerk"], party_given=True, party_organisation_ids=[9, 7]), None),
    ("a unit beside the party", dict(organisation_kind="central_unit", organisation_id=8),
     dict(needed_roles=["clerk"], party_given=True, party_organisation_ids=[9, 7]), "not_yours"),
    ("no organisation", dict(organisation_id=None, organisation_kind=None),
     dict(needed_roles=["clerk"], party_given=True, party_credit_code=None, office=True), "not_yours"),
    ("office may act for a party", dict(), dict(needed_roles=["clerk"], party_given=True, party_credit_code="Y",
                                                office=True), None),
    ("office may not act for a party without office", dict(),
     dict(needed_roles=["clerk"], party_given=True, party_credit_code="Y"), "not_yours"),
    ("administrator acts for anyone", dict(roles=["administrator"], organisation_kind=COOP),
     dict(needed_roles=["clerk"], party_given=True, party_credit_code="Y", office=True,
          office_levels=["county"]), None),
]


def _facts(**overrides):
    facts = dict(authenticated=True, active=True, roles=["clerk"], scope_level="county", scope_prefix="522627",
                 organisation_id=1, organisation_kind=OFFICE, organisation_credit_code=None)
    facts.update(overrides)
    return facts


@pytest.mark.parametrize("what,facts,requirement,expected", CASES, ids=[c[0] for c in CASES])
def test_access_refusal_table(what, facts, requirement, expected):
    assert access_refusal(**_facts(**facts), **requirement) == expected


def test_office_kinds_are_organisation_kinds():
    assert set(OrganisationKind.values) >= OFFICE_KINDS
    assert "private_enterprise" not in OFFICE_KINDS and "budget_unit" not in OFFICE_KINDS


@pytest.mark.django_db
def test_authorise_logs_one_event_and_system_actors_pass():
    coop = factories.organisation("合作社", kind=COOP, region_code="522627")
    clerk = factories.user("coop", roles="clerk", scope_level="county", scope_code="522627", organisation=coop)
    access.authorise("cli", roles=["administrator"], office=True)  # a command acts with the operator's authority
    access.authorise(clerk, roles=["clerk"], region_code="522627")
    events = SecurityEvent.objects.filter(kind=SecurityEventKind.PERMISSION_DENIED)
    with pytest.raises(AccessDenied) as refused:
        access.authorise(clerk, roles=["clerk"], region_code="522627", office=True, what="household write")
    # Inside a transaction (as in every service, and in this test) the event is left to the edge that answers ...
    assert refused.value.logged is False and events.count() == 0
    access.log_refusal(clerk, refused.value, "/api/v1/households/1/status")
    access.log_refusal(clerk, refused.value, "/api/v1/households/1/status")  # ... which logs it once
    assert events.count() == 1
    assert "household write: not_office" in events.get().detail


@pytest.mark.django_db
def test_a_superuser_is_an_administrator_for_the_nation():
    root = factories.user("root", roles="viewer", scope_level="county", scope_code="522627", organisation=None)
    root.is_superuser = True
    root.save()
    access.authorise(root, roles=["clerk"], region_code="130631", office=True, office_levels=["county"])
    assert access.is_administrator(root)
