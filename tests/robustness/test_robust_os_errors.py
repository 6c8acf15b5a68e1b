"""Operating-system errors become a message naming the path and what to do (issue 13, item 6):
`--out .`, a path through a file, names too long, an unusable cache folder, a read-only file
system, a full disk. The full-disk and read-only cases run in a private mount namespace
(`unshare -rm`, a small tmpfs), skipped with the reason where the machine does not allow it;
after each, the previous index loads and answers as before.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.index import Index
from qa.cli import main
from robust_helpers import QUESTION, ROOT, TEST_CORPUS, assert_refused, copy_index


def index_cli(capsys, *args: str):
    code = main(["index", str(TEST_CORPUS), *args])
    captured = capsys.readouterr()
    return code, captured.err, captured.out


def test_out_dot_is_refused_with_a_message(tmp_path, monkeypatch, capsys):
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    code, err, out = index_cli(capsys, "--out", ".")
    assert_refused(code, err, out, "index", ("it is the folder you are in", "--out my-index"))
    assert list(here.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["here"]


def test_out_a_folder_above_the_current_one_is_refused(tmp_path, monkeypatch, capsys):
    (tmp_path / "a" / "b").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "a" / "b")
    code, err, out = index_cli(capsys, "--out", "..")
    assert_refused(code, err, out, "index", ("it is the folder you are in (or holds it)",))


def test_out_root_is_refused(capsys):
    code, err, out = index_cli(capsys, "--out", "/")
    assert_refused(code, err, out, "index", ("cannot write an index as /",))


def test_out_through_a_file_is_refused(tmp_path, capsys):
    (tmp_path / "report.txt").write_text("x", encoding="utf-8")
    target = tmp_path / "report.txt" / "index"
    code, err, out = index_cli(capsys, "--out", str(target))
    assert_refused(code, err, out, "index", (str(tmp_path / "report.txt"), "is a file, not a folder"))


def test_out_name_too_long_is_refused(tmp_path, capsys):
    target = tmp_path / ("x" * 300)
    code, err, out = index_cli(capsys, "--out", str(target))
    assert_refused(code, err, out, "index", ("the path is too long",))
    assert list(tmp_path.iterdir()) == []


def test_out_path_too_long_is_refused(tmp_path, capsys):
    target = tmp_path.joinpath(*(["y" * 200] * 25)) / "index"
    code, err, out = index_cli(capsys, "--out", str(target))
    assert_refused(code, err, out, "index", ("the path is too long",))


def test_out_a_symlink_is_refused(tiny_index, tmp_path, capsys):
    real = copy_index(tiny_index, tmp_path / "real")
    (tmp_path / "link").symlink_to(real)
    code, err, out = index_cli(capsys, "--out", str(tmp_path / "link"))
    assert_refused(code, err, out, "index", ("is a symbolic link",))
    assert (tmp_path / "link").is_symlink() and len(Index.load(real).chunks) == 22


@pytest.mark.parametrize("cache", ["/dev/null/cache", "/proc/version/cache"])
def test_an_unusable_cache_folder_is_a_message(cache, monkeypatch, capsys):
    monkeypatch.setenv("DOCUMENT_QA_CACHE", cache)
    code = main(["ask", "--mode", "bm25", QUESTION])
    captured = capsys.readouterr()
    assert_refused(code, captured.err, captured.out, "ask",
                   ("cannot create the cache folder", cache, "DOCUMENT_QA_CACHE"))


def test_an_index_file_deleted_after_loading_is_a_message(tiny_index, tmp_path, capsys):
    from corpus.errors import IndexStoreError

    index_dir = copy_index(tiny_index, tmp_path / "index")
    index = Index.load(index_dir)
    (index_dir / "dense" / "embeddings.npy").unlink()
    with pytest.raises(IndexStoreError, match="embeddings.npy is missing: the index is partial"):
        index.dense


def test_describe_names_the_path_and_what_to_do():
    import errno

    from indexer.oserrors import describe

    cases = {
        errno.ENOSPC: "the disk is full", errno.EROFS: "read-only", errno.EACCES: "permission denied",
        errno.ENAMETOOLONG: "too long", errno.ENOENT: "vanished", errno.EDQUOT: "quota",
    }
    for code, words in cases.items():
        message = describe(OSError(code, "os words", "/some/path"), doing="cannot write")
        assert message.startswith("cannot write /some/path: os words; ") and words in message


# -- read-only and full file systems (a private tmpfs) ------------------------------------------------


def _namespace_works() -> str | None:
    if not shutil.which("unshare"):
        return "no unshare command"
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "d=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs $d"],
                           capture_output=True, text=True)
    return None if probe.returncode == 0 else f"cannot mount a tmpfs in a user namespace: {probe.stderr.strip()}"


NAMESPACE = _namespace_works()
needs_namespace = pytest.mark.skipif(NAMESPACE is not None, reason=str(NAMESPACE))


def _in_namespace(tiny_index: Path, tmp_path: Path, mount_options: str, after_copy: str = "") -> dict:
    """Copy the tiny index onto a fresh tmpfs, run `qa index` into it and then `qa ask --json`
    on it, all inside a private mount namespace; returns both runs' results."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    py = sys.executable
    script = f"""
set -u
mount -t tmpfs -o {mount_options} tmpfs {mnt}
cp -r {tiny_index} {mnt}/index
{after_copy}
cd {ROOT}
{py} -m qa index {TEST_CORPUS} --out {mnt}/index > {tmp_path}/index.out 2> {tmp_path}/index.err
echo $? > {tmp_path}/index.code
{py} -m qa ask --index {mnt}/index --mode bm25 --json "{QUESTION}" > {tmp_path}/ask.out 2> {tmp_path}/ask.err
echo $? > {tmp_path}/ask.code
ls -a {mnt} > {tmp_path}/ls.out
"""
    done = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    read = lambda name: (tmp_path / name).read_text(encoding="utf-8")  # noqa: E731
    return {"index": (int(read("index.code")), read("index.err"), read("index.out")),
            "ask": (int(read("ask.code")), read("ask.err"), read("ask.out")), "ls": read("ls.out").split()}


