"""`fupin ledger_check`: the rollups equal a recomputation from the entries; tampering is found; the plain-SQL
lookups of the import read the same facts as the registry and certification selectors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from fupin.certification import selectors as certification
from fupin.ledger import checks, rollups, services
from fupin.ledger.lookups import Lookups
from fupin.ledger.models import PurchaseEntry, RollupCountyMonth
from fupin.registry import selectors as registry
from tests.assertions import nonempty
from tests.ledger import factories as lf

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(tmp_path):
    w = lf.world()
    rows = [lf.row(external_id=f"K{i}", seller_code=w.seller.credit_code, buyer_code=w.unit.credit_code,
                   purchase_date=f"2023-0{1 + i % 9}-10") for i in range(12)]
    services.purchase_import_file(path=lf.write_csv(tmp_path / "k.csv", rows), actor="cli")
    services.purchase_reverse(entry=PurchaseEntry.objects.order_by("id").first(), reason="x", actor="cli")
    return w


def test_ledger_check_finds_nothing_on_a_sound_ledger(booked, capsys):
    call_command("ledger_check")
    out = capsys.readouterr().out
    assert "The rollups agree with the entries." in out and "BAD" not in out
    assert not any(checks.entry_problems().values())


def test_ledger_check_finds_a_tampered_rollup_and_rebuild_repairs_it(booked, capsys):
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {RollupCountyMonth._meta.db_table} SET amount_fen = amount_fen + 1 "
                    f"WHERE id = (SELECT MIN(id) FROM {RollupCountyMonth._meta.db_table})")
    with pytest.raises(CommandError):
        call_command("ledger_check")
    assert "BAD county_month" in capsys.readouterr().out
    call_command("ledger_check", "--rebuild")
    assert all(d.ok for d in nonempty(rollups.check()))


def test_ledger_check_finds_an_entry_written_around_the_services(booked):
    with connection.cursor() as cur:
        cols = ", ".join(c for c in ("source", "external_id", "revision", "purchase_date", "year", "month",
                                     "buyer_category", "buyer_region", "seller_id", "product_category", "origin_id",
                                     "county_code", "unit", "amount_fen", "sign", "kind", "channel", "status",
                                     "evaluated", "counted", "basis", "bases", "not_counted_reason", "reason",
                                     "created_at"))
        cur.execute(f"INSERT INTO ledger_purchaseentry ({cols}) VALUES ('x', 'y', 0, '2023-01-01', 2023, 1, 'public', "
                    f"'', 999999, '', 999999, '522627', '', 5, -1, 'direct_purchase', 'other', 'completed', "
                    f"%s, %s, '', 0, '', '', %s)", [False, True, dt.datetime(2023, 1, 1, tzinfo=dt.UTC)])
    problems = checks.entry_problems()
    assert problems["seller exists"] == 1 and problems["origin exists"] == 1
    assert problems["sign matches the amount"] == 1 and problems["reversals point at an original"] == 1
    assert not all(d.ok for d in nonempty(rollups.check()))


def test_bulk_lookups_read_the_same_facts_as_the_selectors(booked):
    w = booked
    lk = Lookups.load()
    lk.prefetch(buyer_codes={w.unit.credit_code}, seller_codes={w.household.registry_code, w.seller.credit_code},
                product_codes={"P-CERT", "P-NONE", "P-MISSING"}, region_codes={lf.POOR_VILLAGE, "999999"})
    products = certification.products_by_codes(codes={"P-CERT", "P-NONE", "P-MISSING"})
    periods = certification.certified_periods(product_ids=[p.pk for p in products.values()])
    for code, p in products.items():
        facts = lk.products[code]
        assert (facts.id, facts.category, facts.origin_code) == (p.pk, p.category, p.origin_region.code)
        assert facts.periods == periods.get(p.pk, [])
    assert lk.products["P-MISSING"] is None
    regions = registry.regions_by_codes(codes={lf.POOR_VILLAGE, "999999"})
    assert lk.regions[lf.POOR_VILLAGE].id == regions[lf.POOR_VILLAGE].pk and lk.regions["999999"] is None
    assert lk.regions[lf.POOR_VILLAGE].poor_village and lk.regions[lf.POOR_VILLAGE].county == lf.POOR_COUNTY
    hh = lk.sellers[w.household.registry_code]
    assert hh.id == w.household_seller.pk and hh.household_status == "registered_poor" and hh.county_is_poverty
    assert lk.buyers[w.unit.credit_code].chain == (w.unit.pk, w.central.pk)
    assert [o.pk for o in registry.organisation_ancestors(organisation=w.unit)] == list(lk.buyers[w.unit.credit_code].chain)
