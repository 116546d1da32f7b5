"""The Django admin saves registry objects through the services: validated and audited."""

from __future__ import annotations

import pytest
from django.test import Client

from fupin.core.models import AuditEntry
from fupin.registry.models import Household, MarketEntity, Organisation, Region
from tests import factories
from tests.registry import factories as rf

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db):
    rf.regions()
    user = factories.user("root", roles="administrator")
    user.is_superuser = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


def test_every_registry_admin_page_opens(admin_client):
    org = factories.organisation("单位")
    for path in ("region", "regioncodechange", "organisation", "marketentity", "household", "assistancerelation"):
        assert admin_client.get(f"/admin/registry/{path}/").status_code == 200, path
        if path != "regioncodechange":
            assert admin_client.get(f"/admin/registry/{path}/add/").status_code == 200, path
    assert admin_client.get(f"/admin/registry/organisation/{org.pk}/change/").status_code == 200


def test_admin_creates_through_the_service(admin_client):
    region = Region.objects.get(code=rf.COUNTY)
    r = admin_client.post("/admin/registry/organisation/add/", {
        "name": "天柱县乡村振兴局", "credit_code": factories.uscc(3), "kind": "local_government",
        "region": region.pk, "parent": "", "active": "on"})
    assert r.status_code == 302, r.content.decode()[:2000]
    org = Organisation.objects.get(name="天柱县乡村振兴局")
    assert AuditEntry.objects.get(action="organisation:create", object_id=str(org.pk)).actor_name == "root"


def test_admin_shows_domain_errors_and_writes_nothing(admin_client):
    region = Region.objects.get(code=rf.COUNTY)
    r = admin_client.post("/admin/registry/marketentity/add/", {
        "name": "无证企业", "kind": "enterprise", "credit_code": "", "region": region.pk, "household": "",
        "active": "on"})
    assert r.status_code == 200 and "credit code is required" in r.content.decode()
    assert not MarketEntity.objects.exists()


def test_admin_household_takes_the_resident_id_and_status_is_a_transition(admin_client):
    village = Region.objects.get(code=rf.VILLAGE)
    number = factories.resident_id(4)
    r = admin_client.post("/admin/registry/household/add/", {
        "resident_id": number, "registry_code": "", "village": village.pk, "size": 3, "status": "registered_poor",
        "lifted_year": "", "head_name": "张三", "phone": ""})
    assert r.status_code == 302, r.content.decode()[:3000]
    household = Household.objects.get()
    assert number not in str(Household.objects.values().get())
    r = admin_client.post(f"/admin/registry/household/{household.pk}/change/", {
        "registry_code": household.registry_code, "village": village.pk, "size": 4, "status": "monitored",
        "lifted_year": "", "head_name": "张三", "phone": ""})
    assert r.status_code == 302, r.content.decode()[:3000]
    household.refresh_from_db()
    assert (household.status, household.size) == ("monitored", 4)
    actions = set(AuditEntry.objects.filter(object_type="registry.household").values_list("action", flat=True))
    assert actions == {"household:create", "household:monitor", "household:update"}
    assert admin_client.post(f"/admin/registry/household/{household.pk}/delete/").status_code == 403
