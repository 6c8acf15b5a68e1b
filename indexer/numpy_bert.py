"""Query encoding without torch: a numpy forward pass of a BERT sentence-transformers model.

Why: importing torch and sentence-transformers takes 3-5 s here, and a cold `qa ask` in
hybrid mode must answer in <= 2 s. For the common pipeline Transformer(BERT) -> mean
Pooling -> (Normalize) this module gives the same vectors as sentence-transformers (to
~1e-6, checked in tests/test_indexer_encoder.py) with only `tokenizers`, `safetensors`
and numpy. It must never import torch or sentence-transformers.

The forward pass follows Devlin et al. 2019 (BERT) as implemented by Hugging Face's
`BertModel` (post-layernorm residual blocks, exact erf GELU); pooling and normalisation
follow sentence-transformers' `Pooling(mean)` and `Normalize` modules.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus.errors import SettingsError

_TRANSFORMER = "sentence_transformers.models.Transformer"
_POOLING = "sentence_transformers.models.Pooling"
_NORMALIZE = "sentence_transformers.models.Normalize"
_BATCH = 32  # texts per forward pass; queries come one at a time, this bounds memory

# Rational approximation of erf on [-4, 4] (beyond it erf is +-1 in float32), from
# Eigen's `generic_fast_erf_float` (also used by XLA). Max abs error against math.erf is
# ~1e-7, below float32 resolution of the activations it feeds.
_ERF_ALPHA = (-2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06,
              -5.69250639462346e-05, -7.34990630326855e-04, -2.95459980854025e-03,
              -1.60960333262415e-02)
_ERF_BETA = (-1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03,
             -7.37332916720468e-03, -1.42647390514189e-02)


def erf(x: np.ndarray) -> np.ndarray:
    """Elementwise erf in float32 without scipy (importing scipy.special costs ~0.3 s)."""
    x = np.clip(x, -4.0, 4.0).astype(np.float32, copy=False)
    x2 = x * x
    p = np.full_like(x, _ERF_ALPHA[0])
    for c in _ERF_ALPHA[1:]:
        p = p * x2 + np.float32(c)
    q = np.full_like(x, _ERF_BETA[0])
    for c in _ERF_BETA[1:]:
        q = q * x2 + np.float32(c)
    return x * p / q


def gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x * Phi(x) (Hendrycks & Gimpel 2016), not the tanh approximation."""
    return 0.5 * x * (1.0 + erf(x * np.float32(1.0 / math.sqrt(2.0))))


def _cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _read_json(path: Path) -> dict | list | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def unsupported_reason(model_dir: Path) -> str | None:
    """Why this model folder cannot take the numpy path, or None when it can.

    Cheap: reads the small config files and the safetensors header only.
    """
    modules = _read_json(model_dir / "modules.json")
    if not isinstance(modules, list):
        return "no readable modules.json"
    types = [m.get("type") for m in modules if isinstance(m, dict)]
    if types not in ([_TRANSFORMER, _POOLING], [_TRANSFORMER, _POOLING, _NORMALIZE]):
        return f"module pipeline {types} is not Transformer -> Pooling [-> Normalize]"
    if modules[0].get("path", "") != "":
        return "the transformer is not at the model folder's root"
    pooling = _read_json(model_dir / modules[1].get("path", "") / "config.json")
    if not isinstance(pooling, dict):
        return "no readable pooling config"
    modes = {k: v for k, v in pooling.items() if k.startswith("pooling_mode_")}
    if modes.get("pooling_mode_mean_tokens") is not True or sum(bool(v) for v in modes.values()) != 1:
        return "pooling is not mean pooling alone"
    if pooling.get("include_prompt", True) is not True:
        return "pooling excludes the prompt"
    config = _read_json(model_dir / "config.json")
    if not isinstance(config, dict) or config.get("model_type") != "bert":
        return "config.json model_type is not bert"
    if config.get("hidden_act") != "gelu" or config.get("position_embedding_type", "absolute") != "absolute":
        return "BERT variant with another activation or position embedding"
    st_config = _read_json(model_dir / "sentence_bert_config.json")
    if not isinstance(st_config, dict) or st_config.get("do_lower_case", False):
        return "sentence_bert_config.json missing or asks for extra lower-casing"
    st_extra = _read_json(model_dir / "config_sentence_transformers.json") or {}
    if isinstance(st_extra, dict) and (st_extra.get("prompts") or st_extra.get("default_prompt_name")):
        return "the model uses prompts"
    for name in ("tokenizer.json", "model.safetensors"):
        if not (model_dir / name).is_file():
            return f"no {name}"
    return _weights_problem(model_dir / "model.safetensors")


