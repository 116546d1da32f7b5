"""Filters and forms of the registry pages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from fupin.core.validators import is_region_code
from fupin.registry.enums import (
    EntityKind,
    HouseholdStatus,
    OrganisationKind,
    RegionLevel,
    RelationKind,
    Sector,
    Zone,
)

from .base import FilterForm, yes_no_choices

_code_prefix = RegexValidator(r"^\d{2,12}$", _("Enter 2 to 12 digits of a region code."))


def _any(choices: Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", _("any")), *choices]


def region_code_field(label: Any) -> forms.CharField:
    return forms.CharField(label=label, max_length=12, validators=[_code_prefix],
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 12}))


class RegionFilter(FilterForm):
    q = forms.CharField(label=_("Name or code"), max_length=100)
    level = forms.ChoiceField(label=_("Level"), choices=_any(RegionLevel.choices))
    poverty_county = forms.ChoiceField(label=_("National poverty county"), choices=yes_no_choices)
    poor_village = forms.ChoiceField(label=_("Poor village"), choices=yes_no_choices)
    zone = forms.ChoiceField(label=_("Zone"), choices=_any(Zone.choices))
    parent = region_code_field(_("Parent code"))


class OrganisationFilter(FilterForm):
    q = forms.CharField(label=_("Name or credit code"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=_any(OrganisationKind.choices))
    region = region_code_field(_("In region (code)"))
    parent = forms.IntegerField(label=_("Supervising unit (id)"), min_value=1)


class EntityFilter(FilterForm):
    q = forms.CharField(label=_("Name or credit code"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=_any(EntityKind.choices))
    sector = forms.ChoiceField(label=_("Sector"), choices=_any(Sector.choices))
    region = region_code_field(_("In region (code)"))


class HouseholdFilter(FilterForm):
    q = forms.CharField(label=_("Registry code"), max_length=32)
    status = forms.ChoiceField(label=_("Status"), choices=_any(HouseholdStatus.choices))
    region = region_code_field(_("In region (code)"))


class RelationFilter(FilterForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=_any(RelationKind.choices))
    year = forms.IntegerField(label=_("Year"), min_value=1949, max_value=2200)
    helper = forms.IntegerField(label=_("Helping organisation (id)"), min_value=1)
    region = region_code_field(_("Helped region (code)"))


class LinkingForm(forms.Form):
    """Which relations link organisation O to region R in year Y."""

    organisation = forms.IntegerField(label=_("Organisation (id)"), min_value=1)
    region = forms.CharField(label=_("Region code"), max_length=12,
                             widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 12}))
    year = forms.IntegerField(label=_("Year"), min_value=1949, max_value=2200)

    def clean_region(self) -> str:
        code = self.cleaned_data["region"].strip()
        if not is_region_code(code):
            raise forms.ValidationError(_("Enter a 6-, 9- or 12-digit region code."))
        return code
