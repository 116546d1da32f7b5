"""The reference data loader: regions, poverty counties, crosswalk and the repairs of the 832 list.

The real files are read from ../shared/data/reference (never copied here). Where that folder is missing, small files
of the same formats are built in a temporary folder instead, carrying the same defects, so the tests always run.
The data is loaded once for the module, inside a transaction that is rolled back at the end.
"""

from __future__ import annotations

import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction

from fupin.core.models import AuditEntry
from fupin.registry import reference, rules, selectors
from fupin.registry.models import Region, RegionCodeChange
from tests import factories

REAL_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "reference"
# FUPIN_REFERENCE_TESTS_SYNTHETIC=1 runs the module on the small files even where the real ones exist.
REAL = (REAL_DIR.is_dir() and not reference.missing_files(REAL_DIR)
        and os.environ.get("FUPIN_REFERENCE_TESTS_SYNTHETIC") != "1")

# -- small files of the same formats, with the same defects ----------------------------------------------------------
SYNTH_PROVINCES = [("13", "河北省"), ("52", "贵州省"), ("53", "云南省"), ("54", "西藏自治区"), ("62", "甘肃省"), ("63", "青海省")]
SYNTH_CITIES = [("1306", "保定市", "13"), ("1308", "承德市", "13"), ("5203", "遵义市", "52"),
                ("5226", "黔东南苗族侗族自治州", "52"), ("5323", "楚雄彝族自治州", "53"),
                ("5326", "文山壮族苗族自治州", "53"), ("5405", "山南市", "54"), ("6229", "临夏回族自治州", "62"),
                ("6301", "西宁市", "63"), ("6328", "海西蒙古族藏族自治州", "63")]
SYNTH_AREAS = [("130602", "竞秀区"), ("130631", "望都县"), ("130881", "平泉市"), ("520328", "湄潭县"),
               ("522626", "岑巩县"), ("532322", "双柏县"), ("532601", "文山市"), ("540581", "错那市"),
               ("622901", "临夏市"), ("622927", "积石山保安族东乡族撒拉族自治县"), ("630104", "城西区"),
               ("632803", "茫崖市"), ("632857", "大柴旦行政委员会")]
SYNTH_STREETS = [("130631100", "望都镇"), ("130631101", "固店镇"), ("130881100", "平泉镇"), ("632803102", "冷湖镇")]
SYNTH_HISTORY = [  # 代码, 名称, 级别, 状态, 启用, 弃用, 新代码
    ("130823", "平泉县", "县级", "弃用", "1983", "2017", "130881"),
    ("130881", "平泉市", "县级", "在用", "2017", "", ""),
    ("540530", "错那县", "县级", "弃用", "2016", "2023", "540581"),
    ("540581", "错那市", "县级", "在用", "2023", "", ""),
    ("532621", "文山县", "县级", "弃用", "1981", "2010", "532601"),
    ("130603", "北市区", "县级", "弃用", "1983", "2015", "130606[2015]"),
    ("130606", "莲池区", "县级", "弃用", "2015", "2020", "130602"),
]
SYNTH_LIST = [  # code as float, name, zone, province, city, exit year, column_6
    ("130631.0", "望都县", "东部", "河北省", "保定市", "2016.0", ""),
    ("130881.0", "平泉县", "东部", "河北省", "承德市", "2017.0", ""),
    ("520328.0", "湄潭", "西部", "贵州省", "遵义市", "2017.0", ""),
    ("522626.0", "岑巩县", "西部", "贵州省", "黔东南苗族侗族自治州", "2019.0", "来自“马 克 数 据 网”"),
    ("532322.0", "双柏县", "西部", "云南省", "楚雄彝族自治州", "2019.0", ""),
    ("532600.0", "文山市", "西部", "云南省", "文山壮族苗族自治州", "2019.0", ""),
    ("540530.0", "错那县", "西部", "西藏自治区", "山南市", "2017.0", ""),
    ("622900.0", "临夏市", "西部", "甘肃省", "临夏回族自治州", "2017.0", ""),
    ("622927.0", "积石山自治县", "西部", "甘肃省", "临夏回族自治州", "2019.0", ""),
    ("630104.0", "冷湖行委", "西部", "青海省", "西宁市", "2019.0", ""),
    ("632825.0", "大柴旦行委", "西部", "青海省", "海西蒙古族藏族自治州", "2019.0", ""),
    ("632803.0", "茫崖行委", "西部", "青海省", "海西蒙古族藏族自治州", "2019.0", ""),
]
LIST_HEADER = "行政区划代码,县域名称,所属地域,所属省份,所属城市,摘帽时间,column_6"


