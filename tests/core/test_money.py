"""The one money parser (issue #9 defect 1): amounts in yuan become integer fen by one grammar, everywhere.

The grammar is written here a second time, independently of the module, so that the property "every accepted
string matches the grammar" can fail."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django import forms
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from fupin.core.money import (
    MAX_FEN,
    MoneyError,
    OptionalYuan,
    OptionalYuanOrZero,
    Yuan,
    YuanField,
    YuanOrZero,
    fen_parser,
    fen_to_yuan,
    fen_to_yuan_grouped,
    yuan_to_fen,
)

# The accepted spelling of an amount, as the documentation states it: surrounding spaces, an optional sign, an
# optional ¥/￥, digits either plain or grouped by three with the same separator throughout (an ASCII or a
# full-width comma; the first group does not start with 0), an optional point with decimals of which at most two
# are not zero. No exponent, no NaN or infinity, no other separators.
GRAMMAR = re.compile(
    r"\s*[-+]?[¥￥]?\s*"
    r"(?:[0-9]+|[1-9][0-9]{0,2}(?:,[0-9]{3})+|[1-9][0-9]{0,2}(?:，[0-9]{3})+)"
    r"(?:\.[0-9]{1,2}0*)?\s*"
)

DEFECTS = ["10,00", "0,5", "1,2,3", "1.234,56", "1,23", ",123", "1,234，567", "12,3456", "0,500", "1,"]


# -- the defect cases: before the fix "10,00" was 1,000.00 yuan and "0,5" was 5.00 yuan ------------------------------
@pytest.mark.parametrize("text", DEFECTS)
def test_misplaced_separators_are_refused(text):
    with pytest.raises(MoneyError) as exc:
        yuan_to_fen(text)
    assert exc.value.code == "invalid_amount" and exc.value.message


@pytest.mark.parametrize("text", ["1e2", "1E+2", "NaN", "nan", "Infinity", "-inf", "0x10", "1_000", "１２３", "12.",
                                  ".5", "1 000", "1.2.3", "¥-5", "--5", "5元", "abc"])
def test_other_spellings_are_not_amounts(text):
    with pytest.raises(MoneyError) as exc:
        yuan_to_fen(text)
    assert exc.value.code == "invalid_amount"


@pytest.mark.parametrize("text, fen", [
    ("100", 10000), ("100.5", 10050), ("0.01", 1), ("12.34", 1234), ("7.50", 750), ("1.230", 123),
    ("1,234", 123400), ("1,234.56", 123456), ("1,234,567.89", 123456789), ("1，234，567.89", 123456789),
    (" 7.00 ", 700), ("¥3.2", 320), ("￥ 1,000", 100000), ("+5", 500), ("007", 700), ("1000000", 100000000),
])
def test_accepted_spellings(text, fen):
    assert yuan_to_fen(text) == fen


@pytest.mark.parametrize("value, fen", [(12, 1200), (12.5, 1250), (0.1, 10), (Decimal("3.20"), 320),
                                        (Decimal("1E+2"), 10000)])
def test_numbers_from_spreadsheets_and_json(value, fen):
    assert yuan_to_fen(value) == fen


@pytest.mark.parametrize("text, code, kwargs", [
    ("", "required", {}), ("   ", "required", {}),
    ("0", "amount_not_positive", {}), ("0.00", "amount_not_positive", {}), ("-5", "amount_not_positive", {}),
    ("-5", "amount_negative", {"allow_zero": True}),
    ("1.234", "too_many_decimals", {}), ("1.001", "too_many_decimals", {}),
    ("100000000.01", "amount_too_large", {"max_fen": 10_000_000_000}),
    (str(MAX_FEN // 100 + 1), "amount_too_large", {}),
])
def test_each_refusal_has_its_code(text, code, kwargs):
    with pytest.raises(MoneyError) as exc:
        yuan_to_fen(text, **kwargs)
    assert exc.value.code == code and exc.value.message


def test_zero_and_negative_when_allowed():
    assert yuan_to_fen("0", allow_zero=True) == 0
    assert yuan_to_fen("-0.05", allow_negative=True) == -5
    assert yuan_to_fen("100000000.00", max_fen=10_000_000_000) == 10_000_000_000


@pytest.mark.parametrize("value", [True, None, [1], float("nan"), float("inf"), 1e-7])
def test_other_types_are_refused(value):
    with pytest.raises(MoneyError):
        yuan_to_fen(value)


# -- properties ------------------------------------------------------------------------------------------------------
@given(st.integers(min_value=1, max_value=MAX_FEN))
def test_format_then_parse_gives_the_same_fen(fen):
    assert yuan_to_fen(fen_to_yuan(fen)) == fen
    assert yuan_to_fen(fen_to_yuan_grouped(fen)) == fen
    assert yuan_to_fen(fen_to_yuan_grouped(fen).replace(",", "，")) == fen


@given(st.integers(min_value=-MAX_FEN, max_value=MAX_FEN))
def test_negative_and_zero_round_trip_when_allowed(fen):
    assert yuan_to_fen(fen_to_yuan(fen), allow_zero=True, allow_negative=True) == fen


AMOUNT_ALPHABET = st.sampled_from(list("0123456789,，.¥￥ -+eE_") + ["00", "000", ",000", ".5", "1,234"])


@given(st.lists(AMOUNT_ALPHABET, min_size=1, max_size=12).map("".join))
def test_every_accepted_string_matches_the_grammar(text):
    try:
        fen = yuan_to_fen(text, allow_zero=True, allow_negative=True)
    except MoneyError as exc:
        assert exc.code in {"required", "invalid_amount", "too_many_decimals", "amount_too_large"}
        return
    assert GRAMMAR.fullmatch(text), text
    # and the value is the plain reading of the digits
    plain = re.sub(r"[\s,，¥￥]", "", text)
    assert Decimal(plain) * 100 == fen


@given(st.from_regex(GRAMMAR, fullmatch=True))
def test_every_string_of_the_grammar_is_accepted_or_refused_for_its_value(text):
    try:
        yuan_to_fen(text, allow_zero=True, allow_negative=True)
    except MoneyError as exc:
        assert exc.code in {"too_many_decimals", "amount_too_large"}, (text, exc.code)


# -- the API edge (pydantic) and the form edge (Django) ----------------------------------------------------------------
class Amounts(BaseModel):
    amount: Yuan
    price: YuanOrZero = 0
    optional: OptionalYuan = None
    optional_zero: OptionalYuanOrZero = None


def test_the_api_type_takes_a_json_number_or_string_and_gives_fen():
    m = Amounts.model_validate_json('{"amount": 12.5, "price": "1,234.56", "optional": " ", "optional_zero": 0}')
    assert (m.amount, m.price, m.optional, m.optional_zero) == (1250, 123456, None, 0)
    assert Amounts.model_validate({"amount": "￥1，000"}).amount == 100000


@pytest.mark.parametrize("payload, code", [
    ({"amount": "10,00"}, "invalid_amount"), ({"amount": "0"}, "amount_not_positive"), ({"amount": 1.234},
                                                                                         "too_many_decimals"),
    ({"amount": "1e3"}, "invalid_amount"), ({"amount": True}, "invalid_amount"), ({"amount": ""}, "required"),
    ({"amount": "1", "optional": "0"}, "amount_not_positive"), ({"amount": "1", "price": "-1"}, "amount_negative"),
])
def test_the_api_type_refuses_with_the_parser_code(payload, code):
    with pytest.raises(ValidationError) as exc:
        Amounts.model_validate(payload)
    assert [e["type"] for e in exc.value.errors()] == [code]


def test_the_api_type_shows_the_grammar_in_the_schema():
    prop = Amounts.model_json_schema()["properties"]["amount"]
    pattern = next(k["pattern"] for k in prop["anyOf"] if k.get("type") == "string")
    assert {k["type"] for k in prop["anyOf"]} == {"string", "number"}
    assert re.fullmatch(pattern, "1,234.56") and not re.fullmatch(pattern, "10,00") and not re.fullmatch(pattern, "1e2")
    assert "null" in {k["type"] for k in Amounts.model_json_schema()["properties"]["optional"]["anyOf"]}


class PriceForm(forms.Form):
    price = YuanField(allow_zero=True)
    extra = YuanField(required=False)


def test_the_form_field_cleans_to_fen_and_shows_fen_as_yuan():
    form = PriceForm({"price": "1,234.50", "extra": ""})
    assert form.is_valid() and form.cleaned_data == {"price": 123450, "extra": None}
    bad = PriceForm({"price": "0,5", "extra": "0"})
    assert not bad.is_valid()
    assert bad.errors.as_data()["price"][0].code == "invalid_amount"
    assert bad.errors.as_data()["extra"][0].code == "amount_not_positive"
    assert 'value="12.30"' in str(PriceForm(initial={"price": 1230})["price"])


# -- the bound parser of the hot path is the same parser -------------------------------------------------------------
class CellRefused(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _outcome(fn, text):
    try:
        return fn(text)
    except (MoneyError, CellRefused) as exc:
        return exc.code


@given(st.one_of(st.lists(AMOUNT_ALPHABET, min_size=0, max_size=12).map("".join),
                 st.integers(min_value=-10**13, max_value=10**13).map(fen_to_yuan)))
def test_the_bound_parser_gives_what_yuan_to_fen_gives(text):
    bound = fen_parser(max_fen=10_000_000_000, error=CellRefused)
    assert _outcome(bound, text) == _outcome(lambda t: yuan_to_fen(t, max_fen=10_000_000_000), text)


def test_the_bound_parser_raises_the_callers_error():
    with pytest.raises(CellRefused) as exc:
        fen_parser(error=CellRefused)("10,00")
    assert exc.value.code == "invalid_amount"
    with pytest.raises(MoneyError):
        fen_parser()("0")
    assert fen_parser(allow_zero=True)("0") == 0
