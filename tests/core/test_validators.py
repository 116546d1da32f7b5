import pytest

from fupin.core import validators as v
from fupin.core.money import MoneyError, fen_to_yuan, yuan_to_fen


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000802100433B"])
def test_real_credit_codes_pass(code):
    assert v.uscc_error(code) is None


@pytest.mark.parametrize("code,reason", [
    ("91350100M000100Y44", "check character"),
    ("91350100M000100Y4", "18 characters"),
    ("91350100M000100I43", "alphabet"),
])
def test_bad_credit_codes_are_refused_with_a_reason(code, reason):
    assert reason in v.uscc_error(code)


def test_resident_id_check_character():
    assert v.resident_id_error("11010519491231002X") is None
    assert "check character" in v.resident_id_error("110105194912310021")
    assert v.resident_id_error("1101051949123100") is not None


def test_keyed_hash_depends_on_key_and_hides_the_number():
    h1 = v.keyed_hash("11010519491231002X", key="k1")
    assert h1 != v.keyed_hash("11010519491231002X", key="k2")
    assert "1101" not in h1 and len(h1) == 64


def test_masking():
    assert v.mask_name("张三丰") == "张**"
    assert v.mask_phone("13812345678") == "138****5678"


@pytest.mark.parametrize("text,fen", [("12.34", 1234), ("0.01", 1), ("1,000", 100000), ("5", 500), ("7.50", 750)])
def test_yuan_to_fen(text, fen):
    assert yuan_to_fen(text) == fen


@pytest.mark.parametrize("text", ["0", "-1", "1.234", "abc", "", "NaN", "Infinity"])
def test_bad_amounts(text):
    with pytest.raises(MoneyError):
        yuan_to_fen(text)


def test_fen_to_yuan():
    assert fen_to_yuan(123456) == "1234.56"
    assert fen_to_yuan(-5) == "-0.05"
