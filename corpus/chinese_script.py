"""Traditional Chinese folded to simplified, for matching only (never for what is shown).

Reports from Hong Kong, Macao and Taiwan write 臺北, 貨櫃, 萬; the glossary, jieba's
dictionary and most questions write 台北, 货柜, 万. Folding both sides to simplified
before they are compared makes 臺北 and 台北 one term, while documents keep their own
characters, so citations show what the source wrote. The conversion is OpenCC's t2s
(characters and phrases, e.g. 乾隆 stays 乾隆 while 乾燥 becomes 干燥), by the pure-Python
`opencc-python-reimplemented`; text that is already simplified comes back unchanged.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _converter():
    from opencc import OpenCC

    return OpenCC("t2s")


@lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    """`text` with traditional characters and phrases written in simplified form."""
    return _converter().convert(text)
