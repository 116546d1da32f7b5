"""The linkage management commands."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from fupin.linkage.models import BenefitPayment, VerificationRound
from tests import factories
from tests.linkage import factories as lf

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_import_flags_and_draw(tmp_path):
    clerk = factories.user("clerk9", roles="clerk", scope_level="county", scope_code="522627")
    h = factories.household()
    c = lf.contract(actor=clerk, households=[h], mechanism="employment", code="CMD-1", start=dt.date(2025, 1, 1))
    path = tmp_path / "p.csv"
    path.write_text(f"外部编号,合同编号,农户编号,支付日期,金额(元)\nX1,CMD-1,{h.registry_code},2025-01-31,3000\n"
                    f"X2,CMD-1,{h.registry_code},2025-02-30,3000\n", encoding="utf-8")
    out = run("import_linkage", "payments", str(path), "--user", "clerk9", "--dry-run")
    assert "DRY RUN" in out and "1 accepted" in out and "line 3, paid_on: bad_date" in out
    assert not BenefitPayment.objects.exists()
    run("import_linkage", "payments", str(path), "--user", "clerk9")
    assert BenefitPayment.objects.filter(contract=c).count() == 1
    out = run("linkage_flags", "--user", "clerk9", "--on", "2025-12-31")
    assert "no_payment" in out and "CMD-1" in out
    xlsx = tmp_path / "field.xlsx"
    out = run("linkage_draw", "--user", "clerk9", "--county", "522627", "--start", "2025-01-01", "--end", "2025-12-31",
              "--seed", "11", "--field-list", str(xlsx))
    assert "seed 11" in out and xlsx.stat().st_size > 0
    assert VerificationRound.objects.get().seed == 11
    with pytest.raises(CommandError):
        run("linkage_flags", "--user", "nobody")
