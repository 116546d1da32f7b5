"""Each user is offered only the actions its role and the object's state allow (issue #14): the supplier pages act
for the viewer's own organisation (or an authorised one) under an "acting for …" banner, reviewers are not offered
the supplier's withdrawal, suppliers do not see the review queue."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from fupin.certification import services
from fupin.certification.models import Product
from tests import factories
from tests.certification import factories as cf

pytestmark = pytest.mark.django_db


def nav_links(html: str) -> list[str]:
    """The hrefs of the side navigation and the certification sub-navigation."""
    return re.findall(r'<a href="([^"]+)"[^>]*>', html)


def test_the_supplier_page_acts_for_the_own_organisation_with_a_banner(client_for):
    sup = cf.supplier()
    neighbour = cf.supplier()
    c = client_for(sup.user)
    html = c.get("/certification/supplier/").content.decode()
    assert 'id="acting-for"' in html and f"Acting for {sup.entity.name}" in html and "your own organisation" in html
    assert neighbour.entity.name not in html
    assert 'id="supplier"' not in html  # no choice of entity: there is only one
    assert c.get(f"/certification/supplier/?supplier={neighbour.entity.pk}").status_code == 404
    assert c.get(f"/certification/supplier/products/new/?supplier={neighbour.entity.pk}").status_code == 404
    zh = client_for(sup.user, "zh-hans").get("/certification/supplier/").content.decode()
    assert f"代表{sup.entity.name}办理" in zh and "本单位" in zh


def test_a_county_office_clerk_gets_no_supplier_without_a_grant_and_a_banner_with_one(client_for):
    sup = cf.supplier()
    clerk = factories.user("office_clerk", roles="clerk", scope_level="county", scope_code=cf.COUNTY)
    c = client_for(clerk)
    html = c.get("/certification/supplier/").content.decode()
    assert sup.entity.name not in html and 'id="acting-for"' not in html
    assert "/certification/supplier/" not in nav_links(html)
    r = c.post("/certification/supplier/products/new/", {
        "supplier": sup.entity.pk, "name": "X", "category": "handicraft", "unit": "kg", "origin": cf.VILLAGE,
        "annual_capacity": "10", "reference_price": "1", "price": "1"})
    assert r.status_code == 404 and not Product.objects.filter(supplier=sup.entity).exists()
    approver = factories.user("office_approver", roles="approver", scope_level="county", scope_code=cf.COUNTY)
    services.supplier_authorisation_grant(organisation=clerk.organisation, entity=sup.entity, actor=approver,
                                          valid_from=dt.date(2020, 1, 1), reason="helps")
    html = c.get("/certification/supplier/").content.decode()
    assert f"Acting for {sup.entity.name}" in html and "acting-for--behalf" in html
    assert "authorised by" in html and "until revoked" in html
    assert "/certification/supplier/" in nav_links(html)
    zh = client_for(clerk, "zh-hans").get("/certification/supplier/").content.decode()
    assert f"代表{sup.entity.name}办理" in zh and "受供应商委托" in zh


def test_a_reviewer_is_not_offered_the_withdrawal_and_the_supplier_not_the_review(client_for):
    cf.reviewers()
    sup = cf.supplier()
    app = cf.submit(sup)
    county = factories.user("clerk_reviewer", roles="clerk,reviewer", scope_level="county", scope_code=cf.COUNTY)
    html = client_for(county).get(f"/certification/applications/{app.pk}/").content.decode()
    assert 'id="decide"' in html and 'value="approve"' in html
    assert "Withdraw the application" not in html and 'value="withdraw"' not in html
    assert 'id="acting-for"' not in html
    html = client_for(sup.user).get(f"/certification/applications/{app.pk}/").content.decode()
    assert "Withdraw the application" in html and 'id="decide"' not in html
    assert f"Acting for {sup.entity.name}" in html
    # the refusal holds when the form is posted anyway
    r = client_for(county).post(f"/certification/applications/{app.pk}/supplier/", {"action": "withdraw"})
    app.refresh_from_db()
    assert app.status == "submitted" and r.status_code in (302, 403)


def test_navigation_follows_what_the_user_may_do(client_for):
    revs = cf.reviewers()
    sup = cf.supplier()
    html = client_for(sup.user).get("/certification/supplier/").content.decode()
    links = nav_links(html)
    assert "/certification/queue/" not in links and "Review queue" not in html
    assert "/certification/supplier/" in links
    html = client_for(revs.county).get("/certification/queue/").content.decode()
    links = nav_links(html)
    assert "/certification/queue/" in links and "/certification/supplier/" not in links
    html = client_for(revs.prefecture).get("/certification/applications/").content.decode()
    assert "/certification/queue/" in nav_links(html)  # the prefecture decides a stage too
