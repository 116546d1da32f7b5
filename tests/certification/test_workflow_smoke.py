import pytest

from fupin.certification import selectors
from fupin.certification.enums import ApplicationStatus as S

from . import factories as cf

pytestmark = pytest.mark.django_db


def test_full_path_to_catalogue():
    revs = cf.reviewers()
    app = cf.application_in(S.CERTIFIED, revs=revs)
    assert app.status == S.CERTIFIED
    product = app.items.get().product
    product.refresh_from_db()
    assert product.status == "certified"
    periods = selectors.certified_periods(product_ids=[product.pk])[product.pk]
    assert periods[0][0] == cf.LIST_DAY
    cert = product.certificates.get()
    assert selectors.verify_code(code=cert.code, on=cf.LIST_DAY)["valid"] is True
