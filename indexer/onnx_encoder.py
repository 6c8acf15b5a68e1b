"""Passage and query embeddings through ONNX Runtime, fp32 or int8; never imports torch.

The transformer runs as an ONNX graph (`indexer.onnx_export` makes it once from the local
model); tokenising (`tokenizers`) and mean pooling + normalisation (numpy, as
sentence-transformers does) are shared with `indexer.numpy_bert`. fp32 gives the same
vectors as sentence-transformers (~2e-7); int8 (per-channel dynamic quantisation) gives
vectors at a cosine of about 0.99 to them, faster. An index records which precision
embedded it and its queries are embedded at the same one (`indexer.encoder`).

Speed: texts are tokenised once up front, then embedded in batches of similar length
(sorted by token count, so padding stays small), longest first so the progress bar's ETA
starts pessimistic and shrinks; ONNX Runtime runs each batch on every core this process
may use.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from corpus.errors import SettingsError
from indexer.numpy_bert import bert_tokenizer, mean_pool, padded
from indexer.onnx_export import discard, ensure_onnx

BATCH = 32  # texts per run; larger batches gained nothing measurable here and cost memory


def _cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class OnnxEncoder:
    """Encoder protocol (see indexer.encoder) over a BERT + mean pooling model in ONNX Runtime.

    `threads` is ONNX Runtime's intra-op thread count: every core for building an index;
    one for queries (a question is a few tokens, and on a busy machine extra threads only
    wait for each other).
    """

    def __init__(self, model_dir: Path, model_id: str, weights_sha256: str, precision: str,
                 threads: int | None = None, say=None) -> None:
        import onnxruntime as ort

        self.model_id = model_id
        self.precision = precision
        self._tokenizer, self.max_seq_length = bert_tokenizer(model_dir)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or _cpus()
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads == 1:
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        path = ensure_onnx(model_dir, weights_sha256, precision, say)
        try:
            self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception:  # noqa: BLE001 - onnxruntime raises its own unexported errors
            discard(path)  # a damaged cache file: made again once, then trusted no further
            path = ensure_onnx(model_dir, weights_sha256, precision, say)
            try:
                self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            except Exception as error:  # noqa: BLE001
                raise SettingsError(f"ONNX Runtime cannot load {path}: {error}") from error
        self.dim = int(self._session.get_outputs()[0].shape[-1])

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        """L2-normalised float32 embeddings, shape (len(texts), dim), in input order.

        With `show_progress`, a bar on stderr with passages per second and the ETA."""
        if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
            raise TypeError("encode() takes a sequence of str (wrap a single text in a list)")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids), reverse=True)
        bar = None
        if show_progress:
            from tqdm import tqdm

            bar = tqdm(total=len(texts), unit="passage", desc="embedding", file=sys.stderr,
                       dynamic_ncols=True, smoothing=0.1)
        try:
            for start in range(0, len(order), BATCH):
                rows = order[start:start + BATCH]
                ids, mask = padded([encodings[i].ids for i in rows], mask_dtype=np.int64)
                hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
                out[rows] = mean_pool(hidden, mask)
                if bar is not None:
                    bar.update(len(rows))
        finally:
            if bar is not None:
                bar.close()
        return out
