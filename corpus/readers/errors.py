"""Why one file cannot be read, in words for the user (the loader adds the file's name)."""

from corpus.errors import CorpusError


class ReadError(CorpusError):
    """A file a reader cannot turn into a document; the message says why and what to do,
    without the file's name (the loader puts it in front)."""
