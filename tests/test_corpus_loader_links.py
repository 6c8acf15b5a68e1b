"""Nothing a folder holds under a document's name is skipped without being named, and links
never lead out of the folder (issue 13, item 3)."""

import os

import pytest

from corpus.errors import CorpusError
from corpus.loader import load_corpus


@pytest.fixture()
def folder(tmp_path):
    root = tmp_path / "docs"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text("Inside the folder.", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("Outside the folder.", encoding="utf-8")
    return root


def test_links_inside_the_folder_are_read_and_others_ignored(folder):
    (folder / "sub" / "b.md").write_text("# B\n\nAlso inside.", encoding="utf-8")
    os.symlink(folder / "sub" / "b.md", folder / "alias.md")
    os.symlink(folder.parent / "secret.txt", folder / "notes.pptx")  # not a document name: ignored, counted
    corpus = load_corpus([folder])
    assert [d.doc_id for d in corpus.documents] == ["a.txt", "alias.md", "sub/b.md"]
    assert [p.name for p in corpus.ignored] == ["notes.pptx"]


@pytest.mark.parametrize("make, reason", [
    (lambda root, outside: os.symlink(outside / "secret.txt", root / "link.txt"), "outside the folder"),
    (lambda root, outside: os.symlink(root / "gone.txt", root / "broken.txt"), "a broken symbolic link"),
    (lambda root, outside: os.mkfifo(root / "pipe.txt"), "not a regular file"),
    (lambda root, outside: os.symlink("/dev/zero", root / "zero.md"), "outside the folder"),
])
def test_an_entry_that_is_not_a_document_is_named(folder, make, reason):
    make(folder, folder.parent)
    with pytest.raises(CorpusError) as refused:
        load_corpus([folder])
    assert reason in str(refused.value)
    assert "Outside the folder" not in str(refused.value)


def test_a_pipe_given_by_name_is_refused_with_the_reason(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    with pytest.raises(CorpusError, match="not a regular file"):
        load_corpus([tmp_path / "pipe.txt"])


def test_follow_links_reads_a_file_outside_the_folder_and_still_refuses_devices(folder):
    os.symlink(folder.parent / "secret.txt", folder / "link.txt")
    with pytest.raises(CorpusError) as refused:
        load_corpus([folder])
    assert "pass --follow-links" in str(refused.value)
    corpus = load_corpus([folder], follow_links=True)
    assert [(d.doc_id, d.text) for d in corpus.documents] == [
        ("a.txt", "Inside the folder."), ("link.txt", "Outside the folder.")]
    os.symlink("/dev/zero", folder / "zero.md")
    with pytest.raises(CorpusError) as device:
        load_corpus([folder], follow_links=True)
    assert "zero.md: not a regular file" in str(device.value)


def test_follow_links_on_the_command_line(folder):
    import subprocess
    import sys

    os.symlink(folder.parent / "secret.txt", folder / "link.txt")
    run = [sys.executable, "-m", "qa", "chunks", str(folder)]
    refused = subprocess.run(run, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "pass --follow-links" in refused.stderr
    followed = subprocess.run(run + ["--follow-links", "--json"], capture_output=True, text=True, timeout=120)
    assert followed.returncode == 0, followed.stderr
    assert "Outside the folder." in followed.stdout
