"""Purchase uploads a clerk cannot get wrong (issue #14): a file without a source column takes the uploader's
organisation as its source (the column guide says `source` is optional); an account acting for no organisation is
asked for the source before any row is read; row errors name the columns as the file's header does."""

from __future__ import annotations

import csv

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from fupin.core.errors import InvalidInput
from fupin.ledger import services
from fupin.ledger.models import PurchaseEntry, PurchaseImport
from tests import factories
from tests.ledger import factories as lf

pytestmark = pytest.mark.django_db

ZH = ["外部编号", "采购日期", "购买方代码", "销售方代码", "金额(元)", "类型", "渠道"]
EN = ["external_id", "purchase_date", "buyer_code", "seller_code", "amount_yuan", "kind", "channel"]


@pytest.fixture
def w():
    return lf.world()


@pytest.fixture(autouse=True)
def files_in_tmp(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def client_for(user):
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(user)
    return c


def write(path, header, rows):
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        out.writerows(rows)
    return path


def test_a_file_without_source_takes_the_uploaders_organisation(w, tmp_path):
    office = factories.office("522627")
    admin = factories.user("admin-with-org", roles="administrator", organisation=office)
    path = write(tmp_path / "no-source.csv", ZH, [
        ["N1", "2023-05-10", w.unit.credit_code, w.seller.credit_code, "45.60", "直接采购", "832平台"]])
    job = services.purchase_import_file(path=path, actor=admin)
    assert job.status == "done" and job.accepted == 1 and job.rejected == 0, job.report
    expected = office.credit_code or f"org-{office.pk}"
    assert services.default_source(admin) == expected
    assert PurchaseEntry.objects.get(external_id="N1").source == expected
    # a source given by the form still wins
    path = write(tmp_path / "named.csv", ZH, [
        ["N2", "2023-05-10", w.unit.credit_code, w.seller.credit_code, "1", "直接采购", "832平台"]])
    services.purchase_import_file(path=path, actor=admin, source="county-counter")
    assert PurchaseEntry.objects.get(external_id="N2").source == "county-counter"


def test_an_account_without_organisation_is_asked_for_the_source_first(w, tmp_path):
    admin = factories.user("admin-no-org", roles="administrator", organisation=None)
    path = write(tmp_path / "no-source.csv", EN, [
        ["M1", "2023-05-10", w.unit.credit_code, w.seller.credit_code, "1", "direct_purchase", "platform_832"]])
    with pytest.raises(InvalidInput) as refused:
        services.purchase_import_file(path=path, actor=admin)
    assert refused.value.code == "source_required" and refused.value.details == {"field": "source"}
    assert not PurchaseImport.objects.exists() and path.exists()  # nothing read, nothing queued, the file kept
    # with a source column the rows are read (and a row without a source is reported by line)
    with_column = write(tmp_path / "with-source.csv", ["source", *EN], [
        ["cli", "M2", "2023-05-10", w.unit.credit_code, w.seller.credit_code, "1", "direct_purchase", "platform_832"],
        ["", "M3", "2023-05-10", w.unit.credit_code, w.seller.credit_code, "1", "direct_purchase", "platform_832"]])
    job = services.purchase_import_file(path=with_column, actor=admin)
    assert job.accepted == 1 and [(e["line"], e["column"]) for e in job.report["errors"]] == [(3, "source")]


def test_the_upload_form_offers_the_default_and_refuses_up_front(w):
    office = factories.office("522627")
    clerk = factories.user("clerk-upload", roles="clerk", scope_level="county", scope_code="522627",
                           organisation=office)
    html = client_for(clerk).get(reverse("portal:ledger_imports")).content.decode()
    assert f'value="{services.default_source(clerk)}"' in html
    nobody = factories.user("admin-upload", roles="administrator", organisation=None)
    text = "\n".join([",".join(EN), f"U1,2023-05-10,{w.unit.credit_code},{w.seller.credit_code},1,direct_purchase,"
                                    "platform_832"]) + "\n"
    r = client_for(nobody).post(reverse("portal:ledger_imports"), {
        "file": SimpleUploadedFile("p.csv", text.encode(), content_type="text/csv"), "source": ""})
    assert r.status_code == 422 and "Name the source of the rows" in r.content.decode()
    assert not PurchaseImport.objects.exists()


@pytest.mark.parametrize(("header", "amount_header"), [(ZH, "金额(元)"), (EN, "amount_yuan")])
def test_errors_name_the_columns_in_the_files_language(w, tmp_path, header, amount_header):
    path = write(tmp_path / "bad.csv", header, [
        ["B1", "2023-05-10", w.unit.credit_code, w.seller.credit_code, "abc", header[5] == "类型" and "直接采购"
         or "direct_purchase", "platform_832"]])
    job = services.purchase_import_file(path=path, actor="cli", source="test")
    error = job.report["errors"][0]
    assert error["column"] == "amount_yuan" and error["header"] == amount_header
    with open(job.rejected_path, encoding="utf-8-sig") as fh:
        rejected = fh.read()
    assert f"{amount_header}: " in rejected
