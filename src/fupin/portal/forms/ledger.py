"""Forms of the ledger pages: statistics filters, uploads, reversal, period locks, canteen declarations.
Forms check shapes only; the rules live in `fupin.ledger` services."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.core.money import YuanField
from fupin.ledger.enums import Basis, Channel, Kind, Scheme
from fupin.ledger.reserved_share.enums import ExemptReason, ShareStatus
from fupin.registry.enums import OrganisationKind

from ..format import with_any
from .base import FilterForm, UploadForm

_region = RegexValidator(r"^\d{2,12}$", _("Enter 2 to 12 digits of a region code."))


def year_choices() -> list[tuple[str, object]]:
    this = timezone.localdate().year
    return [("", _("any"))] + [(str(y), str(y)) for y in range(this, 2012, -1)]


def buyer_category_choices() -> list[tuple[str, object]]:
    return with_any([*OrganisationKind.choices, ("public", _("Members of the public"))])


def region_field(label: Any) -> forms.CharField:
    return forms.CharField(label=label, max_length=12, validators=[_region],
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 8}))


# Groupings the dashboard offers (value → label); the selector decides what each means.
GROUPINGS = [
    ("year", _("Year")), ("quarter", _("Quarter")), ("month", _("Month")), ("province", _("Origin province")),
    ("prefecture", _("Origin prefecture")), ("county", _("Origin county")), ("buyer_category", _("Buyer category")),
    ("buyer", _("Buyer")), ("account", _("Buyer with its units (rolled up to each supervising unit)")),
    ("seller", _("Seller")), ("product_category", _("Product category")),
    ("channel", _("Channel")), ("kind", _("Kind")), ("basis", _("Counting basis")), ("scheme", _("Scheme")),
    ("relation", _("Assistance relation")),
]


# the totals' two views of prior-period adjustments (issue #10 §6): each month as reported and locked, or as corrected
VIEW_CHOICES = [("as_reported", _("as reported (corrections in the month booked)")),
                ("as_corrected", _("as corrected (corrections in the month they correct)"))]


class StatisticsFilter(FilterForm):
    year = forms.TypedChoiceField(label=_("Year"), choices=year_choices, coerce=int)
    province = forms.CharField(label=_("Origin province (code)"), max_length=6,
                               validators=[RegexValidator(r"^\d{2}(0000)?$", _("Enter a province code, e.g. 52."))],
                               widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 6}))
    buyer_category = forms.ChoiceField(label=_("Buyer category"), choices=buyer_category_choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=with_any(Channel.choices))
    kind = forms.ChoiceField(label=_("Kind"), choices=with_any(Kind.choices))
    scheme = forms.ChoiceField(label=_("Scheme"), choices=with_any(Scheme.choices))
    group_by = forms.ChoiceField(label=_("Group by"), choices=lambda: sorted(GROUPINGS, key=lambda g: g[0] != "province"))
    then_by = forms.ChoiceField(label=_("then by"), choices=[("", _("nothing")), *GROUPINGS])
    include_uncounted = forms.BooleanField(label=_("Include entries that do not count"))
    view = forms.ChoiceField(label=_("Months"), choices=lambda: VIEW_CHOICES)


class EntryFilter(FilterForm):
    year = forms.TypedChoiceField(label=_("Year"), choices=year_choices, coerce=int)
    month = forms.TypedChoiceField(label=_("Month"), choices=[("", _("any"))] + [(str(m), str(m)) for m in range(1, 13)],
                                   coerce=int)
    region = region_field(_("Origin region (code)"))
    # a buyer or seller is searched by its code (issue #14); the ids come from drill-down links and are kept hidden
    buyer_code = forms.CharField(label=_("Buyer (unified social credit code)"), max_length=18,
                                 widget=forms.TextInput(attrs={"size": 20, "autocomplete": "off"}))
    seller_code = forms.CharField(label=_("Seller (credit code or household code)"), max_length=32,
                                  widget=forms.TextInput(attrs={"size": 20, "autocomplete": "off"}))
    buyer = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    seller = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    buyer_category = forms.ChoiceField(label=_("Buyer category"), choices=buyer_category_choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=with_any(Channel.choices))
    kind = forms.ChoiceField(label=_("Kind"), choices=with_any(Kind.choices))
    basis = forms.ChoiceField(label=_("Counting basis"), choices=with_any(Basis.choices))
    scheme = forms.ChoiceField(label=_("Scheme"), choices=with_any(Scheme.choices))
    counted = forms.ChoiceField(label=_("Counts"), choices=[("", _("any")), ("true", _("yes")), ("false", _("no"))])
    # set by drill-down links and kept when the filters are changed
    buyers = forms.CharField(widget=forms.HiddenInput, max_length=2000,
                             validators=[RegexValidator(r"^\d+(,\d+)*$", _("A list of ids."))])
    quarter = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=4)
    product_category = forms.CharField(widget=forms.HiddenInput, max_length=30)
    relation = forms.CharField(widget=forms.HiddenInput, max_length=20,
                               validators=[RegexValidator(r"^(\d+|none)$", _("A list of ids."))])
    buyer_region = forms.CharField(widget=forms.HiddenInput, max_length=12, validators=[_region])
    side = forms.ChoiceField(widget=forms.HiddenInput, choices=[("origin", "origin"), ("buyer", "buyer")])


class YearForm(FilterForm):
    year = forms.TypedChoiceField(label=_("Year"), choices=year_choices, coerce=int)
    view = forms.ChoiceField(label=_("Months"), choices=lambda: VIEW_CHOICES)


class PurchaseUploadForm(UploadForm):
    field_order = ["file", "source", "dry_run"]
    source = forms.CharField(
        label=_("Source (when the file has no source column)"), max_length=60, required=False,
        help_text=_("Used for every row whose source cell is empty. Left empty, the source is your organisation "
                    "(its unified social credit code)."))


class ReversalForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class LockForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2013, max_value=2100)
    month = forms.IntegerField(label=_("Month"), min_value=1, max_value=12)
    region_code = forms.CharField(label=_("Region code (empty: the whole nation)"), max_length=12, required=False,
                                  validators=[RegexValidator(r"^(\d{6}|\d{9}|\d{12})$", _("Enter a full region code."))])
    reason = forms.CharField(label=_("Reason"), max_length=1000, required=False)


class UnlockForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


# -- reserved share --------------------------------------------------------------------------------------------------
class ReservedShareFilter(FilterForm):
    year = forms.TypedChoiceField(label=_("Year"), choices=year_choices, coerce=int)
    region = region_field(_("In region (code)"))
    status = forms.ChoiceField(label=_("Status"), choices=with_any(ShareStatus.choices))
    q = forms.CharField(label=_("Unit name or credit code"), max_length=100)


class DeclarationForm(forms.Form):
    organisation = forms.TypedChoiceField(label=_("Unit"), coerce=int)
    year = forms.IntegerField(label=_("Year"), min_value=2013, max_value=2100)
    canteen_food_yuan = YuanField(label=_("Canteen food procurement (yuan)"), required=False, allow_zero=True)
    farm_produce_yuan = YuanField(label=_("of which farm produce (yuan, optional)"), required=False, allow_zero=True)
    exempt_reason = forms.ChoiceField(label=_("Exempt"), required=False,
                                      choices=[("", _("not exempt")), *ExemptReason.choices])
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, units: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["organisation"]).choices = [(u.pk, f"{u.name} ({u.credit_code or u.region.code})") for u in units]


class DeclarationImportForm(UploadForm):
    """The canteen declarations file."""