def _weights_problem(weights: Path) -> str | None:
    """Float32 tensors under BertModel's names (optionally prefixed `bert.`), or why not."""
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(weights), framework="numpy") as f:
            keys = set(f.keys())
            dtypes = {f.get_slice(k).get_dtype() for k in keys if not k.endswith("position_ids")}
    except (OSError, SafetensorError) as e:
        return f"unreadable safetensors header ({e})"
    if not keys & {"embeddings.word_embeddings.weight", "bert.embeddings.word_embeddings.weight"}:
        return "weights are not named like a BertModel's"
    return None if dtypes == {"F32"} else f"weights are {sorted(dtypes)}, not float32 only"


def bert_tokenizer(model_dir: Path):
    """The model's `tokenizers` tokenizer set up as sentence-transformers uses it, and its
    max_seq_length: truncation at max_seq_length, no padding (batches are padded by the
    caller to their longest text). tokenizer.json may carry other defaults
    (all-MiniLM-L6-v2's says 128 and fixed padding)."""
    from tokenizers import Tokenizer

    try:
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        st_config = json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
        tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    except Exception as e:  # noqa: BLE001 - tokenizers raises plain Exception on a bad file
        raise SettingsError(f"cannot load model files from {model_dir}: {e}") from e
    max_len = int(config.get("max_position_embeddings", 512))
    max_seq_length = min(int(st_config.get("max_seq_length") or max_len), max_len)
    tokenizer.enable_truncation(max_seq_length)
    tokenizer.no_padding()
    return tokenizer, max_seq_length


def padded(token_ids: Sequence[Sequence[int]], mask_dtype=np.float32) -> tuple[np.ndarray, np.ndarray]:
    """(ids, mask) of a batch, zero-padded to its longest row."""
    width = max(len(ids) for ids in token_ids)
    ids = np.zeros((len(token_ids), width), dtype=np.int64)
    mask = np.zeros((len(token_ids), width), dtype=mask_dtype)
    for row, seq in enumerate(token_ids):
        ids[row, :len(seq)] = seq
        mask[row, :len(seq)] = 1
    return ids, mask


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """sentence-transformers' Pooling(mean) then Normalize: the average of the real tokens'
    hidden states (padding excluded), L2-normalised; float32 (batch, dim)."""
    mask = mask.astype(np.float32, copy=False)
    summed = (hidden * mask[:, :, None]).sum(axis=1)
    pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), np.float32(1e-9))
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.maximum(norms, np.float32(1e-12))).astype(np.float32, copy=False)


@dataclass(frozen=True)
class _Layer:
    """One encoder block; linear weights stored (in, out) so that y = x @ w + b."""

    qkv_w: np.ndarray
    qkv_b: np.ndarray
    out_w: np.ndarray
    out_b: np.ndarray
    ln1: tuple[np.ndarray, np.ndarray]
    up_w: np.ndarray
    up_b: np.ndarray
    down_w: np.ndarray
    down_b: np.ndarray
    ln2: tuple[np.ndarray, np.ndarray]