def write_synthetic(directory: Path, *, list_rows=SYNTH_LIST) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    city_of = {c: p for c, _, p in SYNTH_CITIES}

    def write(name: str, lines: list[str], bom: bool = False) -> None:
        (directory / name).write_text(("\ufeff" if bom else "") + "\n".join(lines) + "\n", encoding="utf-8")

    write(reference.PROVINCES_FILE, ["code,name", *[f'{c},"{n}"' for c, n in SYNTH_PROVINCES]])
    write(reference.CITIES_FILE, ["code,name,provinceCode", *[f'{c},"{n}",{p}' for c, n, p in SYNTH_CITIES]])
    write(reference.AREAS_FILE, ["code,name,cityCode,provinceCode",
                                 *[f'{c},"{n}",{c[:4]},{city_of[c[:4]]}' for c, n in SYNTH_AREAS]])
    write(reference.STREETS_FILE, ["code,name,areaCode,provinceCode,cityCode",
                                   *[f'{c},"{n}",{c[:6]},{c[:2]},{c[:4]}' for c, n in SYNTH_STREETS]])
    write(reference.HISTORY_FILE, ["代码,一级行政区,二级行政区,名称,级别,状态,启用时间,变更/弃用时间,新代码",
                                   *[f"{c},省,市,{n},{lv},{st},{a},{b},{new}" for c, n, lv, st, a, b, new in SYNTH_HISTORY]],
          bom=True)
    write(reference.POVERTY_FILE, [LIST_HEADER, *[",".join(r) for r in list_rows]])
    return directory


EXPECTED_COUNTIES = 832 if REAL else len(SYNTH_LIST)


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    directory = REAL_DIR if REAL else write_synthetic(tmp_path_factory.mktemp("reference"))
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            report = reference.reference_load(directory=directory, actor="load_reference")
            yield directory, report
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


pytestmark = pytest.mark.django_db


def test_loads_exactly_the_listed_poverty_counties_at_county_level(loaded):
    _, report = loaded
    poor = Region.objects.filter(is_poverty_county=True)
    assert report.poverty_counties == poor.count() == EXPECTED_COUNTIES
    assert set(poor.values_list("level", flat=True)) == {"county"}
    assert set(poor.values_list("poverty_exit_year", flat=True)) <= set(range(2016, 2021))
    provinces = {code[:2] for code in poor.values_list("code", flat=True)}
    assert provinces <= rules.PRODUCING_PROVINCES
    # every poverty county is active except 冷湖行委, merged into 茫崖市 in 2018 and kept as history
    assert list(poor.filter(active=False).values_list("code", flat=True)) == ["632858"]
    if REAL:
        assert len(provinces) == 22
        assert report.exit_years == {2016: 28, 2017: 125, 2018: 283, 2019: 344, 2020: 52}
        counts = {level: c["created"] for level, c in report.regions.items()}
        assert counts == {"province": 31, "prefecture": 342, "county": 2976, "township": 41352}


def test_known_facts(loaded):
    wangdu = Region.objects.select_related("parent__parent").get(code="130631")
    assert (wangdu.name, wangdu.level, wangdu.zone) == ("望都县", "county", "east")
    assert (wangdu.is_poverty_county, wangdu.poverty_exit_year, wangdu.active) == (True, 2016, True)
    assert (wangdu.parent.code, wangdu.parent.level) == ("130600", "prefecture")
    assert (wangdu.parent.parent.code, wangdu.parent.parent.name, wangdu.parent.parent.parent_id) == ("130000", "河北省", None)
    assert Region.objects.get(code="130602").is_poverty_county is False  # 竞秀区, a city district of Baoding
    assert Region.objects.get(code="522626").poverty_exit_year == 2019  # 岑巩县, the row with the watermark


