"""What every portal form shares: list filters read from the query string, yes/no choices, and the upload
form of every import page (the file types come from `fupin.core.tabular`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.core.tabular import UPLOAD_ACCEPT


class FilterForm(forms.Form):
    """A GET form of list filters. Invalid values never break the page: they are dropped from the filters and
    shown as field errors."""

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        for field in self.fields.values():
            field.required = False

    def filters(self) -> dict[str, Any]:
        """The valid filter values (invalid fields dropped, empty values left out)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {k: v for k, v in cleaned.items() if k not in self.errors and v not in (None, "", [])}


def yes_no_choices() -> list[tuple[str, Any]]:
    return [("", _("any")), ("true", _("yes")), ("false", _("no"))]


class UploadForm(forms.Form):
    """A file to import and the dry-run switch (every import page)."""

    file = forms.FileField(label=_("File (.csv or .xlsx)"),
                           widget=forms.ClearableFileInput(attrs={"accept": UPLOAD_ACCEPT}))
    dry_run = forms.BooleanField(label=_("Dry run: check the file and show the report, write nothing"), required=False,
                                 initial=True)
