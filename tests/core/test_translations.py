"""Every message and label of core, registry and the API has a Chinese translation, with the same placeholders."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

APPS = ("core", "registry", "api")
GETTEXT = {"_", "gettext", "gettext_lazy", "gettext_noop"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
# Reasons returned in English by pure functions (validators, rules) and translated where they are shown.
DYNAMIC = {
    "api": [],
    "core": ["must be 18 characters", "contains characters outside the GB 32100 alphabet",
             "check character does not match", "must be 17 digits followed by a digit or X",
             "check character does not match (ISO 7064 MOD 11-2)"],
    "registry": ["a registered poor household has no year lifted out",
                 "east–west cooperation needs a helping region (an eastern province or city)",
                 "this kind of relation needs a helping organisation",
                 "a relation needs a helping organisation or region", "the end year is before the start year",
                 "the effective date is in the future",
                 "the effective date is before 2013, when the account starts",
                 "the effective date is before the start of the status in force"],
}


def source_messages(app: str) -> set[str]:
    found: set[str] = set()
    for path in (Path(settings.PACKAGE_DIR) / app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name in GETTEXT and isinstance(node.args[0].value, str):
                    found.add(node.args[0].value)
    return found


def catalogue(app: str) -> polib.POFile:
    return polib.pofile(str(Path(settings.PACKAGE_DIR) / app / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("app", APPS)
def test_every_message_has_a_chinese_translation(app):
    translated = {e.msgid: e.msgstr for e in catalogue(app) if e.msgstr.strip() and not e.obsolete}
    missing = sorted((source_messages(app) | set(DYNAMIC[app])) - set(translated))
    assert not missing, f"untranslated in {app}: {missing}"


@pytest.mark.parametrize("app", APPS)
def test_translations_keep_the_placeholders(app):
    for entry in catalogue(app):
        assert sorted(PLACEHOLDER.findall(entry.msgid)) == sorted(PLACEHOLDER.findall(entry.msgstr)), entry.msgid
        assert re.search(r"[\u4e00-\u9fff]", entry.msgstr), entry.msgid


def test_the_dynamic_reasons_are_what_the_pure_functions_return():
    from fupin.core import validators
    from fupin.registry import rules

    produced = {validators.uscc_error("X"), validators.uscc_error("91350100M000100I43"),
                validators.uscc_error("91350100M000100Y44"), validators.resident_id_error("1"),
                validators.resident_id_error("110105194912310021")}
    assert produced == set(DYNAMIC["core"])
    produced = {rules.lifted_year_error("registered_poor", 2019), rules.relation_years_error(2020, 2019),
                rules.relation_helper_error("east_west", has_org=True, has_region=False),
                rules.relation_helper_error("designated_assistance", has_org=False, has_region=True),
                rules.relation_helper_error("local_pairing", has_org=False, has_region=False)}
    import datetime as dt

    today, periods = dt.date(2024, 6, 30), [rules.StatusPeriod("lifted_out", dt.date(2019, 1, 1))]
    produced |= {rules.status_change_error(periods, effective=e, today=today)
                 for e in (dt.date(2024, 7, 1), dt.date(2012, 1, 1), dt.date(2018, 1, 1))}
    assert produced == set(DYNAMIC["registry"])


@pytest.mark.django_db
def test_import_reports_and_labels_read_in_chinese(tmp_path):
    from django.utils.translation import trans_real

    from fupin.registry import imports
    from fupin.registry.enums import HouseholdStatus
    from tests import factories

    call_command("compile_translations", verbosity=0)
    trans_real._translations = {}
    trans_real._active = trans_real.Local()
    factories.region("522627100201")
    path = tmp_path / "h.csv"
    path.write_text("身份证号,村代码,状态\n110105194912310021,522627100201,已脱贫\n", encoding="utf-8")
    with translation.override("zh-hans"):
        report = imports.registry_import(kind="households", path=path, actor="test")
        assert report.errors[0].message == "居民身份证号码无效：校验码不符（ISO 7064 MOD 11-2）。"
        assert str(HouseholdStatus.MONITORED.label) == "监测对象（有返贫风险）"
