"""The case library: submission within the submitter's scope (links to entities and relations outside it refused),
photos recognised by their bytes within the dated limits, review → publication audited (never by the submitting
body), live figures of what a case links to equal to the account's totals, search and filters."""

from __future__ import annotations

import io

import pytest

from fupin.core.errors import AccessDenied, Conflict, InvalidInput, NotFound, TransitionNotAllowed
from fupin.core.models import AuditEntry, PolicyParameter
from fupin.leadership import parameters, rules, selectors, services
from fupin.leadership.enums import CaseStatus
from fupin.ledger import selectors as ledger
from fupin.linkage.models import BenefitPayment

from . import factories as lf

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return lf.world()


def test_a_case_is_submitted_with_tags_and_links_in_scope(w):
    c = lf.case(w, entity_id=w.seller.pk, relation_id=w.rel_designated.pk, tags="订单，合作社、 订单 Linkage")
    assert c.status == CaseStatus.SUBMITTED and c.submitted_by == w.tianzhu
    assert c.tags == ["订单", "合作社", "linkage"] and c.tag_text == ",订单,合作社,linkage,"
    assert AuditEntry.objects.filter(action="case:submit", object_id=str(c.pk)).count() == 1


@pytest.mark.parametrize("link", ["entity", "relation"])
def test_a_link_outside_the_submitters_scope_is_refused(w, link):
    fields = ({"entity_id": w.other_seller.pk} if link == "entity"     # a seller of another county
              else {"relation_id": w.rel_east_west.pk})                  # Zhejiang → Guizhou: above the county
    with pytest.raises(InvalidInput) as refused:
        lf.case(w, **fields)
    assert refused.value.code == "link_outside_scope"
    assert refused.value.details["field"] == f"{link}_id"
    with pytest.raises(InvalidInput) as missing:  # the same answer for something that does not exist
        lf.case(w, **{f"{link}_id": 987_654})
    assert str(missing.value.message).replace("987654", "X") == str(refused.value.message).replace(
        str(fields[f"{link}_id"]), "X")


def test_a_case_for_a_region_outside_scope_or_with_bad_fields_is_refused(w):
    with pytest.raises(AccessDenied):
        lf.case(w, region_code=lf.OTHER_COUNTY)
    with pytest.raises(InvalidInput) as bad:
        lf.case(w, region_code="999999", title=" ", kind="novel", tags=",".join(f"t{i}" for i in range(20)))
    fields = [e["field"] for e in bad.value.details["errors"]]
    assert fields == ["region_code", "title", "kind", "tags"]


def test_photos_are_images_by_their_content_and_within_the_limits(w):
    c = lf.case(w)
    u = w.users["tianzhu"]
    photo = services.case_photo_add(case=c, file=io.BytesIO(lf.png(4, 3)), caption="收购现场", actor=u)
    assert (photo.content_type, photo.width, photo.height) == ("image/png", 4, 3)
    assert services.case_photo_add(case=c, file=lf.jpeg(3, 2), actor=u).content_type == "image/jpeg"
    for data, code in [(b"<script>alert(1)</script>", "not_an_image"),
                       (b"GIF89a" + b"<script>alert(1)</script>", "not_an_image"),  # an image's signature only
                       (lf.png()[:40], "not_an_image"),                               # a truncated PNG
                       (b"", "empty_file")]:
        with pytest.raises(InvalidInput) as refused:
            services.case_photo_add(case=c, file=io.BytesIO(data), actor=u)
        assert refused.value.code == code, data
    limit = selectors.photo_limits()["max_bytes"]
    with pytest.raises(InvalidInput) as large:
        services.case_photo_add(case=c, file=io.BytesIO(lf.png(padding=limit)), actor=u)
    assert large.value.code == "photo_too_large" and str(limit) in str(large.value.message)
    assert c.photos.count() == 2


def test_photo_limits_are_dated_parameters(w):
    PolicyParameter.objects.filter(key=parameters.CASE_PHOTOS).update(value={"max_bytes": 100, "max_photos": 1})
    c = lf.case(w)
    with pytest.raises(InvalidInput) as large:
        services.case_photo_add(case=c, file=lf.png(padding=200), actor=w.users["tianzhu"])
    assert large.value.code == "photo_too_large"
    services.case_photo_add(case=c, file=lf.png(), actor=w.users["tianzhu"])
    with pytest.raises(InvalidInput) as many:
        services.case_photo_add(case=c, file=lf.png(), actor=w.users["tianzhu"])
    assert many.value.code == "too_many_photos"


