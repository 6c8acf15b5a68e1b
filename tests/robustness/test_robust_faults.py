"""kill -9 at every step of a build (issue 13, item 6): the previous index always loads and
answers as before, a half-finished swap is put back, and the next build cleans up.

The build runs in a subprocess with DOCUMENT_QA_FAULT=<step> (indexer.faults), which
SIGKILLs it at that step: no clean-up code runs, as in a real crash or power loss. The new
build drops one document, so every vector is reused and no model is loaded (fast), and the
new index is told apart from the previous one by that document.
"""

from __future__ import annotations

import gc
import os
import signal
from pathlib import Path

import pytest

from corpus.loader import load_documents
from indexer.build import build_index
from indexer.faults import BUILD_STEPS, FAULT_ENV, NO_EXCHANGE_ENV
from indexer.index import Index
from qa.assistant import Assistant
from robust_helpers import QUESTION, TEST_CORPUS, answer_key, build_script, copy_index, python

DROPPED = "solar-farm.txt"
QUICK = [("staged", True), ("manifest-written", True), ("swapped", False)]
ALL = [(step, exchange) for step in BUILD_STEPS for exchange in (True, False)
       if not (step == "half-swapped" and exchange) and (step, exchange) not in QUICK]


@pytest.fixture(scope="module")
def previous_answer(tiny_index):
    return answer_key(Assistant.load(tiny_index).ask(QUESTION, mode="bm25"))


def siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


def kill_at(step: str, exchange: bool, index: Path, reuse: Path | None = None) -> None:
    env = {FAULT_ENV: step, **({} if exchange else {NO_EXCHANGE_ENV: "1"})}
    result = python(build_script(TEST_CORPUS, index, drop=DROPPED, reuse=reuse), env)
    assert result.returncode == -signal.SIGKILL, result.stderr[-2000:]
    assert "built" not in result.stdout


def check_after_kill(step: str, index: Path, previous_answer) -> None:
    loaded = Index.load(index)  # recovers a half-finished swap first
    if step == "swapped":  # the commit was complete: the new index is the index
        assert DROPPED not in loaded.documents
    else:
        assert DROPPED in loaded.documents and len(loaded.chunks) == 22
        assert answer_key(Assistant(loaded).ask(QUESTION, mode="bm25")) == previous_answer
    loaded.verify()
    del loaded
    gc.collect()
    report = build_index([d for d in load_documents([TEST_CORPUS]) if d.doc_id != DROPPED], index)
    assert report.embedded == 0
    assert siblings(index) == ["index"], "a staging, old or lock file was left behind"
    assert DROPPED not in Index.load(index).documents


@pytest.mark.parametrize("step, exchange", QUICK, ids=[f"{s}-{'exchange' if e else 'renames'}" for s, e in QUICK])
def test_build_killed_at_a_step_leaves_a_working_index(tiny_index, tmp_path, previous_answer, step, exchange):
    index = copy_index(tiny_index, tmp_path / "index")
    kill_at(step, exchange, index)
    check_after_kill(step, index, previous_answer)


@pytest.mark.bench
@pytest.mark.parametrize("step, exchange", ALL, ids=[f"{s}-{'exchange' if e else 'renames'}" for s, e in ALL])
def test_build_killed_at_every_step_leaves_a_working_index(tiny_index, tmp_path, previous_answer, step, exchange):
    index = copy_index(tiny_index, tmp_path / "index")
    kill_at(step, exchange, index)
    check_after_kill(step, index, previous_answer)


def test_kill_between_the_two_renames_is_recovered_by_the_next_load(tiny_index, tmp_path, previous_answer):
    """The state the issue found: the index only as a hidden `.X.old-PID`."""
    index = copy_index(tiny_index, tmp_path / "index")
    kill_at("half-swapped", False, index)
    assert not index.exists()
    assert any(name.startswith(".index.old-") for name in siblings(index))
    assert answer_key(Assistant.load(index).ask(QUESTION, mode="bm25")) == previous_answer
    assert index.is_dir()


def test_a_first_build_killed_leaves_nothing_and_the_next_one_builds(tiny_index, tmp_path):
    index = tmp_path / "index"
    kill_at("manifest-written", True, index, reuse=tiny_index)
    assert not index.exists()
    build_index(load_documents([TEST_CORPUS]), index, reuse_from=tiny_index)
    assert siblings(index) == ["index"]
    assert len(Index.load(index).verify().chunks) == 22


def test_a_build_killed_while_holding_the_lock_does_not_block_the_next(tiny_index, tmp_path):
    index = copy_index(tiny_index, tmp_path / "index")
    kill_at("locked", True, index)
    assert ".index.lock" in siblings(index)  # left by the kill; no process holds it
    report = build_index(load_documents([TEST_CORPUS]), index)
    assert report.embedded == 0 and siblings(index) == ["index"]


