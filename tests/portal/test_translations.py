"""Both languages are complete: every .po file of the project is fully translated (no empty, no fuzzy entry),
and every string the portal marks for translation — in templates ({% translate %}, {% blocktranslate %},
_("...") in tags) and in Python (gettext, gettext_lazy, ngettext, pgettext, `_`) — has an entry.
Adding an untranslated string to any of them fails here, naming the string and the file."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polib
import pytest
from django.utils.translation.template import templatize

import fupin

PACKAGE = Path(fupin.__file__).resolve().parent
PORTAL = PACKAGE / "portal"
PO_FILES = sorted(PACKAGE.rglob("LC_MESSAGES/*.po"))
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy", "pgettext",
                 "pgettext_lazy", "npgettext", "npgettext_lazy"}
_LITERAL = r"""(?:[rbu]{0,2}'(?:[^'\\]|\\.)*'|[rbu]{0,2}"(?:[^"\\]|\\.)*")"""
_CALL = re.compile(rf"\b(n?p?gettext|_)\(\s*({_LITERAL})\s*(?:,\s*({_LITERAL}))?(?:\s*,\s*({_LITERAL}))?")


def _catalog() -> set[tuple[str, str]]:
    """(msgctxt, msgid) of every entry of every project .po file (a plural entry counts for both forms)."""
    keys: set[tuple[str, str]] = set()
    for path in PO_FILES:
        for entry in polib.pofile(str(path)):
            if not entry.obsolete:
                keys.add((entry.msgctxt or "", entry.msgid))
                if entry.msgid_plural:
                    keys.add((entry.msgctxt or "", entry.msgid_plural))
    return keys


def template_messages(path: Path) -> list[tuple[str, str]]:
    """(context, msgid) of every translatable string of a template, exactly as makemessages would extract it."""
    source = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    found: list[tuple[str, str]] = []
    for match in _CALL.finditer(source):
        func, first, second, third = match.groups()
        args = [ast.literal_eval(a) for a in (first, second, third) if a]
        if func in ("pgettext", "npgettext"):
            found.append((args[0], args[1]))
            if func == "npgettext" and len(args) > 2:
                found.append((args[0], args[2]))
        elif func == "ngettext":
            found.extend([("", args[0]), ("", args[1])])
        else:
            found.append(("", args[0]))
    return found


def python_messages(path: Path) -> list[tuple[str, str, int]]:
    """(context, msgid, line) of gettext calls with literal arguments in a Python module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[str, str, int]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        if name not in GETTEXT_NAMES:
            continue
        literals = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        if not literals:
            continue
        if name.startswith(("pgettext", "npgettext")):
            found.extend((literals[0], m, node.lineno) for m in literals[1:3])
        elif name.startswith("ngettext"):
            found.extend(("", m, node.lineno) for m in literals[:2])
        else:
            found.append(("", literals[0], node.lineno))
    return found


def test_there_are_translation_files():
    assert any("portal" in str(p) for p in PO_FILES), "the portal's .po files are missing"


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_po_file_is_complete(po_path):
    po = polib.pofile(str(po_path))
    untranslated = [e.msgid for e in po.untranslated_entries() if not e.obsolete]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    empty_plurals = [e.msgid for e in po if e.msgid_plural and not all(e.msgstr_plural.values())]
    assert not untranslated, f"untranslated in {po_path}: {untranslated}"
    assert not fuzzy, f"fuzzy in {po_path}: {fuzzy}"
    assert not empty_plurals, f"plural forms missing in {po_path}: {empty_plurals}"


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_po_placeholders_match(po_path):
    """A translation keeps every %(name)s placeholder of its msgid (a missing one breaks the page)."""
    placeholder = re.compile(r"%\((\w+)\)[sdif]|\{(\w*)\}")
    bad = []
    for e in polib.pofile(str(po_path)):
        if e.obsolete or not e.msgstr:
            continue
        if set(placeholder.findall(e.msgid)) != set(placeholder.findall(e.msgstr)):
            bad.append(e.msgid)
    assert not bad, f"placeholders differ in {po_path}: {bad}"


def test_every_portal_template_string_has_a_translation():
    keys = _catalog()
    missing = []
    for path in sorted(PORTAL.rglob("templates/**/*.html")):
        for ctx, msgid in template_messages(path):
            if (ctx, msgid) not in keys:
                missing.append(f"{path.relative_to(PACKAGE)}: {msgid!r}")
    assert not missing, "portal template strings without a translation:\n" + "\n".join(missing)


def test_every_portal_python_string_has_a_translation():
    keys = _catalog()
    missing = []
    for path in sorted(PORTAL.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for ctx, msgid, line in python_messages(path):
            if (ctx, msgid) not in keys:
                missing.append(f"{path.relative_to(PACKAGE)}:{line}: {msgid!r}")
    assert not missing, "portal Python strings without a translation:\n" + "\n".join(missing)


def test_the_extractors_find_strings():
    """Guard the guard: the parsers really see translate, blocktranslate (with plural) and _() strings."""
    sample = PORTAL / "templates" / "portal" / "registry" / "region_list.html"
    found = {m for _, m in template_messages(sample)}
    assert "Regions" in found
    assert "%(nf)s region" in found and "%(nf)s regions" in found
    assert ("", "Regions") in {(c, m) for c, m, _ in python_messages(PORTAL / "navigation.py")}


def test_every_enum_label_has_a_translation():
    """Enum labels (levels, kinds, statuses, roles...) show on every page: each has a Chinese entry."""
    import importlib
    import inspect

    from django.db.models import Choices

    keys = _catalog()
    missing = []
    for path in sorted(PACKAGE.glob("*/enums.py")):
        module = importlib.import_module(f"fupin.{path.parent.name}.enums")
        for name, enum in inspect.getmembers(module, inspect.isclass):
            if not issubclass(enum, Choices) or enum.__module__ != module.__name__:
                continue
            for member in enum:
                label = member._label_ if hasattr(member, "_label_") else member.label
                msgid = getattr(label, "_proxy____args", (str(label),))[0]
                if ("", msgid) not in keys:
                    missing.append(f"{module.__name__}.{name}.{member.name}: {msgid!r}")
    assert not missing, "enum labels without a translation:\n" + "\n".join(missing)
