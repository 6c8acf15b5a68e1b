"""Bytes of a text file -> str, in whatever encoding it was saved (UTF-8, GBK, Big5, ...).

UTF-8 is tried first (it is strict: text in another encoding almost never decodes as
UTF-8) and a UTF-16 byte-order mark is honoured; anything else is detected by
charset-normalizer, which judges each candidate encoding by how much of the decoded text
is coherent language. Its guess is kept only when the text it gives is text (no control
characters), so a binary file is refused instead of read as mojibake. The encoding used
is returned, to be shown to the user.
"""

from __future__ import annotations

import unicodedata

from corpus.readers.errors import ReadError

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_ALLOWED_CONTROLS = set("\t\n\r\f\v\x1b")
MAX_CONTROL_SHARE = 0.001


def decode_text(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """(text, encoding name) of a text file's bytes; `declared` is an encoding the file
    names itself (an HTML meta charset), tried after UTF-8. Raises `ReadError`."""
    if not data:
        raise ReadError("is empty; add text or remove the file")
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as error:
            raise ReadError(f"starts like UTF-16 text but is not ({error.reason}); re-save it as UTF-8") from error
    if b"\x00" in data:
        raise ReadError("looks binary (contains NUL bytes), not text; save it as text or remove it")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    for name in [declared] if declared else []:
        try:
            text = data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
        if _is_text(text):
            return text, name
    return _detected(data)


def _detected(data: bytes) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ReadError("is neither UTF-8 nor any encoding that could be detected (binary?); "
                        "save it as UTF-8 text")
    text = str(best)
    if not _is_text(text):
        raise ReadError(f"does not read as text in any encoding (best guess {best.encoding} "
                        "gives control characters); is it binary?")
    return text, best.encoding


def _is_text(text: str) -> bool:
    """No more control characters than a stray one per thousand characters."""
    controls = sum(1 for char in text if unicodedata.category(char) == "Cc" and char not in _ALLOWED_CONTROLS)
    return controls <= MAX_CONTROL_SHARE * len(text)