def test_review_publication_is_audited_and_not_by_the_submitter(w):
    c = lf.case(w)
    with pytest.raises(AccessDenied):
        services.case_step(case=c, step="publish", actor=w.users["tianzhu"])  # its own case
    with pytest.raises(AccessDenied):
        services.case_step(case=c, step="publish", actor=w.users["zhejiang"])  # outside the region
    with pytest.raises(InvalidInput):
        services.case_step(case=c, step="reject", reason="", actor=w.users["guizhou"])
    services.case_step(case=c, step="publish", actor=w.users["guizhou"])
    c.refresh_from_db()
    assert c.status == CaseStatus.PUBLISHED and c.published_at is not None
    with pytest.raises(TransitionNotAllowed):
        services.case_step(case=c, step="publish", actor=w.users["office"])
    with pytest.raises(Conflict):
        services.case_photo_add(case=c, file=lf.png(), actor=w.users["tianzhu"])
    services.case_feature(case=c, featured=True, actor=w.users["office"])
    assert selectors.case_featured() == [c]
    services.case_step(case=c, step="withdraw", reason="outdated", actor=w.users["tianzhu"])
    c.refresh_from_db()
    assert c.status == CaseStatus.WITHDRAWN and not c.featured and selectors.case_featured() == []
    actions = list(AuditEntry.objects.filter(object_type="leadership.case", object_id=str(c.pk)).order_by("id")
                   .values_list("action", flat=True))
    assert actions == ["case:submit", "case:publish", "case:feature", "case:withdraw"]


def test_who_sees_a_case(w):
    c = lf.case(w)
    assert selectors.case_get(viewer=w.users["qdn"], pk=c.pk) == c          # the prefecture above
    with pytest.raises(NotFound):
        selectors.case_get(viewer=w.users["zhejiang"], pk=c.pk)            # not published, elsewhere
    assert list(selectors.case_public_list()) == []
    services.case_step(case=c, step="publish", actor=w.users["guizhou"])
    assert selectors.case_get(viewer=w.users["zhejiang"], pk=c.pk) == c
    assert selectors.case_public_get(pk=c.pk) == c


def test_figures_on_a_case_equal_the_accounts_totals(w):
    w.book(buyer=w.unit, amount="300.00", date="2024-02-10")
    w.book(buyer=w.unit, amount="45.50", date="2024-05-10", kind="helped_sale")
    w.book(buyer=w.private, amount="80.00", date="2023-04-01")
    w.book(buyer=w.unit, amount="999.00", date="2024-02-11", seller=w.other_seller)
    c = lf.case(w, entity_id=w.seller.pk, relation_id=w.rel_designated.pk)
    services.case_step(case=c, step="publish", actor=w.users["guizhou"])
    figs = selectors.case_figures(case=c)
    office = w.users["office"]
    seller = ledger.account_totals(viewer=office, filters={"seller": w.seller.pk})
    assert figs["entity"]["sales_fen"] == seller[0]["amount_fen"] == 425_50
    assert figs["entity"]["helped_sale_fen"] == 45_50
    rel = ledger.account_totals(viewer=office, filters={"scheme": "designated_assistance",
                                                       "relation": [w.rel_designated.pk]})
    assert figs["relation"]["total_fen"] == (rel[0]["amount_fen"] if rel else 0)
    assert figs["relation"]["total_fen"] > 0
    year = selectors.case_figures(case=c, year=2023)
    assert year["entity"]["sales_fen"] == ledger.account_totals(
        viewer=office, filters={"seller": w.seller.pk, "year": 2023})[0]["amount_fen"] == 80_00
    assert figs["entity"]["benefits_shown"] is False and figs["entity"]["benefits_fen"] is None
    assert BenefitPayment.objects.count() == 0


def test_search_and_filters(w):
    a = lf.case(w, title="冷链物流", tags="物流", kind="experience")
    b = lf.case(w, title="电商直播", tags="电商, 直播", text="<b>直播</b> 带货")
    for c in (a, b):
        services.case_step(case=c, step="publish", actor=w.users["guizhou"])
    v = w.users["zhejiang"]
    assert list(selectors.case_list(viewer=v, q="直播")) == [b]
    assert list(selectors.case_list(viewer=v, tag="物流")) == [a]
    assert list(selectors.case_list(viewer=v, kind="experience")) == [a]
    assert set(selectors.case_list(viewer=v, region_code=lf.PROVINCE)) == {a, b}
    assert list(selectors.case_list(viewer=v, region_code="330000")) == []
    assert dict(selectors.tag_cloud()) == {"物流": 1, "电商": 1, "直播": 1}


def test_image_recognition_rules():
    assert rules.image_info(lf.png(5, 7)) == ("image/png", 5, 7)
    assert rules.image_info(lf.jpeg(9, 4)) == ("image/jpeg", 9, 4)
    assert rules.image_info(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40) is None
    assert rules.image_info(b"%PDF-1.7") is None
