"""Registry exports: the viewer's scope, masking, logging, formats."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from fupin.core.enums import SecurityEventKind
from fupin.core.errors import InvalidInput
from fupin.core.models import SecurityEvent
from fupin.registry import exports
from tests import factories
from tests.registry import factories as rf

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    rf.regions()
    factories.household(village_code=rf.VILLAGE, head_name="张三丰", phone="13812345678")
    factories.household(village_code=rf.OTHER_VILLAGE, head_name="李四", phone="13912345678")
    factories.entity("=cmd|' /C calc'!A0", region_code=rf.COUNTY)


def test_household_export_masks_unless_allowed_and_logs_personal_data(world, national_viewer, county_clerk):
    masked = exports.registry_export(kind="households", viewer=national_viewer, fmt="xlsx")
    rows = list(load_workbook(io.BytesIO(masked.content)).active.iter_rows(values_only=True))
    assert masked.rows == 2 and {r[4] for r in rows[1:]} == {"张**", "李*"} and {r[-1] for r in rows[1:]} == {"yes"}
    assert "id_number" not in rows[0]
    clear = exports.registry_export(kind="households", viewer=county_clerk, fmt="csv")
    text = clear.content.decode("utf-8-sig")
    assert clear.rows == 1 and "张三丰" in text and "13812345678" in text and "李四" not in text
    events = SecurityEvent.objects.filter(kind=SecurityEventKind.PERSONAL_DATA_EXPORT).order_by("id")
    assert [e.user for e in events] == [national_viewer, county_clerk]
    assert "1 unmasked" in events[1].detail and "0 unmasked" in events[0].detail


def test_exports_neutralise_formulas(world, admin_user):
    file = exports.registry_export(kind="entities", viewer=admin_user, fmt="xlsx")
    ws = load_workbook(io.BytesIO(file.content)).active
    names = [row[1] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert names == ["'=cmd|' /C calc'!A0"]
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.EXPORT, user=admin_user).exists()


def test_export_refuses_unknown_kinds_and_formats(world, admin_user):
    with pytest.raises(InvalidInput):
        exports.registry_export(kind="users", viewer=admin_user)
    with pytest.raises(InvalidInput):
        exports.registry_export(kind="regions", viewer=admin_user, fmt="ods")
