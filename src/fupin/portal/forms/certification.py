"""Forms of the certification pages (supplier, review, public). Shapes only; rules are certification's."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _l

from fupin.certification import rules
from fupin.certification.enums import ApplicationStatus, LicenceKind, ProductCategory, ProductStatus
from fupin.core.money import YuanField

from ..format import choice_label as label
from ..format import with_any as blank
from .base import FilterForm


class ProductForm(forms.Form):
    name = forms.CharField(label=_l("Product name"), max_length=200)
    category = forms.ChoiceField(label=_l("Category"), choices=ProductCategory.choices)
    specification = forms.CharField(label=_l("Specification"), max_length=200, required=False)
    unit = forms.CharField(label=_l("Unit"), max_length=20)
    origin = forms.RegexField(label=_l("Origin region code (county or village)"), regex=r"^(\d{6}|\d{9}|\d{12})$")
    annual_capacity = forms.IntegerField(label=_l("Annual supply capacity (units)"), min_value=0)
    reference_price = YuanField(label=_l("Market reference price per unit (yuan)"), allow_zero=True)
    price = YuanField(label=_l("Your price per unit (yuan)"), allow_zero=True)


class LicenceForm(forms.Form):
    kind = forms.ChoiceField(label=_l("Kind"), choices=LicenceKind.choices)
    number = forms.CharField(label=_l("Number"), max_length=60)
    product = forms.ChoiceField(label=_l("For product (empty: the whole supplier)"), required=False)
    issuer = forms.CharField(label=_l("Issued by"), max_length=200, required=False)
    valid_from = forms.DateField(label=_l("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label=_l("Valid until (empty: no expiry)"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))


class ApplicationFilter(FilterForm):
    q = forms.CharField(label=_l("Number, supplier or product"), max_length=100)
    status = forms.ChoiceField(label=_l("Status"), choices=blank(ApplicationStatus.choices))
    category = forms.ChoiceField(label=_l("Category"), choices=blank(ProductCategory.choices))


class QueueFilter(FilterForm):
    q = forms.CharField(label=_l("Number, supplier or product"), max_length=100)
    status = forms.ChoiceField(label=_l("Stage"), choices=blank(
        [(s, label(ApplicationStatus, s)) for s in rules.STAGE_LEVEL]))
    category = forms.ChoiceField(label=_l("Category"), choices=blank(ProductCategory.choices))
    min_days = forms.IntegerField(label=_l("Waiting at least (days)"), min_value=0, max_value=3650)


class ProductFilter(FilterForm):
    q = forms.CharField(label=_l("Name or code"), max_length=100)
    status = forms.ChoiceField(label=_l("Status"), choices=blank(ProductStatus.choices))
    category = forms.ChoiceField(label=_l("Category"), choices=blank(ProductCategory.choices))


class CatalogueFilter(FilterForm):
    q = forms.CharField(label=_l("Search"), max_length=100)
    category = forms.ChoiceField(label=_l("Category"), choices=blank(ProductCategory.choices))
    province = forms.RegexField(label=_l("Province code"), regex=r"^\d{2}(\d{4})?$", max_length=6)
    county = forms.RegexField(label=_l("County code"), regex=r"^\d{6}$", max_length=6)
    supplier = forms.CharField(label=_l("Supplier"), max_length=100)
    batch = forms.CharField(label=_l("Batch"), max_length=30)


class ObjectionForm(forms.Form):
    name = forms.CharField(label=_l("Your name"), max_length=100)
    contact = forms.CharField(label=_l("Phone or e-mail (optional)"), max_length=100, required=False)
    text = forms.CharField(label=_l("Your objection"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))


class VerifyForm(forms.Form):
    code = forms.CharField(label=_l("Verification code"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
