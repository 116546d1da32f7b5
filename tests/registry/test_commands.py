"""`fupin import_registry` and `fupin export_registry`."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from fupin.core.enums import SecurityEventKind
from fupin.core.models import ImportRun, SecurityEvent
from fupin.registry.models import Household
from tests import factories
from tests.registry import factories as rf

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    rf.regions()


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("case", rf.BAD_INPUTS, ids=lambda c: c.name)
def test_bad_input_through_the_cli(world, tmp_path, case):
    path = case.build(tmp_path)
    if case.file_error:
        with pytest.raises(CommandError, match=case.file_error) as exc:
            run("import_registry", case.kind, str(path))
        assert "village_code (村代码)" in str(exc.value)
        return
    out = run("import_registry", case.kind, str(path))
    if case.row_error:
        line, column, code = case.row_error
        assert f"line {line}, column {column}: " in out and f"[{code}]" in out, out
        rejected = out.split("rejected rows written to: ")[1].strip()
        assert Path(rejected).is_file() and "line,reason" in Path(rejected).read_text("utf-8-sig").splitlines()[0]
    else:
        assert "line " not in out and "rejected rows written" not in out
    if case.warning:
        assert any(case.warning in line for line in out.splitlines() if line.startswith("warning: ")), out
    assert f"rows; {case.accepted} created, 0 updated" in out, out


def test_cli_dry_run_and_user(world, tmp_path, county_clerk):
    path = rf.csv_file(tmp_path, "h.csv", rf.HOUSEHOLD_HEADER,
                       rf.household_rows([1]) + rf.household_rows([2], village=rf.OTHER_VILLAGE))
    out = run("import_registry", "households", str(path), "--dry-run", "--user", county_clerk.username)
    assert out.startswith("DRY RUN: nothing written.") and "1 created" in out and "[out_of_scope]" in out
    assert not Household.objects.exists()
    run("import_registry", "households", str(path), "--user", county_clerk.username)
    assert Household.objects.count() == 1
    assert ImportRun.objects.filter(actor=county_clerk).count() == 2
    out = run("import_registry", "households", str(path), "--user", county_clerk.username)
    assert "0 created, 0 updated, 1 unchanged, 1 rejected" in out
    with pytest.raises(CommandError, match="no active user"):
        run("import_registry", "households", str(path), "--user", "nobody")
    with pytest.raises(CommandError, match="no such file"):
        run("import_registry", "households", str(tmp_path / "missing.csv"))


def test_cli_export(world, tmp_path):
    factories.household(village_code=rf.VILLAGE, head_name="张三丰")
    out_file = tmp_path / "households.xlsx"
    out = run("export_registry", "households", "--format", "xlsx", "--out", str(out_file))
    assert "wrote 1 households" in out
    rows = list(load_workbook(out_file).active.iter_rows(values_only=True))
    assert rows[1][4] == "张**"
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.PERSONAL_DATA_EXPORT, username="cli").exists()
    csv_file = tmp_path / "regions.csv"
    run("export_registry", "regions", "--out", str(csv_file), "--region", rf.COUNTY, "--language", "zh-hans")
    lines = csv_file.read_text("utf-8-sig").splitlines()
    assert lines[0].startswith("区划代码,名称") and all(line.startswith(rf.COUNTY) for line in lines[1:])
