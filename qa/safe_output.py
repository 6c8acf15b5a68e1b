"""Text from documents, file names and questions, made safe to print.

A document may hold terminal escapes (ANSI/OSC sequences, C1 controls such as U+009B, BEL,
backspace) or bidirectional overrides (U+202E): printed raw, they can clear the screen,
retitle the window, hide a link or reorder what the reader sees. Text output shows each
such character visibly escaped (`\\x1b`, `\\u202e`); JSON output escapes them as `\\uXXXX`,
so it stays valid JSON and valid UTF-8 and a terminal never acts on them.

| input                    | visible()                  | in json_line()            |
|--------------------------|----------------------------|---------------------------|
| "GDP\\x1b[2J"             | "GDP\\\\x1b[2J"              | "GDP\\\\u001b[2J"           |
| "abc\\u202edef"           | "abc\\\\u202edef"            | "abc\\\\u202edef"           |
| "line\\nnext\\tcell"       | unchanged (\\n and \\t kept) | \\n and \\t as JSON escapes  |
| "广州 19547.44"           | unchanged                  | unchanged                 |
"""

from __future__ import annotations

import json
import re
from typing import Any

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional marks,
# embeddings, overrides and isolates (Unicode TR9), plus the line and paragraph separators.
# Lone surrogates too: a file name or argument that is not UTF-8 reaches Python as
# U+DC80..U+DCFF (surrogateescape) and cannot be written out at all (shown as its byte).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                     "\ud800-\udfff]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"  # the byte that was not UTF-8
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` with every control or bidi character shown as an escape, not acted on."""
    return _UNSAFE.sub(_escaped, text)


def json_line(data: Any) -> str:
    """One JSON object as a line: UTF-8 text kept readable (Chinese as written), control
    and bidi characters escaped as \\uXXXX."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(data, ensure_ascii=False))
