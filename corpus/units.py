"""Unit expressions as written ("亿元人民币", "万人次", "billion yuan", "square kilometers")
mapped to a scale and a canonical unit.

Why here: table headers and unit lines ("GDP(亿元人民币)", "单位:万美元") live in the corpus,
and prose figures in `qa` use the same words, so one table serves both. The canonical units
are those of DESIGN.md (CNY, USD, km, km2, t, TEU, %, person, year, None for a bare count)
plus "pp" for percentage points, "yr" for a length of time ("15 years", as opposed to the
calendar year 2016) and "date" for a day of the year without a year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping


@dataclass(frozen=True)
class UnitScale:
    """`scale` multiplies the number as written; `unit` is canonical, None for a bare count."""

    scale: float
    unit: str | None


# Scale words. Chinese ones attach to the number ("1.2万亿"), English ones follow it.
CHINESE_SCALES: Mapping[str, float] = MappingProxyType(
    {"万亿": 1e12, "千亿": 1e11, "百亿": 1e10, "十亿": 1e9, "亿": 1e8,
     "千万": 1e7, "百万": 1e6, "十万": 1e5, "万": 1e4, "千": 1e3}
)
ENGLISH_SCALES: Mapping[str, float] = MappingProxyType(
    {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
)
SCALE_WORDS: Mapping[str, float] = MappingProxyType({**CHINESE_SCALES, **ENGLISH_SCALES})

# Chinese unit words as written after a number or inside a header's parentheses.
CHINESE_UNITS: Mapping[str, str | None] = MappingProxyType(
    {
        "元人民币": "CNY", "人民币元": "CNY", "人民币": "CNY", "元": "CNY",
        "美元": "USD", "港元": "HKD", "港币": "HKD", "澳门元": "MOP", "欧元": "EUR",
        "平方公里": "km2", "平方千米": "km2", "公里": "km", "千米": "km",
        "吨": "t", "TEU": "TEU", "标箱": "TEU", "标准箱": "TEU",
        "人次": "person", "人": "person", "名": "person",
        "%": "%", "％": "%", "个百分点": "pp", "百分点": "pp",
        # Classifiers of bare counts (68个项目, 9项任务, 180个国家).
        "个": None, "项": None, "家": None, "条": None, "座": None, "所": None,
        "对": None, "批": None, "艘": None, "件": None, "颗": None, "倍": None,
    }
)

# English unit words (matched case-insensitively, whole words).
ENGLISH_UNITS: Mapping[str, str | None] = MappingProxyType(
    {
        "yuan": "CNY", "rmb": "CNY", "cny": "CNY", "renminbi": "CNY",
        "us dollars": "USD", "us dollar": "USD", "dollars": "USD", "dollar": "USD", "usd": "USD",
        "hong kong dollars": "HKD", "hkd": "HKD", "patacas": "MOP", "euros": "EUR",
        "square kilometers": "km2", "square kilometres": "km2", "square kilometer": "km2",
        "square km": "km2", "sq km": "km2", "km2": "km2", "km²": "km2",
        "kilometers": "km", "kilometres": "km", "kilometer": "km", "km": "km",
        "tons": "t", "tonnes": "t", "ton": "t", "tonne": "t",
        "teus": "TEU", "teu": "TEU", "standard containers": "TEU",
        "people": "person", "persons": "person", "person": "person",
        "passengers": "person", "passenger trips": "person", "visitors": "person",
        "percentage points": "pp", "percentage point": "pp", "percent": "%", "per cent": "%",
        "%": "%",
        "times": None,
    }
)

_UNIT_LINE_PREFIX = re.compile(r"^\s*(?:单位|unit|units)\s*[:：]\s*", re.IGNORECASE)
_BRACKETS = str.maketrans("", "", "()（）[]")


def _longest_prefix(text: str, words: Mapping[str, object]) -> str | None:
    """The longest key of `words` that `text` starts with (Chinese has no spaces)."""
    for word in sorted(words, key=len, reverse=True):
        if text.startswith(word):
            return word
    return None


def parse_unit(text: str) -> UnitScale | None:
    """Scale and canonical unit of a unit expression, or None when it is not one we know.

    Accepts Chinese ("亿元人民币", "万人", "万TEU", "个"), English ("billion yuan",
    "square kilometers", "million"), a unit line ("单位:万美元") and a header's
    parenthesised unit ("(亿元人民币)"). A scale word alone gives unit None.
    """
    cleaned = _UNIT_LINE_PREFIX.sub("", text).translate(_BRACKETS).strip()
    if not cleaned:
        return None
    lowered = " ".join(cleaned.lower().split())
    if lowered in ENGLISH_UNITS:
        return UnitScale(1.0, ENGLISH_UNITS[lowered])
    first, _, rest = lowered.partition(" ")
    if first in ENGLISH_SCALES:
        if not rest:
            return UnitScale(ENGLISH_SCALES[first], None)
        if rest in ENGLISH_UNITS:
            return UnitScale(ENGLISH_SCALES[first], ENGLISH_UNITS[rest])
        return None
    compact = "".join(cleaned.split())
    if compact in CHINESE_UNITS:  # before scale words: 千米 is a kilometre, not 千 x 米
        return UnitScale(1.0, CHINESE_UNITS[compact])
    scale_word = _longest_prefix(compact, CHINESE_SCALES)
    remainder = compact[len(scale_word):] if scale_word else compact
    scale = CHINESE_SCALES[scale_word] if scale_word else 1.0
    if not remainder:
        return UnitScale(scale, None) if scale_word else None
    if remainder in CHINESE_UNITS:
        return UnitScale(scale, CHINESE_UNITS[remainder])
    if remainder.lower() in ENGLISH_UNITS:
        return UnitScale(scale, ENGLISH_UNITS[remainder.lower()])
    return None