def test_each_reviewed_repair_is_applied(loaded):
    _, report = loaded
    for fix in reference.POVERTY_LIST_REPAIRS:
        region = Region.objects.get(code=fix.code)
        assert region.name == fix.name and region.is_poverty_county, fix
        assert any(line.startswith("line ") and f"{fix.found_code}.0 {fix.found_name}" in line for line in report.repairs)
    assert Region.objects.get(code="532322").poverty_exit_year == 2018  # 双柏县, listed as 2019
    # the wrong codes are not poverty counties: two prefectures, a district of Xining, and a code never assigned
    assert Region.objects.get(code="532600").level == "prefecture"
    assert Region.objects.get(code="622900").level == "prefecture"
    assert Region.objects.get(code="630104").name == "城西区"
    assert not Region.objects.filter(code__in=["532600", "622900", "630104"], is_poverty_county=True).exists()
    assert not Region.objects.filter(code="632825").exists()
    lenghu = Region.objects.get(code="632858")
    assert (lenghu.active, lenghu.parent.code, lenghu.poverty_exit_year) == (False, "632800", 2019)


def test_generic_repairs_are_reported(loaded):
    _, report = loaded
    assert report.repairs[0].startswith(f"{EXPECTED_COUNTIES} codes written as floats")
    assert any("column_6" in line and "岑巩县" in line for line in report.repairs)
    assert any("平泉县 → 平泉市: older name" in line for line in report.repairs)
    assert any("code 540530 → 540581" in line and "crosswalk" in line for line in report.repairs)
    pingquan = Region.objects.get(code="130881")
    assert (pingquan.name, pingquan.is_poverty_county, pingquan.poverty_exit_year) == ("平泉市", True, 2017)


def test_crosswalk_maps_abolished_codes_to_their_successors(loaded):
    cuona = RegionCodeChange.objects.get(old_code="540530")
    assert (cuona.new_code, cuona.old_name, cuona.year) == ("540581", "错那县", 2023)
    assert selectors.region_current_code(code="540530") == "540581"
    assert selectors.regions_by_codes(codes={"540530"})["540530"].code == "540581"
    assert Region.objects.get(code="540581").is_poverty_county
    assert not Region.objects.filter(code="540530").exists()  # abolished codes stay out of the hierarchy
    assert selectors.region_current_code(code="632858") == "632803"  # 冷湖行委 → 茫崖市
    assert selectors.region_current_code(code="130823") == "130881"  # 平泉县 → 平泉市
    # no crosswalk row starts from a code in use
    assert not RegionCodeChange.objects.filter(old_code__in=Region.objects.filter(active=True).values("code")).exists()


def test_townships_link_to_counties(loaded):
    towns = Region.objects.filter(level="township")
    assert towns.exists()
    assert not towns.filter(parent__isnull=True).exists()
    assert set(towns.values_list("parent__level", flat=True)) <= {"county", "prefecture"}  # 东莞 and 中山 have no counties
    town = Region.objects.select_related("parent").get(code="632803102")
    assert (town.name, town.parent.code, town.zone) == ("冷湖镇", "632803", "west")
    assert towns.filter(parent__level="prefecture").exclude(parent__code__in=["441900", "442000", "460400"]).count() == 0


def test_second_run_changes_nothing(loaded):
    directory, _ = loaded
    audits = AuditEntry.objects.filter(action="reference:load").count()
    before = list(Region.objects.order_by("code").values_list("code", "updated_at")[:50])
    report = reference.reference_load(directory=directory, actor="load_reference")
    assert not report.changed
    assert all(c["created"] == c["updated"] == 0 for c in [*report.regions.values(), report.crosswalk])
    assert AuditEntry.objects.filter(action="reference:load").count() == audits
    assert list(Region.objects.order_by("code").values_list("code", "updated_at")[:50]) == before
    out = StringIO()
    call_command("load_reference", str(directory), stdout=out)
    assert "Nothing changed" in out.getvalue()


def test_first_run_is_audited_with_counts(loaded):
    _, report = loaded
    entry = AuditEntry.objects.get(action="reference:load")
    assert (entry.actor_name, entry.object_type, entry.object_id) == ("load_reference", "registry.region", "*")
    assert entry.after["poverty_counties"] == EXPECTED_COUNTIES
    assert entry.after["regions"]["county"]["created"] == report.regions["county"]["created"]


def test_api_lists_the_poverty_counties(loaded, api_as, national_viewer):
    r = api_as(national_viewer).get("/regions", level="county", poverty_county="true", limit=1)
    assert r.status_code == 200
    assert r.json()["count"] == EXPECTED_COUNTIES


