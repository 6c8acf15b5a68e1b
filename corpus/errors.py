"""The exception family of document-qa.

Library code raises these; only the CLI turns them into a message on stderr and a
non-zero exit. Every layer (corpus, indexer, qa, eval) raises a child of `QAError`,
so a caller can catch the whole family in one place.
"""


class QAError(Exception):
    """Base of every error document-qa raises on purpose. The message is for the user."""


class SettingsError(QAError, ValueError):
    """A settings object was made with a value outside its allowed range."""


class CorpusError(QAError):
    """A document or corpus could not be read (missing, empty, binary, not UTF-8...)."""


class IndexStoreError(QAError):
    """An index directory is missing, partial, corrupted or built with other settings."""


class QuestionError(QAError):
    """A question that cannot be asked (empty, too long, not text)."""


class DocumentFilterError(QAError, ValueError):
    """A document filter (`--doc`, `doc=`) that matches no document of the index."""
