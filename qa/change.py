"""Whether a number is a change rather than a level, and whether a question asks for one.

"The shareholders approved an amendment to increase by 2,000,000 the number of shares
authorized ...; approximately 4,650,000 shares are authorized": a question about the
shares authorized wants the level, a question about the increase wants the change. Reports
write both side by side ("up $17 million to $3,988 million"), and both match the question's
words equally, so the scorer needs to know which is which (features `change_asked`,
`change_not_asked`, `level_for_change`). The words are data (qa/data/lexicon.toml,
[change]); only the shape of the phrase is here.

| text before the number / labels       | question                              | change? | asks? |
|---------------------------------------|---------------------------------------|---------|-------|
| "agreed to increase by "              | How many shares are authorized?        | yes     | no    |
| "revenue was up $"                     | How much did revenue increase?         | yes     | yes   |
| "GDP grew by "                         | What was the GDP growth rate?          | yes     | yes   |
| "出口额增长"                            | 出口增长了多少?                         | yes     | yes   |
| "revenue was $"                        | What was revenue in 2019?              | no      | no    |
| column "% Change"                      | What was the percentage change ...?    | yes     | yes   |
"""

from __future__ import annotations

import re
from functools import lru_cache

from qa.lexicon import load_lexicon

_HAN = re.compile(r"[\u4e00-\u9fff]")
# What may stand between the change word and the number: "by", a hedge, a currency sign.
_BETWEEN = (r"(?:\s+(?:by|of))?(?:\s+(?:approximately|about|nearly|almost|roughly|some|over|a\s+total\s+of))?"
            r"\s*(?:US\$|HK\$|A\$|RMB|\$|€|£|¥)?\s*$")


def _alternatives(words: tuple[str, ...]) -> str:
    english = [re.escape(w) for w in words if not _HAN.search(w)]
    chinese = [re.escape(w) for w in words if _HAN.search(w)]
    parts = []
    if english:
        parts.append(r"(?<![A-Za-z])(?:" + "|".join(sorted(english, key=len, reverse=True)) + r")(?![A-Za-z])")
    if chinese:
        parts.append("(?:" + "|".join(sorted(chinese, key=len, reverse=True)) + ")")
    return "|".join(parts) or r"(?!)"


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    lexicon = load_lexicon()
    before = _alternatives(lexicon.change_before_number)
    return (re.compile(rf"(?:{before}){_BETWEEN}|(?<![A-Za-z])by\s*(?:US\$|\$|€|£)?\s*$", re.IGNORECASE),
            re.compile(before, re.IGNORECASE),
            re.compile(_alternatives(lexicon.change_in_question), re.IGNORECASE))


def reads_as_change(before: str) -> bool:
    """Whether the words right before a number in prose make it a change."""
    return bool(before) and _patterns()[0].search(before) is not None


def labels_a_change(labels: str) -> bool:
    """Whether a table cell's column labels say it holds a change ("% Change")."""
    return bool(labels) and _patterns()[1].search(labels) is not None


def asks_for_change(question: str) -> bool:
    """Whether a question asks for a change ("How much did X increase?")."""
    return _patterns()[2].search(question) is not None
