"""`fupin detect_inflation`: runs the years asked, stores the flags once, reads total sales from a CSV to turn on
the helped-sales check, and refuses a file it cannot read."""

import json

import pytest
from django.core.management import CommandError, call_command

from fupin.detection.models import Flag
from tests.detection.conftest import YEAR, book

pytestmark = pytest.mark.django_db


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command("detect_inflation", *args, stdout=out)
    return out.getvalue()


def test_the_command_runs_the_years_and_is_idempotent(circle):
    first = json.loads(run("--year", str(YEAR), "--json"))
    assert first["runs"][0]["created"] == 1 and first["runs"][0]["by_kind"] == {"circular_trade": 1}
    assert "helped_beyond_total" in first["runs"][0]["skipped"][0]
    text = run("--year", str(YEAR))
    assert f"{YEAR}: 5 entries, 1 cases found, 0 new flags, 1 already flagged" in text
    assert Flag.objects.count() == 1


def test_total_sales_from_a_csv_turn_on_the_helped_sales_check(circle, tmp_path):
    book([(f"{YEAR}-07-01", None, circle.clean_seller, 30_000)], kind="helped_sale")
    path = tmp_path / "totals.csv"
    path.write_text("seller_code,year,total_yuan\n"
                    f"{circle.clean_seller.credit_code},{YEAR},20000.00\n"
                    f"{circle.unit_seller.credit_code},{YEAR + 1},1.00\n"
                    "91000000000000000X,2023,5.00\n", encoding="utf-8")
    out = json.loads(run("--year", str(YEAR), "--total-sales", str(path), "--json"))
    assert out["runs"][0]["skipped"] == []
    assert list(Flag.objects.filter(kind="helped_beyond_total").values_list("seller_id", flat=True)) == [
        circle.clean_seller.pk]


def test_an_unreadable_file_is_refused(circle, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("seller,total\nX,1\n", encoding="utf-8")
    with pytest.raises(CommandError):
        run("--year", str(YEAR), "--total-sales", str(bad))
    with pytest.raises(CommandError):
        run("--year", str(YEAR), "--total-sales", str(tmp_path / "missing.csv"))
    assert not Flag.objects.exists()


def test_score_against_the_planted_cases(circle):
    from fupin.core import audit

    assert "no planted cases" in run("--year", str(YEAR), "--score")
    key = f"circular:{YEAR}:{min(circle.unit.pk, circle.supplier.pk)}:{max(circle.unit.pk, circle.supplier.pk)}"
    audit.record(actor="test", action="detection:planted", object_type="detection.planted", object_id=str(YEAR),
                 after={"year": YEAR, "planted": [["circular_trade", key], ["tied_concentration", f"tied:{YEAR}:1"]],
                        "total_sales_fen": {}})
    out = json.loads(run("--year", str(YEAR), "--score", "--json"))
    overall = next(s for s in out["score"] if s["kind"] == "all")
    assert (overall["planted"], overall["found"], overall["flagged"], overall["precision"], overall["recall"]) == (
        2, 1, 1, 1.0, 0.5)
