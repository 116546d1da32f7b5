"""Acting for the right organisation (issue #14): a supplier's clerk acts for its own legal person and for the entities
its organisation is explicitly authorised for; a county office's clerk acts for a supplier only under such a grant;
acting on another's behalf is named in the audit entry; grants are audited when given and revoked."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin.certification import policy, selectors, services
from fupin.certification.enums import ApplicationStatus as S
from fupin.certification.enums import ReviewAction as A
from fupin.certification.models import Application, Product, SupplierAuthorisation
from fupin.core.errors import AccessDenied, Conflict, InvalidInput
from fupin.core.models import AuditEntry
from fupin.core.services import user_create
from tests import factories
from tests.certification import factories as cf

pytestmark = pytest.mark.django_db


def _product_for(entity, actor, name="Tea"):
    return services.product_create(supplier=entity, name=name, category="handicraft", unit="kg",
                                   origin_region=factories.region(cf.VILLAGE), annual_capacity=100_000,
                                   reference_price_fen=10_000, price_fen=10_500, actor=actor)


def _county_office_clerk(name="office_clerk"):
    return factories.user(name, roles="clerk", scope_level="county", scope_code=cf.COUNTY)


def _county_approver(name="office_approver"):
    return factories.user(name, roles="approver", scope_level="county", scope_code=cf.COUNTY)


def test_a_supplier_acts_for_its_own_organisation_only():
    sup = cf.supplier()
    neighbour = cf.supplier()  # another cooperative of the same county
    household_entity = factories.entity(kind="poor_household", region_code=cf.COUNTY)
    assert list(selectors.supplier_entities(viewer=sup.user)) == [sup.entity]
    acting = selectors.acting_for(viewer=sup.user, supplier=sup.entity)
    assert acting is not None and acting.basis == policy.Basis.OWN and not acting.on_behalf
    assert selectors.may_act_for_supplier(viewer=sup.user, supplier=sup.entity)
    assert not selectors.may_act_for_supplier(viewer=sup.user, supplier=neighbour.entity)
    assert not selectors.may_act_for_supplier(viewer=sup.user, supplier=household_entity)
    product = _product_for(sup.entity, sup.user)
    entry = AuditEntry.objects.get(action="product:create", object_id=str(product.pk))
    assert entry.after["acting_for"] == {"entity": sup.entity.pk, "entity_name": sup.entity.name,
                                         "credit_code": sup.entity.credit_code, "basis": "own"}


def test_another_cooperative_of_the_county_is_refused_and_logged():
    sup = cf.supplier()
    neighbour = cf.supplier()
    with pytest.raises(AccessDenied) as err:
        _product_for(neighbour.entity, sup.user)
    assert err.value.status == 403
    assert neighbour.entity.name in str(err.value.message)
    assert not Product.objects.filter(supplier=neighbour.entity).exists()
    with pytest.raises(AccessDenied):
        services.application_submit(supplier=neighbour.entity, items=[], household_refs=[], actor=sup.user,
                                    today=cf.D0)
    app = cf.submit(neighbour)
    with pytest.raises(AccessDenied):
        services.application_withdraw(application=app, actor=sup.user, today=cf.D0)
    app.refresh_from_db()
    assert app.status == S.SUBMITTED


def test_a_county_office_clerk_acts_for_no_supplier_without_a_grant():
    sup = cf.supplier()
    clerk = _county_office_clerk()
    assert list(selectors.supplier_entities(viewer=clerk)) == []
    assert not selectors.offers_supplier_pages(viewer=clerk)
    assert not selectors.may_act_for_supplier(viewer=clerk, supplier=sup.entity)
    with pytest.raises(AccessDenied):
        _product_for(sup.entity, clerk)
    app = cf.submit(sup)
    assert selectors.actions_for(viewer=clerk, application=app) == []


def test_an_authorised_entity_is_offered_and_each_action_names_the_grant():
    sup = cf.supplier()
    member = cf.supplier()  # a family farm that mandated the cooperative
    grant = services.supplier_authorisation_grant(organisation=sup.user.organisation, entity=member.entity,
                                                  actor=member.user, valid_from=dt.date(2020, 1, 1),
                                                  reason="mandate of 2020-01-01")
    assert AuditEntry.objects.filter(action="supplier_authorisation:grant", object_id=str(grant.pk)).exists()
    assert set(selectors.supplier_entities(viewer=sup.user, on=cf.D0)) == {sup.entity, member.entity}
    acting = selectors.acting_for(viewer=sup.user, supplier=member.entity, on=cf.D0)
    assert acting is not None and acting.basis == policy.Basis.AUTHORISED and acting.authorisation == grant
    product = _product_for(member.entity, sup.user)
    assert AuditEntry.objects.get(action="product:create", object_id=str(product.pk)).after["acting_for"][
        "authorisation"] == grant.pk
    app = services.application_submit(supplier=member.entity, items=[services.ItemInput(product, 2000)],
                                      household_refs=member.refs, actor=sup.user, today=cf.D0)
    submitted = AuditEntry.objects.get(action="application:submit", object_id=str(app.pk))
    assert submitted.after["acting_for"]["basis"] == "authorised"
    assert selectors.actions_for(viewer=sup.user, application=app) == [A.WITHDRAW]
    services.application_withdraw(application=app, actor=sup.user, today=cf.D0)
    behalf = AuditEntry.objects.get(action="supplier:act_for", object_id=str(app.pk))
    assert behalf.after == {"action": "application:withdraw", "acting_for": {
        "entity": member.entity.pk, "entity_name": member.entity.name, "credit_code": member.entity.credit_code,
        "basis": "authorised", "authorisation": grant.pk, "organisation": sup.user.organisation.pk}}


def test_a_grant_counts_only_in_its_period_and_until_revoked():
    sup = cf.supplier()
    member = cf.supplier()
    grant = services.supplier_authorisation_grant(organisation=sup.user.organisation, entity=member.entity,
                                                  actor=member.user, valid_from=dt.date(2020, 1, 1),
                                                  valid_to=dt.date(2020, 12, 31))
    assert selectors.may_act_for_supplier(viewer=sup.user, supplier=member.entity, on=dt.date(2020, 6, 1))
    assert not selectors.may_act_for_supplier(viewer=sup.user, supplier=member.entity, on=dt.date(2021, 1, 1))
    assert not selectors.may_act_for_supplier(viewer=sup.user, supplier=member.entity, on=dt.date(2019, 12, 31))
    with pytest.raises(Conflict):  # overlapping grant
        services.supplier_authorisation_grant(organisation=sup.user.organisation, entity=member.entity,
                                              actor=member.user, valid_from=dt.date(2020, 6, 1))
    with pytest.raises(AccessDenied):  # the grantee may not revoke the entity's grant
        services.supplier_authorisation_revoke(authorisation=grant, actor=sup.user, reason="no")
    services.supplier_authorisation_revoke(authorisation=grant, actor=member.user, reason="mandate ended")
    entry = AuditEntry.objects.get(action="supplier_authorisation:revoke", object_id=str(grant.pk))
    assert entry.reason == "mandate ended" and entry.after["revoke_reason"] == "mandate ended"
    assert not selectors.may_act_for_supplier(viewer=sup.user, supplier=member.entity, on=dt.date(2020, 6, 1))
    with pytest.raises(Conflict):
        services.supplier_authorisation_revoke(authorisation=grant, actor=member.user, reason="again")


def test_county_staff_with_a_grant_act_for_the_supplier_and_are_audited():
    sup = cf.supplier()
    clerk = _county_office_clerk()
    approver = _county_approver()
    with pytest.raises(AccessDenied):  # a clerk may not grant its own office the permission
        services.supplier_authorisation_grant(organisation=clerk.organisation, entity=sup.entity, actor=clerk)
    grant = services.supplier_authorisation_grant(organisation=clerk.organisation, entity=sup.entity, actor=approver,
                                                  valid_from=dt.date(2020, 1, 1), reason="helps the household")
    assert list(selectors.supplier_entities(viewer=clerk, on=cf.D0)) == [sup.entity]
    product = _product_for(sup.entity, clerk)
    app = services.application_submit(supplier=sup.entity, items=[services.ItemInput(product, 2000)],
                                      household_refs=sup.refs, actor=clerk, today=cf.D0)
    after = AuditEntry.objects.get(action="application:submit", object_id=str(app.pk)).after["acting_for"]
    assert after["basis"] == "authorised" and after["authorisation"] == grant.pk
    assert after["organisation"] == clerk.organisation.pk
    # another county's office approver may not grant for this county's entity
    other_approver = factories.user("other_approver", roles="approver", scope_level="county",
                                    scope_code=cf.OTHER_COUNTY)
    with pytest.raises(AccessDenied):
        services.supplier_authorisation_grant(organisation=other_approver.organisation, entity=sup.entity,
                                              actor=other_approver)


def test_a_grant_does_not_reach_outside_the_clerks_region_scope():
    far = cf.supplier(region_code=cf.OTHER_COUNTY)
    clerk = _county_office_clerk()
    services.supplier_authorisation_grant(organisation=clerk.organisation, entity=far.entity, actor="cli",
                                          valid_from=dt.date(2020, 1, 1))
    assert list(selectors.supplier_entities(viewer=clerk, on=cf.D0)) == []
    with pytest.raises(AccessDenied):
        _product_for(far.entity, clerk)


def test_grant_inputs_are_checked():
    sup = cf.supplier()
    member = cf.supplier()
    with pytest.raises(InvalidInput):
        services.supplier_authorisation_grant(organisation=sup.user.organisation, entity=sup.entity, actor="cli")
    with pytest.raises(InvalidInput):
        services.supplier_authorisation_grant(organisation=sup.user.organisation, entity=member.entity, actor="cli",
                                              valid_from=dt.date(2020, 2, 1), valid_to=dt.date(2020, 1, 1))
    assert not SupplierAuthorisation.objects.exists()


def test_reviewers_are_offered_the_review_not_the_suppliers_actions():
    revs = cf.reviewers()
    sup = cf.supplier()
    both = factories.user("clerk_reviewer", roles="clerk,reviewer", scope_level="county", scope_code=cf.COUNTY)
    app = cf.submit(sup)
    assert selectors.actions_for(viewer=both, application=app) == [A.APPROVE, A.REJECT, A.RETURN]
    assert A.WITHDRAW not in selectors.actions_for(viewer=revs.county, application=app)
    assert selectors.actions_for(viewer=sup.user, application=app) == [A.WITHDRAW]
    assert selectors.offers_review_queue(viewer=revs.county) and not selectors.offers_review_queue(viewer=sup.user)
    assert selectors.offers_supplier_pages(viewer=sup.user) and not selectors.offers_supplier_pages(viewer=both)
    assert Application.objects.get(pk=app.pk).status == S.SUBMITTED


def test_the_admin_grants_and_revokes_through_the_services(client):
    sup = cf.supplier()
    member = cf.supplier()
    admin = user_create(username="grant_admin", password="correct-horse-42", roles="administrator",
                        scope_level="nation", is_superuser=True)  # the Django admin is for superusers
    client.force_login(admin)
    r = client.post("/admin/certification/supplierauthorisation/add/", {
        "organisation": sup.user.organisation.pk, "entity": member.entity.pk, "valid_from": "2020-01-01",
        "valid_to": "", "reason": "mandate"})
    assert r.status_code == 302, r.content.decode()[:2000]
    grant = SupplierAuthorisation.objects.get()
    assert grant.granted_by == admin and grant.reason == "mandate"
    assert AuditEntry.objects.filter(action="supplier_authorisation:grant", object_id=str(grant.pk)).exists()
    r = client.post("/admin/certification/supplierauthorisation/add/", {  # overlapping: refused on the form
        "organisation": sup.user.organisation.pk, "entity": member.entity.pk, "valid_from": "2020-06-01",
        "reason": "again"})
    assert r.status_code == 200 and "already authorised" in r.content.decode()
    assert SupplierAuthorisation.objects.count() == 1
    r = client.post("/admin/certification/supplierauthorisation/", {"action": "revoke", "_selected_action": [grant.pk]})
    assert r.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None and grant.revoked_by == admin
    assert AuditEntry.objects.filter(action="supplier_authorisation:revoke", object_id=str(grant.pk)).exists()
