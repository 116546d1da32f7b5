"""The 31 provincial-level divisions of the mainland (GB/T 2260 two-digit codes) with the names the public pages
show (English and the Chinese short name), their ISO 3166-2:CN abbreviation, and their place on the tile grid map
(column, row): reference data of the public face, not policy."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Province:
    code: str       # two digits
    en: str
    zh: str
    abbr: str       # ISO 3166-2:CN, without "CN-"
    col: int
    row: int

    @property
    def full_code(self) -> str:
        return self.code + "0000"


PROVINCE_LIST: tuple[Province, ...] = (
    Province("11", "Beijing", "北京", "BJ", 5, 1),
    Province("12", "Tianjin", "天津", "TJ", 6, 2),
    Province("13", "Hebei", "河北", "HE", 5, 2),
    Province("14", "Shanxi", "山西", "SX", 4, 2),
    Province("15", "Inner Mongolia", "内蒙古", "NM", 4, 1),
    Province("21", "Liaoning", "辽宁", "LN", 6, 1),
    Province("22", "Jilin", "吉林", "JL", 7, 1),
    Province("23", "Heilongjiang", "黑龙江", "HL", 7, 0),
    Province("31", "Shanghai", "上海", "SH", 7, 4),
    Province("32", "Jiangsu", "江苏", "JS", 6, 4),
    Province("33", "Zhejiang", "浙江", "ZJ", 6, 5),
    Province("34", "Anhui", "安徽", "AH", 5, 4),
    Province("35", "Fujian", "福建", "FJ", 5, 6),
    Province("36", "Jiangxi", "江西", "JX", 5, 5),
    Province("37", "Shandong", "山东", "SD", 5, 3),
    Province("41", "Henan", "河南", "HA", 4, 3),
    Province("42", "Hubei", "湖北", "HB", 4, 4),
    Province("43", "Hunan", "湖南", "HN", 4, 5),
    Province("44", "Guangdong", "广东", "GD", 4, 6),
    Province("45", "Guangxi", "广西", "GX", 3, 6),
    Province("46", "Hainan", "海南", "HI", 3, 7),
    Province("50", "Chongqing", "重庆", "CQ", 3, 4),
    Province("51", "Sichuan", "四川", "SC", 2, 4),
    Province("52", "Guizhou", "贵州", "GZ", 3, 5),
    Province("53", "Yunnan", "云南", "YN", 2, 5),
    Province("54", "Tibet", "西藏", "XZ", 1, 3),
    Province("61", "Shaanxi", "陕西", "SN", 3, 3),
    Province("62", "Gansu", "甘肃", "GS", 2, 2),
    Province("63", "Qinghai", "青海", "QH", 2, 3),
    Province("64", "Ningxia", "宁夏", "NX", 3, 2),
    Province("65", "Xinjiang", "新疆", "XJ", 1, 2),
)
PROVINCES: dict[str, Province] = {p.code: p for p in PROVINCE_LIST}


def province_name(code: str, *, language: str) -> str:
    """The province's name in the language of the page (Chinese short name for zh, English otherwise)."""
    p = PROVINCES.get(code[:2])
    if p is None:
        return code
    return p.zh if language.lower().startswith("zh") else p.en
