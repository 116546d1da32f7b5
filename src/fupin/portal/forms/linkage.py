"""Forms of the linkage pages: filters, contracts, payments, imports, verification rounds. Shapes only."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _l

from fupin.core.money import YuanField
from fupin.linkage import sampling, services
from fupin.linkage.enums import ContractStatus, FlagKind, Mechanism, Schedule

from ..format import with_any
from .base import FilterForm, UploadForm

GROUP_BY_CHOICES = [("county", _l("County")), ("province", _l("Province")), ("entity", _l("Market entity"))]


class IndicatorFilter(FilterForm):
    year = forms.IntegerField(label=_l("Year"), min_value=2000, max_value=2100)
    group_by = forms.ChoiceField(label=_l("Group by"), choices=GROUP_BY_CHOICES)
    region = forms.CharField(label=_l("Region code"), max_length=12)


class ContractFilter(FilterForm):
    q = forms.CharField(label=_l("Contract number or entity"), max_length=100)
    mechanism = forms.ChoiceField(label=_l("Mechanism"), choices=with_any(Mechanism.choices))
    status = forms.ChoiceField(label=_l("Status"), choices=with_any(ContractStatus.choices))
    region = forms.CharField(label=_l("Region code"), max_length=12)
    year = forms.IntegerField(label=_l("In force in year"), min_value=2000, max_value=2100)
    entity = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    household = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class PaymentFilter(FilterForm):
    mechanism = forms.ChoiceField(label=_l("Mechanism"), choices=with_any(Mechanism.choices))
    year = forms.IntegerField(label=_l("Year"), min_value=2000, max_value=2100)
    region = forms.CharField(label=_l("Region code"), max_length=12)
    contract = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    entity = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    household = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class FlagFilter(FilterForm):
    on = forms.DateField(label=_l("On date"))
    kind = forms.ChoiceField(label=_l("Flag"), choices=with_any([c for c in FlagKind.choices
                                                                 if c[0] != FlagKind.VERIFICATION_DISCREPANCY]))
    region = forms.CharField(label=_l("Region code"), max_length=12)
    entity = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ContractForm(forms.Form):
    code = forms.CharField(label=_l("Contract number"), max_length=60)
    entity = forms.CharField(label=_l("Market entity (credit code or seller code)"), max_length=40)
    mechanism = forms.ChoiceField(label=_l("Mechanism"), choices=Mechanism.choices)
    start_date = forms.DateField(label=_l("Start date"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_l("End date (empty: open-ended)"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))
    schedule = forms.ChoiceField(label=_l("Payment schedule"), choices=Schedule.choices)
    households = forms.CharField(label=_l("Households: registry code[:quantity], one per line"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 4}))
    collective = forms.CharField(label=_l("Village collective (credit code), instead of households"), required=False)
    wage_basis = forms.ChoiceField(label=_l("Wage per"), required=False, choices=[("", "—"), ("day", _l("day")),
                                                                                 ("month", _l("month"))])
    wage_yuan = forms.CharField(label=_l("Wage (yuan)"), required=False)
    days_per_month = forms.CharField(label=_l("Days worked per month"), required=False)
    unit = forms.CharField(label=_l("Unit of produce"), required=False)
    protected_price_yuan = forms.CharField(label=_l("Protected price per unit (yuan)"), required=False)
    min_quantity = forms.CharField(label=_l("Minimum quantity a year"), required=False)
    dividend_basis = forms.ChoiceField(label=_l("Dividend basis"), required=False, choices=[
        ("", "—"), ("profit_percent", _l("per cent of profit")), ("per_share", _l("fixed yuan per share"))])
    percent = forms.CharField(label=_l("Per cent of profit"), required=False)
    annual_profit_yuan = forms.CharField(label=_l("Annual profit (yuan)"), required=False)
    per_share_yuan = forms.CharField(label=_l("Dividend per share (yuan)"), required=False)
    rent_per_mu_yuan = forms.CharField(label=_l("Rent per mu a year (yuan)"), required=False)
    revenue_share_percent = forms.CharField(label=_l("Share of revenue (%)"), required=False)
    annual_revenue_yuan = forms.CharField(label=_l("Annual revenue (yuan)"), required=False)
    annual_amount_yuan = forms.CharField(label=_l("Fixed amount a year (yuan)"), required=False)
    quantity = forms.CharField(label=_l("Quantity of a collective (mu or shares)"), required=False)
    note = forms.CharField(label=_l("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PaymentForm(forms.Form):
    external_id = forms.CharField(widget=forms.HiddenInput, max_length=100)
    contract = forms.CharField(label=_l("Contract number"), max_length=60)
    household = forms.CharField(label=_l("Household registry code"), required=False, max_length=32)
    collective = forms.CharField(label=_l("Village collective (credit code)"), required=False, max_length=40)
    paid_on = forms.DateField(label=_l("Date paid"), widget=forms.DateInput(attrs={"type": "date"}))
    amount_yuan = YuanField(label=_l("Amount (yuan)"))
    quantity = forms.DecimalField(label=_l("Quantity (order purchase)"), required=False, max_digits=14, decimal_places=2)
    evidence_ref = forms.CharField(label=_l("Evidence reference (voucher, bank record)"), required=False, max_length=200)
    note = forms.CharField(label=_l("Note"), required=False, max_length=300)


class TransitionForm(forms.Form):
    action = forms.ChoiceField(choices=[(k, k) for k in services.CONTRACT_TRANSITIONS])
    reason = forms.CharField(label=_l("Reason"), required=False, max_length=500)
    ended_on = forms.DateField(label=_l("Ended on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class DocumentForm(forms.Form):
    title = forms.CharField(label=_l("Title"), max_length=200)
    reference = forms.CharField(label=_l("Document reference"), required=False, max_length=200)
    file = forms.FileField(label=_l("File"), required=False)


class ImportForm(UploadForm):
    field_order = ["kind", "file", "dry_run"]
    kind = forms.ChoiceField(label=_l("What the file holds"), choices=[("contracts", _l("Linkage contracts")),
                                                                       ("payments", _l("Benefit payments"))])


class RoundForm(forms.Form):
    county = forms.CharField(label=_l("County code"), max_length=6, min_length=6)
    period_start = forms.DateField(label=_l("Period start"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_l("Period end"), widget=forms.DateInput(attrs={"type": "date"}))
    seed = forms.IntegerField(label=_l("Random seed (empty: drawn at random and recorded)"), required=False, min_value=0)


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_l("Outcome"), choices=sampling.outcome_choices)
    reported_yuan = YuanField(label=_l("Amount the household reports (yuan)"), required=False, allow_zero=True)
    note = forms.CharField(label=_l("Note"), required=False, max_length=500)
