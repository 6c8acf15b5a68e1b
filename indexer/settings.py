"""One frozen settings object for a whole index, written into its manifest.

Each stage keeps its own validated settings (chunking, tokenizer, BM25, dense model,
faiss); `IndexSettings` only groups them so that the manifest records exactly what
an index was built with, and so that a load can compare what was asked for with what is
on disk.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from corpus.chunker import CHUNKER_VERSION, ChunkSettings
from corpus.errors import SettingsError
from corpus.glossary import Glossary, glossary_tsv, load_glossary
from indexer.bm25 import BM25Settings
from indexer.dense import FaissSettings
from indexer.encoder import LEGACY_PRECISION, DenseSettings
from indexer.tokenizer import TokenizerSettings


def settings_to_dict(settings: Any) -> dict[str, Any]:
    """A JSON-ready dict of a frozen settings dataclass (tuples become lists)."""
    return json.loads(json.dumps(dataclasses.asdict(settings)))


def settings_from_dict(cls: type, data: dict[str, Any]) -> Any:
    """Rebuild a settings dataclass from its manifest dict; lists go back to tuples.

    Unknown keys are refused with the allowed ones in the message, so a manifest
    written by another version is caught rather than silently misread.
    """
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise SettingsError(
            f"{cls.__name__} has no setting(s) {sorted(unknown)}; allowed: {sorted(names)}"
        )
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
    return cls(**values)


@dataclass(frozen=True)
class IndexSettings:
    """Everything that decides an index's contents. Fusion is not here: it decides only
    how an index is searched (`indexer.fusion.FusionSettings`, defaults chosen on the
    evaluation set's dev split)."""

    chunking: ChunkSettings = field(default_factory=ChunkSettings)
    tokenizer: TokenizerSettings = field(default_factory=TokenizerSettings)
    bm25: BM25Settings = field(default_factory=BM25Settings)
    dense: DenseSettings = field(default_factory=DenseSettings)
    faiss: FaissSettings = field(default_factory=FaissSettings)

    def to_dict(self) -> dict[str, Any]:
        return {name: settings_to_dict(getattr(self, name)) for name in _PARTS}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "IndexSettings":
        missing = [name for name in _PARTS if name not in data]
        if missing:
            raise SettingsError(f"index settings lack {missing}; expected {list(_PARTS)}")
        data = _with_legacy_precision(data)
        return cls(**{name: settings_from_dict(_PARTS[name], data[name]) for name in _PARTS})

    def fingerprint(self) -> str:
        """A short hash of everything that shapes the index's contents: the settings and
        the build inputs that are not settings (chunker version, glossary)."""
        shaped = self.to_dict()
        shaped["build_inputs"] = build_inputs()
        blob = json.dumps(shaped, sort_keys=True, ensure_ascii=False).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()[:16]


def _with_legacy_precision(data: dict[str, Any]) -> dict[str, Any]:
    """An index written before `dense.precision` existed was embedded in fp32, whatever the
    default is now: read it so, not as today's default."""
    dense = data.get("dense")
    if isinstance(dense, dict) and "precision" not in dense:
        return {**data, "dense": {**dense, "precision": LEGACY_PRECISION}}
    return data


def build_inputs(glossary: Glossary | None = None) -> dict[str, Any]:
    """What shapes chunk texts besides the settings: a new chunker or an edited glossary
    (table rows are rendered through it) must not reuse an index built before. Without a
    glossary, the bundled one."""
    text = glossary_tsv(glossary if glossary is not None else load_glossary())
    return {
        "chunker_version": CHUNKER_VERSION,
        "glossary_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
    }


_PARTS: dict[str, type] = {
    "chunking": ChunkSettings,
    "tokenizer": TokenizerSettings,
    "bm25": BM25Settings,
    "dense": DenseSettings,
    "faiss": FaissSettings,
}
