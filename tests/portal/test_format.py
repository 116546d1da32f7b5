"""Money and enum labels are formatted by one module (`fupin.portal.format`), in views and templates alike."""

from __future__ import annotations

from django.template import Context, Template
from django.utils import translation

from fupin.certification.enums import ApplicationStatus
from fupin.portal import format as fmt


def _render(source: str, **context) -> str:
    return Template("{% load portal_format %}" + source).render(Context(context))


def test_yuan_is_grouped_fen_the_same_in_both_languages():
    for language in ("en", "zh-hans"):
        with translation.override(language):
            assert _render("{{ v|yuan }}", v=123456789) == "1,234,567.89"
            assert _render("{{ v|yuan }}", v=-5) == "-0.05"
            assert _render("{{ v|yuan }}", v=None) == ""
            assert fmt.yuan(123456789) == "1,234,567.89"
    assert fmt.yuan(1234.6) == "12.35"  # a chart's float value is rounded to whole fen
    assert fmt.yuan_whole(123456789) == "1,234,568"


def test_enum_labels_are_translated_and_unknown_values_shown_as_they_are():
    with translation.override("zh-hans"):
        zh = _render("{{ v|label:choices }}", v="submitted", choices=ApplicationStatus)
    with translation.override("en"):
        en = _render("{{ v|label:choices }}", v="submitted", choices=ApplicationStatus)
    assert en == str(ApplicationStatus.SUBMITTED.label) and zh != en and zh
    assert fmt.choice_label(ApplicationStatus, "no-such-status") == "no-such-status"
    assert fmt.choice_label(ApplicationStatus, None) == ""


def test_display_filter_uses_the_model_field_label():
    class Obj:
        status = "x"

        def get_status_display(self):
            return "Shown"

    assert _render('{{ o|display:"status" }}', o=Obj()) == "Shown"
