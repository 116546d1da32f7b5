"""The registry import upload form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.registry import imports

ACCEPT = ".csv,.txt,.xlsx,.xlsm,.xls,.ods"


def import_kinds() -> list[tuple[str, object]]:
    labels = {
        "regions": _("Regions (poor-village and poverty-county flags)"),
        "organisations": _("Organisations"),
        "entities": _("Market entities"),
        "households": _("Households"),
        "relations": _("Assistance relations"),
    }
    return [(kind, labels.get(kind, kind)) for kind in imports.KINDS]


def import_kind_labels() -> dict[str, str]:
    """`ImportRun.kind` → label, for the list of past runs (other apps' kinds are shown as they are)."""
    return {imports.run_kind(kind): str(label) for kind, label in import_kinds()}


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=import_kinds)
    file = forms.FileField(label=_("File (.csv or .xlsx)"), widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}))
    dry_run = forms.BooleanField(label=_("Dry run: check the file and show the report, write nothing"), required=False,
                                 initial=True)
