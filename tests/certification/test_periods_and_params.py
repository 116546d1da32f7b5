"""Certified periods written by the transitions, and the dated parameters across a change of year."""

import datetime as dt

import pytest

from fupin.certification import parameters, selectors, services
from fupin.certification.models import Blacklisting
from fupin.core.errors import InvalidInput
from fupin.core.services import policy_parameter_create

from . import factories as cf

pytestmark = pytest.mark.django_db
D = dt.date


def periods(product):
    return selectors.certified_periods(product_ids=[product.pk]).get(product.pk, [])


def test_listing_suspension_reinstatement_revocation_shape_the_periods():
    revs = cf.reviewers()
    product = cf.certified_product(revs=revs)
    start, until = cf.LIST_DAY, product.certified_until
    assert until == start + dt.timedelta(days=1095 - 1)
    assert periods(product) == [(start, until)]
    services.product_suspend(product=product, actor=revs.county, reason="lab test failed", today=D(2020, 9, 1))
    assert periods(product) == [(start, D(2020, 9, 1))]
    assert selectors.product_certified_on(product_id=product.pk, on=D(2020, 9, 1))
    assert not selectors.product_certified_on(product_id=product.pk, on=D(2020, 9, 2))
    services.product_reinstate(product=product, actor=revs.county, reason="retest passed", today=D(2020, 10, 1))
    assert periods(product) == [(start, D(2020, 9, 1)), (D(2020, 10, 1), until)]
    services.product_revoke(product=product, actor=revs.province, reason_kind="fraud", reason="fake origin",
                            today=D(2021, 3, 1))
    assert periods(product) == [(start, D(2020, 9, 1)), (D(2020, 10, 1), D(2021, 3, 1))]
    black = Blacklisting.objects.get(supplier=product.supplier)
    assert (black.start, black.end) == (D(2021, 3, 1), D(2021, 3, 1) + dt.timedelta(days=1095 - 1))


def test_reinstating_the_next_day_merges_the_period():
    revs = cf.reviewers()
    product = cf.certified_product(revs=revs)
    services.product_suspend(product=product, actor=revs.county, reason="check", today=D(2020, 9, 1))
    services.product_reinstate(product=product, actor=revs.county, reason="ok", today=D(2020, 9, 2))
    assert periods(product) == [(cf.LIST_DAY, product.certified_until)]


def test_expiry_then_renewal_adds_a_period_and_blacklisted_supplier_cannot_apply():
    revs = cf.reviewers()
    sup = cf.supplier()
    product = cf.certified_product(revs=revs, sup=sup)
    first_end = product.certified_until
    assert services.products_expire(today=first_end) == 0
    assert services.products_expire(today=first_end + dt.timedelta(days=1)) == 1
    product.refresh_from_db()
    assert product.status == "expired"
    # renewal two months after expiry
    day = first_end + dt.timedelta(days=60)
    app = services.application_submit(supplier=sup.entity, items=[services.ItemInput(product, 2000)],
                                      household_refs=sup.refs, kind="renewal", actor=sup.user, today=day)
    for action, actor, offset in [("approve", revs.county, 0), ("close_notice", revs.county, 10),
                                  ("approve", revs.prefecture, 11), ("approve", revs.province, 12),
                                  ("approve", revs.nation, 13)]:
        services.application_decide(application=app, action=action, actor=actor, reason="ok",
                                    today=day + dt.timedelta(days=offset))
    cf.publish(revs, [app], day=day + dt.timedelta(days=25))
    product.refresh_from_db()
    assert product.status == "certified" and product.certificates.count() == 2
    assert periods(product) == [(cf.LIST_DAY, first_end),
                                (day + dt.timedelta(days=25), day + dt.timedelta(days=25 + 1095 - 1))]
    assert not selectors.product_certified_on(product_id=product.pk, on=first_end + dt.timedelta(days=30))
    # revocation blacklists the supplier: a new application is refused with the reason
    services.product_revoke(product=product, actor=revs.nation, reason_kind="quality_incident", reason="recall",
                            today=day + dt.timedelta(days=100))
    with pytest.raises(InvalidInput) as err:
        cf.submit(sup, today=day + dt.timedelta(days=101))
    failed = [v["rule"] for v in err.value.details["verdicts"] if not v["ok"]]
    assert "not_blacklisted" in failed


def test_parameters_across_a_change_of_year():
    admin = cf.factories.user("paramadmin", roles="administrator")
    sup = cf.supplier(households=6)
    policy_parameter_create(key=parameters.MIN_POOR_HOUSEHOLDS, value=8, valid_from=D(2021, 1, 1), actor=admin)
    policy_parameter_create(key=parameters.COUNTY_NOTICE_DAYS, value=7, valid_from=D(2021, 1, 1), actor=admin)
    p2020 = parameters.precheck_params(on=D(2020, 12, 31))
    p2021 = parameters.precheck_params(on=D(2021, 1, 1))
    assert (p2020.min_poor_households, p2021.min_poor_households) == (5, 8)
    assert p2020.versions[parameters.MIN_POOR_HOUSEHOLDS] != p2021.versions[parameters.MIN_POOR_HOUSEHOLDS]
    # on the last day of 2020 six households are enough ...
    app = cf.submit(sup, today=D(2020, 12, 31))
    assert app.param_versions == p2020.versions
    # ... on the first day of 2021 they are not, and the reason says so
    with pytest.raises(InvalidInput) as err:
        cf.submit(sup, today=D(2021, 1, 1))
    reasons = {v["rule"]: v["reason"] for v in err.value.details["verdicts"] if not v["ok"]}
    assert set(reasons) == {"poor_households"} and "at least 8" in reasons["poor_households"]
    # the notice length in force on the day of the county decision applies
    revs = cf.reviewers()
    services.application_decide(application=app, action="approve", actor=revs.county, reason="ok", today=D(2020, 12, 31))
    assert (app.notice_start, app.notice_end) == (D(2020, 12, 31), D(2021, 1, 4))
    app2 = cf.submit(cf.supplier(households=8), today=D(2021, 1, 2))
    services.application_decide(application=app2, action="approve", actor=revs.county, reason="ok", today=D(2021, 1, 2))
    assert app2.notice_end == D(2021, 1, 8)


def test_eligible_region_set_changes_with_the_year():
    admin = cf.factories.user("paramadmin2", roles="administrator")
    cf.factories.region(cf.OTHER_COUNTY)
    sup = cf.supplier(region_code=cf.OTHER_COUNTY)  # Hebei county, not a poverty county
    product = cf.product(sup, origin=cf.OTHER_COUNTY)
    with pytest.raises(InvalidInput) as err:
        cf.submit(sup, [product], today=D(2021, 6, 1))
    assert {v["rule"] for v in err.value.details["verdicts"] if not v["ok"]} == {"registered_area", "origin_area"}
    policy_parameter_create(key=parameters.ELIGIBLE_AREAS, valid_from=D(2021, 1, 1), actor=admin, value={
        "provinces": parameters.PROVINCES_22, "poverty_areas_only": True, "extra_prefixes": ["130631"]})
    app = cf.submit(sup, [product], today=D(2021, 6, 1))
    assert app.status == "submitted"
