"""`qa serve --workers N`: N processes on one port answer as one process does, and
stopping the parent leaves no worker behind."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from qa.serve.app import create_app  # noqa: E402
from qa.serve.service import Service  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 240


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _answer(data: dict) -> tuple:
    """What an answer says: verdict, figures and cited passages (scores may differ in the
    last bits: an earlier test's BLAS thread limit changes summation order)."""
    return (data["question"], data["answerable"], data["reason"],
            [(f["value"], f["unit"], f["doc"], f["start"], f["end"], f["display"]) for f in data["figures"]],
            [(p["doc"], p["start"], p["end"], p["highlights"]) for p in data["passages"]])


@pytest.mark.parametrize("value", ["0", "-1", "17"])
def test_bad_worker_counts_are_refused_before_loading(value):
    done = subprocess.run([sys.executable, "-m", "qa", "serve", "--workers", value], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert done.returncode == 2 and "--workers must be from 1 to 16" in done.stderr and "Traceback" not in done.stderr


def test_two_workers_answer_as_one_and_stop_without_orphans(bundled_assistant, bundled_index):
    import httpx

    from eval.bench_serve import questions

    asked = questions()[:6]
    server = subprocess.Popen([sys.executable, "-m", "qa", "serve", "--port", "0", "--workers", "2", "--quiet"],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        url, lines, deadline = None, [], time.monotonic() + START_TIMEOUT_S
        for line in server.stderr:
            lines.append(line)
            found = re.search(r"page (http://127\.0\.0\.1:\d+)/", line)
            if found or time.monotonic() > deadline:
                url = found and found.group(1)
                break
        assert url, "".join(lines)
        assert "in each of 2 worker processes" in "".join(lines)
        workers = [pid for pid in _children(server.pid) if "multiprocessing.spawn" in
                   Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")]
        assert len(workers) == 2
        with httpx.Client(base_url=url, timeout=60) as http:
            health = http.get("/healthz").json()
            got = [http.post("/ask", json={"question": q}).json() for q in asked]
            refused = http.post("/ask", content=b"{" + b" " * 100_000 + b"}",
                                headers={"content-type": "application/json"})
            wrong_host = http.get("/healthz", headers={"host": "example.com"})
        descendants = _children(server.pid) + [c for pid in workers for c in _children(pid)]
        server.send_signal(signal.SIGTERM)
        assert server.wait(30) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert health["status"] == "ok" and health["index"] == str(bundled_index.path)
    assert refused.status_code == 413 and wrong_host.status_code == 400
    service = Service(bundled_assistant)
    try:
        with TestClient(create_app(service), base_url="http://127.0.0.1") as client:
            expected = [client.post("/ask", json={"question": q}).json() for q in asked]
    finally:
        service.close()
    assert [_answer(a) for a in got] == [_answer(a) for a in json.loads(json.dumps(expected))]
    time.sleep(0.5)  # the resource tracker ends once the parent's pipe closes
    assert [pid for pid in descendants if _alive(pid)] == [], "a worker outlived `qa serve`"
    assert os.getpid() not in descendants