@pytest.fixture(scope="module")
def expected_answer(tiny_index):
    result = subprocess.run([sys.executable, "-m", "qa", "ask", "--index", str(tiny_index), "--mode", "bm25",
                             "--json", QUESTION], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@needs_namespace
def test_a_read_only_output_folder_is_a_message_and_the_index_still_answers(tiny_index, tmp_path, expected_answer):
    runs = _in_namespace(tiny_index, tmp_path, "size=1m", after_copy=f"mount -o remount,ro {tmp_path / 'mnt'}")
    code, err, out = runs["index"]
    assert_refused(code, err, out, "index", ("read-only", "choose a folder you can write to"))
    code, err, out = runs["ask"]
    assert code == 0, err
    assert json.loads(out) == expected_answer


# tmpfs sizes: the copy of the index fits, the rebuild's staging copy does not, cut at
# different files (the index is ~110 kB); at 176k numpy's short write raises an OSError
# without an errno, which must still say the disk is full
FILL_LEVELS = [pytest.param(size, marks=[] if size == "176k" else [pytest.mark.bench], id=size)
               for size in ("124k", "140k", "160k", "176k", "192k", "200k", "208k", "216k")]


@needs_namespace
@pytest.mark.parametrize("size", FILL_LEVELS)
def test_a_full_disk_is_a_message_and_the_previous_index_answers_as_before(tiny_index, tmp_path, expected_answer, size):
    runs = _in_namespace(tiny_index, tmp_path, f"size={size}")
    code, err, out = runs["index"]
    if code == 0:  # the level left room enough: then the new index must be whole
        assert "indexed 13 documents" in out
    else:
        assert_refused(code, err, out, "index", ("the disk is full", "free some space"))
    assert runs["ls"] == [".", "..", "index"], "a staging folder or lock file was left on the full disk"
    code, err, out = runs["ask"]
    assert code == 0, err
    assert json.loads(out) == expected_answer


# -- folders that may not be written (immutable: EPERM even for root) ------------------------------


@pytest.fixture
def immutable(tmp_path):
    """Make folders immutable (chattr +i), undone after the test; skipped where chattr is
    not allowed (then the permission cases cannot be made as root)."""
    made: list[Path] = []

    def make(folder: Path) -> Path:
        done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"chattr +i not allowed here: {done.stderr.strip()}")
        made.append(folder)
        return folder

    if not shutil.which("chattr"):
        pytest.skip("no chattr command")
    yield make
    for folder in made:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_an_output_folder_that_may_not_be_written_is_a_message(tmp_path, capsys, immutable):
    parent = tmp_path / "locked"
    parent.mkdir()
    immutable(parent)
    code, err, out = index_cli(capsys, "--out", str(parent / "index"))
    assert_refused(code, err, out, "index", (str(parent), "choose a folder you can write to"))


def test_an_index_that_may_not_be_replaced_is_a_message_and_still_answers(tiny_index, tmp_path, capsys, immutable):
    from qa.assistant import Assistant
    from robust_helpers import answer_key

    index = copy_index(tiny_index, tmp_path / "index")
    before = answer_key(Assistant.load(index).ask(QUESTION, mode="bm25"))
    immutable(index)
    code, err, out = index_cli(capsys, "--out", str(index))
    assert_refused(code, err, out, "index", ("not permitted", "choose a folder you can write to"))
    assert answer_key(Assistant.load(index).ask(QUESTION, mode="bm25")) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"], "a staging folder was left behind"


def test_a_cache_folder_that_may_not_be_written_is_a_message(tmp_path, monkeypatch, capsys, immutable):
    cache = tmp_path / "cache"
    (cache / "indexes").mkdir(parents=True)
    immutable(cache / "indexes")
    monkeypatch.setenv("DOCUMENT_QA_CACHE", str(cache))
    code = main(["ask", "--mode", "bm25", QUESTION])
    captured = capsys.readouterr()
    assert_refused(code, captured.err, captured.out, "ask", (str(cache / "indexes"), "not permitted"))
