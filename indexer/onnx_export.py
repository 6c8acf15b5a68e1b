"""The ONNX files of a sentence-transformers BERT model: made once, kept in the user cache.

Why: ONNX Runtime embeds passages faster than torch on this CPU, and its dynamic int8
quantisation faster again (`indexer.onnx_encoder`), without importing torch. The files are
made from the local model folder (never downloaded): `torch.onnx.export` of the Hugging
Face BERT (the transformer only; pooling stays in numpy), then, for int8,
`onnxruntime.quantization.quantize_dynamic` with PER-CHANNEL int8 weights. Issue 14
measured the per-tensor default and torch's own dynamic quantisation at a cosine of only
0.94 / 0.93 to fp32, per-channel at 0.994.

The files live under `<cache>/onnx/<key>/`, the key hashing the model's weights and
config and the recipe below, so other weights or a changed recipe make new files. Each
file is written to a temporary name and renamed into place, so a killed export leaves
nothing half-written; two processes exporting at once each write a whole file and the
last rename wins. Only `ensure_onnx` imports torch, and only when a file is missing
(about 10 s once: torch import, export, quantisation).
"""

from __future__ import annotations

import hashlib
import logging
import os
import warnings
from pathlib import Path

from corpus.errors import SettingsError
from indexer.paths import cache_dir

log = logging.getLogger(__name__)

PRECISIONS = ("fp32", "int8")
# Bump when the export or quantisation recipe changes: cached files of the old recipe are
# then not used.
RECIPE = "bert-hidden-opset17-eager-v1;int8=dynamic-per-channel-qint8"
OPSET = 17
_EXPORT_TOLERANCE = 1e-4  # max |onnx - torch| of the hidden states, checked after export
_INPUTS = ("input_ids", "attention_mask")


def onnx_dir(model_dir: Path, weights_sha256: str) -> Path:
    """The cache folder of this model's ONNX files (created on first use)."""
    digest = hashlib.sha256()
    digest.update(RECIPE.encode())
    digest.update(weights_sha256.encode())
    digest.update((model_dir / "config.json").read_bytes())
    return cache_dir("onnx", digest.hexdigest()[:20])


def ensure_onnx(model_dir: Path, weights_sha256: str, precision: str, say=None) -> Path:
    """The path of the model's ONNX file at `precision`, made first when missing.

    `say` (a one-line message callback) hears about an export, which takes seconds."""
    if precision not in PRECISIONS:
        raise SettingsError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    folder = onnx_dir(model_dir, weights_sha256)
    fp32 = folder / "fp32.onnx"
    if not fp32.is_file():
        _tell(say, f"exporting the embedding model to ONNX once (cached in {folder})")
        _export(model_dir, fp32)
    if precision == "fp32":
        return fp32
    int8 = folder / "int8.onnx"
    if not int8.is_file():
        _tell(say, "quantising the ONNX model to int8 (per-channel), once")
        _quantise(fp32, int8)
    return int8


def discard(path: Path) -> None:
    """Delete a cached file that failed to load, so the next call makes it again."""
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _tell(say, message: str) -> None:
    (say or log.info)(message)


def _temporary(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.tmp")


def _export(model_dir: Path, target: Path) -> None:
    """torch.onnx.export of the BERT model's last hidden state, dynamic batch and length,
    checked against torch on a padded batch of another shape than the traced one."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import torch
        from transformers import AutoModel
        from transformers.utils import logging as hf_logging
    except ImportError as error:
        raise SettingsError(f"making the ONNX model needs torch and transformers ({error}); "
                            "reinstall document-qa") from error
    hf_logging.disable_progress_bar()
    try:
        # eager attention: the traced graph then always applies the mask (an SDPA path may
        # drop an all-ones mask at trace time and bake that into the graph).
        model = AutoModel.from_pretrained(str(model_dir), local_files_only=True,
                                          attn_implementation="eager").eval()
    except (OSError, ValueError) as error:
        raise SettingsError(f"cannot load the model in {model_dir} for ONNX export: {error}") from error

    class Hidden(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=torch.zeros_like(input_ids)).last_hidden_state

    wrapped = Hidden(model).eval()
    example = _padded_example(torch, [5, 3])
    tmp = _temporary(target)
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # tracer and legacy-exporter notices, not problems
            torch.onnx.export(
                wrapped, example, str(tmp), input_names=list(_INPUTS), output_names=["hidden"],
                dynamic_axes={name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "hidden")},
                opset_version=OPSET, dynamo=False)
        _check_export(torch, wrapped, tmp)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def _padded_example(torch, lengths: list[int]):
    """Token ids and mask of len(lengths) rows padded to the longest (ids are arbitrary
    word pieces; 101/102 are BERT's [CLS]/[SEP], any id < vocab size would do)."""
    width = max(lengths)
    ids = torch.zeros((len(lengths), width), dtype=torch.int64)
    mask = torch.zeros((len(lengths), width), dtype=torch.int64)
    for row, length in enumerate(lengths):
        ids[row, :length] = torch.arange(length) + 2000
        ids[row, 0], ids[row, length - 1] = 101, 102
        mask[row, :length] = 1
    return ids, mask


def _check_export(torch, wrapped, path: Path) -> None:
    import numpy as np
    import onnxruntime as ort

    ids, mask = _padded_example(torch, [9, 4, 7])
    with torch.no_grad():
        expected = wrapped(ids, mask).numpy()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(None, {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})[0]
    real = mask.numpy().astype(bool)
    error = float(np.abs(got - expected)[real].max())
    if error > _EXPORT_TOLERANCE:
        raise SettingsError(f"the ONNX export of the model differs from torch by {error:.2e} "
                            f"(> {_EXPORT_TOLERANCE}); use --precision fp32 with another model")


def _quantise(fp32: Path, target: Path) -> None:
    """Dynamic int8 quantisation, per output channel (see the module docstring for why)."""
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as error:
        raise SettingsError(f"int8 quantisation needs the onnx package ({error}); "
                            "reinstall document-qa") from error
    tmp = _temporary(target)
    root = logging.getLogger()  # quantize_dynamic logs a pre-processing hint at WARNING
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        quantize_dynamic(str(fp32), str(tmp), per_channel=True, weight_type=QuantType.QInt8)
        os.replace(tmp, target)
    finally:
        root.setLevel(level)
        if tmp.exists():
            tmp.unlink()