def test_stale_staging_and_old_folders_are_deleted_by_the_next_build(tiny_index, tmp_path):
    index = copy_index(tiny_index, tmp_path / "index")
    for name in (".index.tmp-abc123", ".index.old-99999"):
        (tmp_path / name / "bm25").mkdir(parents=True)
        (tmp_path / name / "bm25" / "data.csc.index.npy").write_bytes(b"half written")
    (tmp_path / ".other.tmp-keep").mkdir()  # another index's: not ours to delete
    build_index(load_documents([TEST_CORPUS]), index)
    assert siblings(index) == [".other.tmp-keep", "index"]


def test_interrupt_in_process_cleans_its_own_staging(tiny_index, tmp_path, previous_answer):
    index = copy_index(tiny_index, tmp_path / "index")

    def stop(message: str) -> None:
        if message.startswith("embedding"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_index(load_documents([TEST_CORPUS]), index, progress=stop)
    assert siblings(index) == ["index"]
    assert answer_key(Assistant.load(index).ask(QUESTION, mode="bm25")) == previous_answer


def test_fault_hook_does_nothing_without_the_variable(monkeypatch):
    from indexer.faults import fault_point

    monkeypatch.delenv(FAULT_ENV, raising=False)
    for step in BUILD_STEPS:
        fault_point(step)
    monkeypatch.setenv(FAULT_ENV, "no-such-step")
    fault_point("staged")
    assert os.getpid() > 0


# -- qa add / qa remove killed at a step (issue 13: "add/remove fault injection") ---------------
# They commit through the same steps as a build (indexer.update writes with indexer.build's
# write_parts and staged_commit), so every step of BUILD_STEPS is a place to kill them.

NEW_DOCUMENT = "The Gull Island night ferry leaves at 23:40 and carries up to 120 passengers.\n"
UPDATE_QUICK = [("remove", "manifest-written", True), ("remove", "half-swapped", False),
                ("add", "staged", True)]
UPDATE_ALL = [(command, step, exchange) for command in ("add", "remove") for step in BUILD_STEPS
              for exchange in (True, False)
              if not (step == "half-swapped" and exchange) and (command, step, exchange) not in UPDATE_QUICK]


def kill_update_at(command: str, step: str, exchange: bool, index: Path, tmp_path: Path) -> None:
    from robust_helpers import run_qa

    if command == "add":  # a new text: the killed process embeds it (loads the model)
        (tmp_path / "ferry.txt").write_text(NEW_DOCUMENT, encoding="utf-8")
        args = ("add", str(index), str(tmp_path / "ferry.txt"))
    else:
        args = ("remove", str(index), DROPPED)
    env = {FAULT_ENV: step, **({} if exchange else {NO_EXCHANGE_ENV: "1"})}
    result = run_qa(*args, env=env)
    assert result.returncode == -signal.SIGKILL, result.stderr[-2000:]
    assert b"Traceback" not in result.stderr


def check_after_update_kill(command: str, step: str, index: Path, before: dict, previous_answer) -> None:
    loaded = Index.load(index)  # recovers a half-finished swap first
    if step == "swapped":  # the commit was complete: the change is in
        assert (DROPPED in loaded.documents) == (command == "add")
        assert ("ferry.txt" in loaded.documents) == (command == "add")
    else:
        assert tree_digest(index) == before, "the index changed although the update was killed before its swap"
        assert answer_key(Assistant(loaded).ask(QUESTION, mode="bm25")) == previous_answer
    loaded.verify()
    del loaded
    gc.collect()
    from indexer.update import remove_documents

    remove_documents(index, ["bridge-engineering.txt"])  # the next update cleans up what the kill left
    assert siblings(index) == sorted(["index"] + (["ferry.txt"] if command == "add" else []))


def tree_digest(root: Path) -> dict[str, str]:
    import hashlib

    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("command, step, exchange", UPDATE_QUICK,
                         ids=[f"{c}-{s}-{'exchange' if e else 'renames'}" for c, s, e in UPDATE_QUICK])
def test_update_killed_at_a_step_leaves_the_index_as_it_was(tiny_index, tmp_path, previous_answer,
                                                            command, step, exchange):
    index = copy_index(tiny_index, tmp_path / "index")
    before = tree_digest(index)
    kill_update_at(command, step, exchange, index, tmp_path)
    check_after_update_kill(command, step, index, before, previous_answer)


@pytest.mark.bench
@pytest.mark.parametrize("command, step, exchange", UPDATE_ALL,
                         ids=[f"{c}-{s}-{'exchange' if e else 'renames'}" for c, s, e in UPDATE_ALL])
def test_update_killed_at_every_step_leaves_the_index_as_it_was(tiny_index, tmp_path, previous_answer,
                                                                command, step, exchange):
    index = copy_index(tiny_index, tmp_path / "index")
    before = tree_digest(index)
    kill_update_at(command, step, exchange, index, tmp_path)
    check_after_update_kill(command, step, index, before, previous_answer)
