"""What one table cell says, read as people write it in reports.

    written               read as
    2418.78, 1,404        2418.78, 1404
    $1,327.9, $ 1,452.4   1327.9 with currency "$"
    $ (9,982), (494)      -9982, -494 (parentheses: a negative)
    −298                  -298 (U+2212 minus)
    1.30 (1), 1.73 (2), (3), 4.5*
                          1.30, 1.73, 4.5 (a footnote mark after the number is not part of it)
    12.5%, (4.1)%, 50.0 % 12.5, -4.1, 50.0 with suffix "%"
    63 bps                63 with suffix "bps"
    —, -, N/A, Nil, NM    no data
    2019, FY2019, F19, Fiscal 2019, December 31, 2019, 30 June 2019, 2016年
                          a period (its year: 2019 ... 2016)
    Year Ended June 30,   a period title: the words over a row of years

Pure functions of the cell's text; `corpus.tables` decides from them which rows are headers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NO_DATA = frozenset({
    "", "—", "——", "-", "--", "---", "–", "－", "…", "...", "N/A", "n/a", "NA", "/",
    "Nil", "nil", "NM", "nm", "N/M", "n/m",
})
_CURRENCY = r"(?:US\$|HK\$|A\$|AU\$|C\$|RMB|\$|€|£|¥|₹)"
_NUMBER = re.compile(
    rf"^(?P<sign>[+\-−–])?\s*(?P<cur>{_CURRENCY})?\s*(?P<open>\()?\s*(?P<sign2>[\-−])?\s*"
    rf"(?P<cur2>{_CURRENCY})?\s*(?P<num>(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?|\.\d+)"
    r"\s*(?P<pct>%)?\s*(?P<close>\))?\s*(?P<suffix>%|bps|bp)?$"
)
_YEAR = r"(?:19|20)\d{2}"
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE = rf"(?:{_MONTH}\s+\d{{1,2}},?\s+{_YEAR}|\d{{1,2}}\s+{_MONTH},?\s+{_YEAR}|{_MONTH},?\s+{_YEAR})"
_LEAD = (
    r"(?:(?:for\s+the\s+)?(?:(?:fiscal\s+)?years?|(?:three|six|nine|twelve|\d+)\s+(?:months|weeks)|"
    r"quarter|period)\s+end(?:ed|ing)\s+|as\s+(?:of|at)\s+|at\s+)"
)
_PERIODS = tuple(re.compile(p, re.IGNORECASE) for p in (
    rf"^(?P<y>{_YEAR})$",
    rf"^(?:FY|F)\s*'?(?P<y>{_YEAR}|\d{{2}})$",
    rf"^(?:fiscal|financial)(?:\s+year)?\s+(?P<y>{_YEAR})$",
    rf"^(?P<y>{_YEAR})\s+fiscal(?:\s+year)?$",
    rf"^{_LEAD}?(?P<d>{_DATE})$",
    rf"^(?:Q[1-4]|H[12])\s+(?P<y>{_YEAR})$",
    rf"^(?P<y>{_YEAR})\s*年(?:\s*\d{{1,2}}\s*月(?:\s*\d{{1,2}}\s*日)?)?[末底]?$",
))
# Footnote marks after a cell's number: " (1)", " (a), (b)", "*", " [2]"; a mark in
# parentheses needs a space before it ("4(a)" is a reference, "(49)" a negative).
_CELL_FOOTNOTES = re.compile(r"(?:\s+(?:\(\s*\w{1,2}\s*\)|\[\w{1,2}\])(?:\s*,?\s*(?:\(\s*\w{1,2}\s*\)|\[\w{1,2}\]))*|\*+)$")
# A period row with a note: "2019 (proposed)", "2018 (as restated)".
_NOTED_YEAR = re.compile(rf"^(?P<y>{_YEAR})\s*\((?:[A-Za-z][A-Za-z -]{{1,28}})\)$")
_DATED_LABEL = re.compile(rf"\b(?:at|as\s+of|as\s+at|on|end(?:ed|ing))\s+(?P<d>{_DATE})$", re.IGNORECASE)
_FOOTNOTES = re.compile(r"(?:\s*(?:\(\s*\w{1,2}\s*\)|\*+|\[\w{1,2}\]))+$")
_TITLE = re.compile(rf"\b(?:end(?:ed|ing)|as\s+(?:of|at)|fiscal)\b|^{_MONTH}\s+\d{{1,2}},?$", re.IGNORECASE)
_ANY_YEAR = re.compile(rf"(?<!\d)({_YEAR})(?!\d)")
_COMPARISON = re.compile(
    r"\b(?:vs|versus|change|changes|from|to|compared|over|increase|decrease|growth|variance)\b|"
    rf"{_YEAR}\s*[-–/]\s*(?:{_YEAR}|\d{{2}})\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CellNumber:
    """A numeric cell: `value` signed as written, no scale applied; `currency` the symbol
    written with it ("$"), `suffix` "%" or "bps" when written."""

    value: float
    currency: str | None
    suffix: str | None


def read_number(text: str) -> CellNumber | None:
    """The number of a cell as written, or None for text (see the module's table)."""
    text = text.strip()
    match = _NUMBER.match(text) or _NUMBER.match(_CELL_FOOTNOTES.sub("", text))
    if not match or bool(match.group("open")) != bool(match.group("close")):
        return None
    signs = [s for s in (match.group("sign"), match.group("sign2")) if s]
    if len(signs) + bool(match.group("open")) > 1 or (match.group("cur") and match.group("cur2")):
        return None
    if match.group("pct") and match.group("suffix"):
        return None
    negative = bool(match.group("open")) or any(s in "-−–" for s in signs)
    value = float(match.group("num").replace(",", ""))
    suffix = "%" if match.group("pct") else match.group("suffix")
    return CellNumber(-value if negative else value, match.group("cur") or match.group("cur2"), suffix)


def is_no_data(text: str) -> bool:
    return text.strip() in NO_DATA


def strip_footnotes(text: str) -> str:
    """"2018 (1)" -> "2018", "Fiscal 2016 (2)(3)(5)" -> "Fiscal 2016"."""
    return _FOOTNOTES.sub("", text.strip()).strip()


def period_year(text: str) -> int | None:
    """The year of a cell that is a period and nothing else ("FY19" -> 2019), else None."""
    cleaned = strip_footnotes(text)
    for pattern in _PERIODS:
        match = pattern.match(cleaned)
        if match:
            written = match.groupdict().get("y") or _ANY_YEAR.search(match.group("d")).group(1)
            return int(written) if len(written) == 4 else 2000 + int(written)
    return None


def label_year(text: str) -> int | None:
    """The year of a header label that names one period among other words ("2019 actual",
    "Three months ended 31 December 2019"); None for two years or a comparison
    ("2019 vs 2018", "Change from 2018", "2017-2019")."""
    strict = period_year(text)
    if strict is not None:
        return strict
    years = set(_ANY_YEAR.findall(text))
    if len(years) != 1 or _COMPARISON.search(text):
        return None
    return int(years.pop())


def is_period_title(text: str) -> bool:
    """Words over a row of years: "Year Ended June 30,", "As of December 31", "March 31,"."""
    cleaned = text.strip()
    return bool(cleaned) and not re.search(r"\d{3,}", cleaned) and bool(_TITLE.search(cleaned))


def row_period(text: str) -> tuple[str, int] | None:
    """(period, year) of a row label that is a period ("2021", "FY2019", "2019 (proposed)")
    or ends with a date it is at ("Balance at March 31, 2018" -> "March 31, 2018"), else None."""
    cleaned = strip_footnotes(text)
    year = period_year(cleaned)
    if year is not None:
        return cleaned, year
    noted = _NOTED_YEAR.match(cleaned)
    if noted:
        return cleaned, int(noted.group("y"))
    dated = _DATED_LABEL.search(cleaned)
    if dated:
        return dated.group("d"), period_year(dated.group("d"))
    return None
