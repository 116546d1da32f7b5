"""The registry import upload form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.registry import imports

from .base import UploadForm


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


class ImportForm(UploadForm):
    field_order = ["kind", "file", "dry_run"]
    kind = forms.ChoiceField(label=_("What the file holds"), choices=import_kinds)
