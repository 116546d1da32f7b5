"""Domain refusals become form errors in one way (`fupin.portal.forms.errors.form_error`)."""

from __future__ import annotations

import pytest
from django import forms

from fupin.core.errors import AccessDenied, InvalidInput
from fupin.portal.forms.errors import form_error


class _Form(forms.Form):
    amount_yuan = forms.CharField(required=False)
    file = forms.FileField(required=False)


def _form() -> _Form:
    form = _Form({})
    form.is_valid()
    return form


def test_each_detail_goes_to_the_field_it_names():
    form = _form()
    form_error(form, InvalidInput("no", details={"errors": [{"field": "amount", "message": "too big"},
                                                            {"field": "elsewhere", "message": "odd"}]}),
               fields={"amount": "amount_yuan"})
    assert form.errors["amount_yuan"] == ["too big"] and form.non_field_errors() == ["odd"]


def test_a_list_of_details_and_a_single_field():
    form = _form()
    form_error(form, InvalidInput("bad", details=[{"field": "amount_yuan", "message": "negative"}]))
    form_error(form, InvalidInput("whole file", details={"field": "file"}))
    assert form.errors["amount_yuan"] == ["negative"] and form.errors["file"] == ["whole file"]


def test_a_refusal_without_details_goes_to_the_default():
    form = _form()
    form_error(form, InvalidInput("unreadable", details={"line": 1, "column": 16384}), default="file")
    assert form.errors["file"] == ["unreadable"]
    other = _form()
    form_error(other, InvalidInput("locked"))
    assert other.non_field_errors() == ["locked"]


def test_a_denial_is_not_a_form_error():
    with pytest.raises(AccessDenied):
        form_error(_form(), AccessDenied("not yours"))
