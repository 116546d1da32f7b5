"""The decisions pages used to restate are answered by certification's selectors: which actions a viewer may take on
an application now, which product actions its state allows, which products an application may name, whether a
product may be complained about, and which applications a batch may list."""

from __future__ import annotations

import pytest

from fupin.certification import selectors
from fupin.certification.enums import ApplicationStatus as S
from fupin.certification.enums import ProductStatus
from fupin.certification.enums import ReviewAction as A
from tests.certification import factories as cf

pytestmark = pytest.mark.django_db


def test_application_actions_follow_the_viewer_and_the_state():
    revs = cf.reviewers()
    sup = cf.supplier()
    app = cf.submit(sup)
    assert selectors.application_actions(viewer=sup.user, application=app) == [A.WITHDRAW]
    assert selectors.application_actions(viewer=revs.county, application=app) == [A.APPROVE, A.REJECT, A.RETURN]
    assert selectors.application_actions(viewer=revs.other_county, application=app) == []
    assert selectors.application_actions(viewer=revs.prefecture, application=app) == []  # not its stage
    returned = cf.application_in(S.RETURNED, revs=revs, sup=sup)
    assert selectors.application_actions(viewer=sup.user, application=returned) == [A.RESUBMIT, A.WITHDRAW]
    assert selectors.application_actions(viewer=revs.county, application=returned) == []


def test_product_actions_and_complaints_follow_the_state():
    revs = cf.reviewers()
    product = cf.certified_product(revs=revs)
    assert selectors.product_actions(product=product) == ["suspend", "revoke"]
    assert selectors.may_complain(product=product)
    product.status = ProductStatus.SUSPENDED  # only read: the selectors look at the state they are given
    assert selectors.product_actions(product=product) == ["reinstate", "revoke"] and selectors.may_complain(product=product)
    product.status = ProductStatus.REGISTERED
    assert selectors.product_actions(product=product) == [] and not selectors.may_complain(product=product)


def test_products_to_apply_for_differ_for_new_applications_and_renewals():
    sup = cf.supplier()
    fresh = cf.product(sup)
    certified = cf.certified_product(sup=sup)
    new = set(selectors.products_to_apply_for(viewer=sup.user, supplier=sup.entity, renewal=False))
    renew = set(selectors.products_to_apply_for(viewer=sup.user, supplier=sup.entity, renewal=True))
    assert fresh in new and certified not in new
    assert certified in renew and fresh not in renew
