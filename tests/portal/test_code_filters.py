"""The entry list's buyer and seller filters are code searches, not "Buyer (id)" boxes (issue #14): a credit code
(or a household's registry code) finds the organisation or entity among those the viewer may see."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.portal import test_ledger_pages as pages

pytestmark = pytest.mark.django_db

ledger_world, frozen_clock, files_in_tmp = pages.ledger_world, pages.frozen_clock, pages.files_in_tmp
county_user = pages.county_user


def listed(client, **params) -> tuple[str, set[str]]:
    html = pages.page(client, reverse("portal:ledger_entries") + "?" + "&".join(f"{k}={v}" for k, v in params.items()))
    csv_text = client.get(reverse("portal:ledger_entries"), {**params, "export": "csv"}).content.decode("utf-8-sig")
    ids = {line.split(",")[2] for line in csv_text.splitlines()[1:]}
    return html, ids


def test_buyer_and_seller_are_searched_by_code(ledger_world, national_viewer, client_for):
    w = ledger_world
    client = client_for(national_viewer)
    html, _ids = listed(client)
    assert "Buyer (id)" not in html and "Seller (id)" not in html
    assert re.search(r'name="buyer_code"', html) and re.search(r'name="seller_code"', html)
    assert listed(client, buyer_code=w.zj.credit_code)[1] == {"A3", "B1", "B2"}
    assert listed(client, seller_code=w.plain_seller.credit_code.lower())[1] == {"B1", "B2"}
    assert listed(client, seller_code=w.household.registry_code)[1] == {"A4"}
    html, ids = listed(client, buyer_code="91110000XXXXXXXXXX")
    assert ids == set() and "No organisation you may see has this credit code." in html
    html, ids = listed(client, seller_code="NOPE")
    assert ids == set() and "No market entity or household you may see has this code." in html


def test_a_code_outside_the_scope_finds_nothing(ledger_world, county_user, client_for):
    html, ids = listed(client_for(county_user), seller_code=ledger_world.plain_seller.credit_code)
    assert ids == set() and "No market entity or household you may see has this code." in html
