"""Filters of the oversight pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.core.enums import SecurityEventKind

from .base import FilterForm


class AuditFilter(FilterForm):
    object_type = forms.CharField(label=_("Object type"), max_length=80)
    object_id = forms.CharField(label=_("Object id"), max_length=64)
    actor = forms.CharField(label=_("Actor"), max_length=150)


class SecurityFilter(FilterForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("any")), *SecurityEventKind.choices])