def _layer_norm(x: np.ndarray, ln: tuple[np.ndarray, np.ndarray], eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(-1, keepdims=True)
    return centred / np.sqrt(var + np.float32(eps)) * ln[0] + ln[1]


class NumpyBertEncoder:
    """Encoder protocol (see indexer.encoder) over a BERT + mean pooling model, numpy only."""

    def __init__(self, model_dir: Path, model_id: str) -> None:
        from safetensors import safe_open

        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        self.model_id = model_id
        self.precision = "fp32"
        self.dim = int(config["hidden_size"])
        self._heads = int(config["num_attention_heads"])
        self._eps = float(config.get("layer_norm_eps", 1e-12))
        self._tokenizer, self.max_seq_length = bert_tokenizer(model_dir)
        try:
            with safe_open(str(model_dir / "model.safetensors"), framework="numpy") as f:
                self._load_weights(f, int(config["num_hidden_layers"]))
        except Exception as e:  # noqa: BLE001 - safetensors raises several kinds on a bad file
            raise SettingsError(f"cannot load model files from {model_dir}: {e}") from e
        self._blas = None  # threadpoolctl controller, made on the first busy-machine encode

    def _load_weights(self, f, n_layers: int) -> None:
        keys = set(f.keys())
        prefix = "" if "embeddings.word_embeddings.weight" in keys else "bert."

        def get(name: str) -> np.ndarray:
            return f.get_tensor(prefix + name)

        self._word = get("embeddings.word_embeddings.weight")
        self._position = get("embeddings.position_embeddings.weight")
        self._token_type0 = get("embeddings.token_type_embeddings.weight")[0]
        self._emb_ln = (get("embeddings.LayerNorm.weight"), get("embeddings.LayerNorm.bias"))
        self._layers = []
        for i in range(n_layers):
            p = f"encoder.layer.{i}."
            att = p + "attention.self."
            self._layers.append(_Layer(
                # one (in, 3*out) matmul for q, k and v instead of three
                qkv_w=np.ascontiguousarray(np.concatenate(
                    [get(att + n + ".weight") for n in ("query", "key", "value")], axis=0).T),
                qkv_b=np.concatenate([get(att + n + ".bias") for n in ("query", "key", "value")]),
                out_w=np.ascontiguousarray(get(p + "attention.output.dense.weight").T),
                out_b=get(p + "attention.output.dense.bias"),
                ln1=(get(p + "attention.output.LayerNorm.weight"), get(p + "attention.output.LayerNorm.bias")),
                up_w=np.ascontiguousarray(get(p + "intermediate.dense.weight").T),
                up_b=get(p + "intermediate.dense.bias"),
                down_w=np.ascontiguousarray(get(p + "output.dense.weight").T),
                down_b=get(p + "output.dense.bias"),
                ln2=(get(p + "output.LayerNorm.weight"), get(p + "output.LayerNorm.bias")),
            ))

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        """L2-normalised float32 embeddings, shape (len(texts), dim), in input order."""
        if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
            raise TypeError("encode() takes a sequence of str (wrap a single text in a list)")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        # Batch texts of similar length together so padding stays small.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        starts = range(0, len(order), _BATCH)
        if show_progress:
            from tqdm import tqdm

            starts = tqdm(starts, desc="Encoding", unit="batch")
        with self._blas_threads():
            for start in starts:
                rows = order[start:start + _BATCH]
                out[rows] = self._embed([encodings[i].ids for i in rows])
        return out

    def _blas_threads(self):
        """One BLAS thread when the CPUs are already busy, the library default otherwise.

        Measured on 2 cores: a query's forward pass takes ~10 ms with 2 OpenBLAS threads and
        ~15 ms with 1 when idle, but 0.5-1.5 s with 2 and ~0.1 s with 1 at load average 7
        (idle BLAS threads spin, fighting the busy ones).
        """
        if os.getloadavg()[0] < _cpus() - 0.5:
            return contextlib.nullcontext()
        if self._blas is None:
            from threadpoolctl import ThreadpoolController

            self._blas = ThreadpoolController()
        return self._blas.limit(limits=1, user_api="blas")

    def _embed(self, token_ids: list[list[int]]) -> np.ndarray:
        ids, mask = padded(token_ids)
        return mean_pool(self._forward(ids, mask), mask)

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        batch, width = ids.shape
        heads, head_dim = self._heads, self.dim // self._heads
        x = self._word[ids] + self._position[:width] + self._token_type0
        x = _layer_norm(x, self._emb_ln, self._eps)
        # Additive attention mask as in Hugging Face BERT: padded keys get the float32 minimum.
        key_bias = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]
        scale = np.float32(1.0 / math.sqrt(head_dim))
        for layer in self._layers:
            qkv = x @ layer.qkv_w + layer.qkv_b
            qkv = qkv.reshape(batch, width, 3, heads, head_dim).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + key_bias
            scores -= scores.max(axis=-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(axis=-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, width, self.dim)
            x = _layer_norm(context @ layer.out_w + layer.out_b + x, layer.ln1, self._eps)
            inner = gelu(x @ layer.up_w + layer.up_b)
            x = _layer_norm(inner @ layer.down_w + layer.down_b + x, layer.ln2, self._eps)
        return x
