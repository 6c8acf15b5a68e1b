"""The ONNX Runtime encoder (issue 14): fp32 equals sentence-transformers, int8 stays close
to it, an index records its precision and never mixes two, and a question on an int8 index
never imports torch. The ONNX files are made once per test session in the session's cache
(tests/conftest.py points DOCUMENT_QA_CACHE there; subprocesses inherit it)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from corpus.errors import IndexStoreError, SettingsError
from corpus.loader import load_documents
from indexer.build import build_index
from indexer.encoder import (
    DEFAULT_PRECISION,
    PRECISIONS,
    DenseSettings,
    load_passage_encoder,
    load_query_encoder,
    load_torch_encoder,
    resolve_model_path,
    weights_sha256,
)
from indexer.index import Index
from indexer.onnx_encoder import OnnxEncoder
from indexer.onnx_export import ensure_onnx
from indexer.retrievers import DenseRetriever
from indexer.settings import IndexSettings

ROOT = Path(__file__).resolve().parents[1]
TEST_CORPUS = ROOT / "tests" / "data" / "corpus"

# Varied on purpose: short and long, questions and statements, English, Chinese, mixed,
# numbers, and one text past the model's 256 word pieces (truncated by every path).
SENTENCES = [
    "What was the population of the city in 2019?",
    "How much did revenue grow last year?",
    "The committee approved the budget after a long debate.",
    "Solar panels convert sunlight into electricity.",
    "A bag of coffee cost 4.10 euros in 2022.",
    "Exports fell by 3.2% in the second quarter.",
    "The museum opens at nine in the morning.",
    "Which harbour handles the most containers?",
    "The bridge is 55 kilometres long and crosses the estuary.",
    "Net income attributable to shareholders rose to $1.3 billion.",
    "Heavy rain delayed the harvest in the northern provinces.",
    "The new metro line links the airport with the city centre.",
    "Researchers measured the temperature every hour for a month.",
    "Interest rates were left unchanged at 4.5 percent.",
    "port cargo throughput",
    "annual report",
    "今年的国内生产总值是多少?",
    "这座城市的人口在2019年达到一千万。",
    "港口集装箱吞吐量增长了百分之五。",
    "政府宣布了新的环境保护政策。",
    "地铁新线路连接机场和市中心。",
    "出口额第二季度下降了3.2%。",
    "公司净利润增长到13亿美元。",
    "博物馆早上九点开门。",
    "大桥全长55公里。",
    "科学家每小时测量一次温度。",
    "GDP 增长率 2016",
    "人均GDP per capita in 2016",
    "The 粤港澳 region's ports handled cargo.",
    " ".join(["The ports of the delta handled more cargo than the year before."] * 40),
]


@pytest.fixture(scope="module")
def torch_encoder():
    return load_torch_encoder(DenseSettings())


@pytest.fixture(scope="module")
def reference(torch_encoder):
    return torch_encoder.encode(SENTENCES)


@pytest.fixture(scope="module")
def int8_encoder():
    return load_passage_encoder(DenseSettings(precision="int8"))


@pytest.fixture(scope="session")
def int8_index(tmp_path_factory):
    """The test corpus indexed at int8, once per session (tests that rebuild work on a copy)."""
    out = tmp_path_factory.mktemp("int8-index") / "index"
    build_index(load_documents([TEST_CORPUS]), out, IndexSettings(dense=DenseSettings(precision="int8")))
    return out


def test_onnx_fp32_equals_sentence_transformers(reference):
    encoder = load_passage_encoder(DenseSettings(precision="fp32"))
    assert isinstance(encoder, OnnxEncoder) and encoder.precision == "fp32"
    assert len(encoder._tokenizer.encode(SENTENCES[-1]).ids) == 256  # really truncates
    vectors = encoder.encode(SENTENCES)
    assert vectors.shape == reference.shape == (len(SENTENCES), 384) and vectors.dtype == np.float32
    assert np.abs(vectors - reference).max() <= 1e-5
    # one at a time (no padding at all) agrees too
    assert np.abs(encoder.encode(SENTENCES[16:17])[0] - reference[16]).max() <= 1e-5


def test_int8_stays_close_to_fp32(int8_encoder, reference):
    vectors = int8_encoder.encode(SENTENCES)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosines = np.einsum("ij,ij->i", vectors, reference)
    assert cosines.min() >= 0.98, [(s[:30], round(float(c), 4)) for s, c in zip(SENTENCES, cosines)]
    assert cosines.mean() >= 0.99
    assert np.abs(vectors - reference).max() > 1e-4  # it really is another computation


def test_int8_keeps_the_nearest_passage(int8_encoder):
    passages = int8_encoder.encode([
        "Pandas eat bamboo in the mountains.",
        "The port handled 350 million tonnes of cargo and 17 million containers.",
        "The orchestra performed a symphony.",
    ])
    query = load_query_encoder(DenseSettings(precision="int8")).encode(["Which harbour handles container shipping?"])
    assert int(np.argmax(passages @ query[0])) == 1


def test_the_onnx_file_is_made_once():
    model_dir = resolve_model_path("all-MiniLM-L6-v2")
    digest = weights_sha256(model_dir)
    path = ensure_onnx(model_dir, digest, "int8")
    made = path.stat().st_mtime_ns
    assert ensure_onnx(model_dir, digest, "int8") == path and path.stat().st_mtime_ns == made
    assert sorted(p.name for p in path.parent.iterdir()) == ["fp32.onnx", "int8.onnx"]  # no temporary left


def test_manifest_records_the_precision(int8_index, tiny_index):
    manifest = json.loads((int8_index / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["settings"]["dense"]["precision"] == "int8"
    assert manifest["model"]["precision"] == "int8"
    assert Index.load(int8_index).precision == "int8"
    assert Index.load(tiny_index).precision == DEFAULT_PRECISION


def test_an_index_without_the_field_reads_as_fp32():
    data = IndexSettings().to_dict()
    del data["dense"]["precision"]
    assert IndexSettings.from_dict(data).dense.precision == "fp32"


def test_a_rebuild_at_another_precision_re_embeds_everything(int8_index, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(int8_index, index)
    done = subprocess.run([sys.executable, "-m", "qa", "index", str(TEST_CORPUS), "--out", str(index),
                           "--precision", "fp32"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "embedded at int8, this build at fp32: re-embedding all 22 chunks" in done.stderr
    assert "embedded 22, reused 0" in done.stdout
    assert Index.load(index).precision == "fp32"
    again = build_index(load_documents([TEST_CORPUS]), index, IndexSettings(dense=DenseSettings(precision="fp32")))
    assert (again.embedded, again.reused) == (0, 22)


def test_queries_are_embedded_at_the_index_precision(int8_index):
    index = Index.load(int8_index)
    fp32_queries = load_query_encoder(DenseSettings(precision="fp32"))
    with pytest.raises(IndexStoreError, match="int8 vectors, but the query encoder is fp32"):
        DenseRetriever(index, fp32_queries)


def test_qa_ask_on_an_int8_index_never_imports_torch(int8_index):
    code = (
        "import sys\n"
        "from qa.cli import main\n"
        f"code = main(['ask', '--json', '--index', {str(int8_index)!r}, 'How much did coffee cost in 2022?'])\n"
        "print(code, sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules),"
        " 'onnxruntime' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    answer, status = done.stdout.splitlines()[0], done.stdout.splitlines()[-1]
    assert status == "0 [] True"
    assert json.loads(answer)["passages"][0]["doc"] == "coffee-prices.md"


def test_cli_precision_choices_agree_with_the_library():
    from qa.commands import index

    assert index.PRECISIONS == PRECISIONS and index.DEFAULT_PRECISION == DEFAULT_PRECISION


def test_int8_needs_a_bert_mean_pooling_model(tmp_path):
    source = resolve_model_path("all-MiniLM-L6-v2")
    for f in source.iterdir():
        if f.is_file():
            (tmp_path / f.name).symlink_to(f)
    (tmp_path / "1_Pooling").mkdir()
    pooling = json.loads((source / "1_Pooling" / "config.json").read_text())
    pooling.update(pooling_mode_cls_token=True, pooling_mode_mean_tokens=False)
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    with pytest.raises(SettingsError, match="--precision fp32"):
        DenseSettings(model=str(tmp_path), precision="int8")
