"""`qa info DIR`: an index's sources, counts, model, settings, size and build date."""

import json
import subprocess
import sys


def qa(*args):
    return subprocess.run([sys.executable, "-m", "qa", *args], capture_output=True, text=True, timeout=300)


def test_info_describes_the_index_it_loads(tiny_index):
    from indexer.index import Index

    index = Index.load(tiny_index)
    result = qa("info", "--json", str(tiny_index))
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["documents"] == len(index.documents) and info["chunks"] == len(index.chunks)
    assert [s["doc"] for s in info["sources"]] == sorted(index.documents)
    assert sum(s["chunks"] for s in info["sources"]) == info["chunks"]
    assert sum(info["chunk_kinds"].values()) == info["chunks"]
    assert info["model"]["dim"] == 384 and info["built"] == index.manifest["created"]
    assert info["size_bytes"] > 0 and info["settings"]["chunking"]["max_chars"] > 0


def test_info_text(tiny_index):
    result = qa("info", str(tiny_index))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"index: {tiny_index}"
    assert lines[1].startswith("built: ") and "document-qa" in lines[1]
    assert any(line.startswith("  coffee-prices.md ") for line in lines)


def test_info_on_a_missing_index_exits_2(tmp_path):
    result = qa("info", str(tmp_path / "none"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("qa info: error: no index at ")