def test_reload_takes_back_stray_flags_and_retires_abolished_codes(loaded):
    directory, _ = loaded
    factories.region("540530", "错那县", is_poverty_county=True, poverty_exit_year=2017)
    Region.objects.filter(code="130602").update(is_poverty_county=True, poverty_exit_year=2018)
    report = reference.reference_load(directory=directory, actor="load_reference")
    assert report.changed and report.regions["county"]["updated"] == 2
    old = Region.objects.get(code="540530")
    assert (old.active, old.is_poverty_county, old.poverty_exit_year) == (False, False, None)
    assert Region.objects.get(code="130602").is_poverty_county is False
    assert Region.objects.filter(is_poverty_county=True).count() == EXPECTED_COUNTIES


def test_dry_run_counts_and_writes_nothing(loaded, tmp_path):
    rows = [("130631.0", "望都县", "东部", "河北省", "保定市", "2017.0", ""), *SYNTH_LIST[1:]]
    directory = write_synthetic(tmp_path / "changed", list_rows=rows)
    regions = Region.objects.count()
    report = reference.reference_load(directory=directory, actor="load_reference", dry_run=True)
    assert report.dry_run and report.changed and report.regions["county"]["updated"] >= 1
    assert Region.objects.get(code="130631").poverty_exit_year == 2016
    assert Region.objects.count() == regions
    assert AuditEntry.objects.filter(action="reference:load").count() == 1


def test_unresolvable_rows_are_reported_and_nothing_is_written(loaded, tmp_path):
    rows = [*SYNTH_LIST, ("130699.0", "不存在县", "东部", "河北省", "保定市", "2018.0", ""),
            ("130631.0", "望都县", "东部", "河北省", "保定市", "2016.0", ""),
            ("522626.0", "岑巩县", "西部", "贵州省", "黔东南苗族侗族自治州", "2021.0", ""),
            ("530000.0", "云南省", "西部", "云南省", "", "2019.0", "")]
    directory = write_synthetic(tmp_path / "bad", list_rows=rows)
    with pytest.raises(reference.ReferenceDataError) as caught:
        reference.reference_load(directory=directory, actor="load_reference")
    details = caught.value.details
    assert any(d.startswith("line 14 (130699.0 不存在县)") for d in details)
    assert any(d.startswith("line 15 (130631.0 望都县)") and "twice" in d for d in details)
    assert any(d.startswith("line 16 (522626.0 岑巩县)") and "2016–2020" in d for d in details)
    assert any(d.startswith("line 17 (530000.0 云南省)") for d in details)
    assert not Region.objects.filter(code="130699").exists()
    out = StringIO()
    with pytest.raises(Exception, match="cannot be resolved"):
        call_command("load_reference", str(directory), stdout=out)


def test_command_without_reference_data_exits_cleanly(settings, tmp_path):
    settings.FUPIN_REFERENCE_DIR = ""
    out = StringIO()
    call_command("load_reference", stdout=out)
    assert "no reference data; the demo will build a synthetic region set" in out.getvalue()
    settings.FUPIN_REFERENCE_DIR = str(tmp_path / "nowhere")
    call_command("load_reference", stdout=out)
    assert out.getvalue().count("no reference data") == 2


def test_command_prints_the_summary(loaded, tmp_path):
    directory = write_synthetic(tmp_path / "small")
    out = StringIO()
    call_command("load_reference", str(directory), "--dry-run", "--no-townships", stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert "dry run: nothing written" in text
    assert f"National poverty counties: {len(SYNTH_LIST)} of {len(SYNTH_LIST)} list rows" in text
    assert "code 532600 → 532601" in text and "exit year 2019 → 2018" in text


def test_crosswalk_follows_chains_and_skips_codes_in_use():
    history = [
        reference.HistoryRow("100001", "甲县", "弃用", 1990, ("100002",)),
        reference.HistoryRow("100002", "乙县", "弃用", 2000, ("100003", "100004")),
        reference.HistoryRow("100003", "丙县", "变更", 2005, ("100003",)),
        reference.HistoryRow("100005", "丁县", "弃用", 1995, ()),
    ]
    changes = {(c.old_code, c.new_code) for c in reference.build_crosswalk(history, {"100003", "100004"})}
    assert {("100001", "100003"), ("100001", "100004"), ("100002", "100003"), ("100002", "100004")} <= changes
    assert not {c for c in changes if c[0] in {"100003", "100005"}}


def test_codes_written_as_floats():
    assert reference._code_of("130631.0") == "130631"
    assert reference._code_of("130631") == "130631"
    assert reference._code_of("130631.5") is None
    assert reference._code_of("") is None
    assert reference._code_of("13063.0") is None
