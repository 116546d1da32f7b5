"""The documentation is tested (in the manner of datasette): the README's command table and configuration table,
and the ledger's documented groupings, must say what the code does — and the code may do nothing they leave out."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands

from fupin.ledger import selectors as ledger_selectors
from tests.assertions import nonempty

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SETTINGS = Path(settings.PACKAGE_DIR) / "settings.py"


def _section(text: str, heading: str) -> str:
    """The text of a `## heading` section, up to the next heading of the same level."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, flags=re.S | re.M)
    assert match, f"README has no section “{heading}”"
    return match.group(1)


def _table_after(text: str, header: str) -> list[list[str]]:
    """The rows (cells, stripped) of the markdown table whose header line starts with `header`."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))])
    return nonempty(rows)


# -- commands ------------------------------------------------------------------------------------------------------
def readme_commands() -> set[str]:
    """Every `fupin NAME` in the first cell of the README's command table."""
    rows = _table_after(_section(README, "Command line"), "| Command |")
    return {name for row in rows for name in re.findall(r"`fupin ([a-z_]+)", row[0])}


def fupin_commands() -> set[str]:
    return {name for name, app in get_commands().items() if app.startswith("fupin.")}


def test_every_command_in_the_readme_exists():
    missing = set(nonempty(readme_commands())) - set(get_commands())
    assert not missing, f"README lists commands that do not exist: {sorted(missing)}"


def test_every_fupin_command_is_in_the_readme():
    undocumented = set(nonempty(fupin_commands())) - readme_commands()
    assert not undocumented, f"commands missing from the README's command table: {sorted(undocumented)}"


# -- configuration -------------------------------------------------------------------------------------------------
def readme_variables() -> set[str]:
    rows = _table_after(README, "| Variable |")
    return {m.group(1) for row in rows if (m := re.fullmatch(r"`([A-Z][A-Z0-9_]*)`", row[0]))}


def settings_variables() -> set[str]:
    """Every environment variable settings.py reads: os.environ.get / os.getenv / os.environ[...] and its `_env*`
    helpers, by their first (string) argument."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(SETTINGS.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = ast.unparse(node.func)
            if func in ("os.environ.get", "os.getenv") or func.startswith("_env"):
                names.add(node.args[0].value)
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ" \
                and isinstance(node.slice, ast.Constant):
            names.add(node.slice.value)
    return names


def test_every_documented_variable_is_read_by_the_settings():
    unread = set(nonempty(readme_variables())) - settings_variables()
    assert not unread, f"README documents variables settings.py does not read: {sorted(unread)}"


def test_every_variable_the_settings_read_is_documented():
    undocumented = set(nonempty(settings_variables())) - readme_variables()
    assert not undocumented, f"settings.py reads variables the README does not document: {sorted(undocumented)}"


# -- the ledger's groupings ----------------------------------------------------------------------------------------
def documented_groupings() -> list[str]:
    text = (ROOT / "docs" / "domain" / "ledger.md").read_text(encoding="utf-8")
    rows = _table_after(text, "| grouping |")
    return [name for row in rows for name in re.findall(r"`([a-z_]+)`", row[0])]


def test_the_documented_groupings_are_the_selector_s():
    assert sorted(nonempty(documented_groupings())) == sorted(ledger_selectors.GROUPINGS)


@pytest.mark.django_db
@pytest.mark.parametrize("grouping", documented_groupings())
def test_every_documented_grouping_is_accepted_by_the_totals_api(api_as, admin_user, grouping):
    r = api_as(admin_user).get("/account/totals", group_by=grouping)
    assert r.status_code == 200, r.content
    assert r.json()["group_by"] == [grouping]


@pytest.mark.django_db
def test_an_undocumented_grouping_is_refused(api_as, admin_user):
    r = api_as(admin_user).get("/account/totals", group_by="planet")
    assert (r.status_code, r.json()["code"]) == (422, "bad_grouping")
