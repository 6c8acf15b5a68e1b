"""`qa serve`'s HTTP API (issue 11, item 2): every endpoint against the real bundled
index and model, the `qa ask --json` contract, the JSON errors, the token and Host rules,
the offline docs page, and answers under concurrent requests on a live server."""

from __future__ import annotations

import base64
import json
import re
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from qa.serve.app import create_app  # noqa: E402
from qa.serve.guard import MAX_BODY_BYTES  # noqa: E402
from qa.serve.schemas import AskRequest  # noqa: E402
from qa.serve.service import Service  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "What was Guangzhou's GDP in 2016?"
CHINESE = "香港的人均GDP是多少?"
UNANSWERABLE = "What was Guangzhou's GDP in 2022?"
TOKEN = "test-token-0123456789abcdef"


@pytest.fixture(scope="module")
def service(bundled_assistant):
    service = Service(bundled_assistant)
    service.warm_up()
    yield service
    service.close()


@pytest.fixture(scope="module")
def client(service):
    with TestClient(create_app(service), base_url="http://127.0.0.1") as client:
        yield client


def ask(client, **body):
    return client.post("/ask", json=body)


def test_ask_is_the_cli_json_contract_plus_what_the_page_needs(client):
    api = ask(client, question=QUESTION, top_k=3).json()
    done = subprocess.run([sys.executable, "-m", "qa", "ask", "--json", "--top-k", "3", QUESTION],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    cli = json.loads(done.stdout)
    assert set(cli) <= set(api)
    for key in ("question", "answerable", "settings"):
        assert api[key] == cli[key]
    for part in ("figures", "passages"):
        assert [{k: item[k] for k in cli[part][0]} for item in api[part]] == cli[part]
    best = api["figures"][0]
    assert best["display"].endswith(best["unit"]) and api["reason"] == "" and api["asks_for_figure"] is True
    document = client.get(f"/documents/{best['doc']}").json()["text"]
    assert document[best["start"]:best["end"]] == best["text"]
    for passage in api["passages"]:
        assert document.count("\n", 0, passage["start"]) + 1 == passage["line"] or passage["doc"] != best["doc"]
        assert all(passage["start"] <= start < end <= passage["end"] for start, end in passage["highlights"])


def test_chinese_and_unanswerable_questions(client, bundled_assistant):
    chinese = ask(client, question=CHINESE).json()
    expected = bundled_assistant.ask(CHINESE)
    assert chinese["answerable"] and chinese["figures"][0]["value"] == expected.figures[0].value
    missing = ask(client, question=UNANSWERABLE).json()
    assert missing["answerable"] is False and missing["figures"] == []
    assert missing["reason"] == bundled_assistant.ask(UNANSWERABLE).reason != ""
    assert len(missing["passages"]) == 5  # the closest passages, as evidence


def test_per_call_settings_are_applied_recorded_and_not_kept(client):
    strict = ask(client, question=QUESTION, min_similarity=0.99, alpha=0.2, mode="hybrid").json()
    assert strict["answerable"] is False
    assert strict["settings"] == {"mode": "hybrid", "top_k": 5, "doc": None, "min_similarity": 0.99, "alpha": 0.2}
    again = ask(client, question=QUESTION).json()
    assert again["answerable"] is True and again["settings"]["min_similarity"] == 0.25
    assert again["settings"]["alpha"] == 0.5


def test_search_gives_the_passages_ask_gives(client):
    for mode in ("bm25", "hybrid"):
        searched = client.post("/search", json={"question": QUESTION, "top_k": 4, "mode": mode}).json()
        asked = ask(client, question=QUESTION, top_k=4, mode=mode).json()
        assert searched["passages"] == asked["passages"] and len(searched["passages"]) == 4
        assert set(searched) == {"question", "passages", "settings"}


def test_doc_filter_keeps_to_the_documents_named(client):
    docs = [d["doc"] for d in client.get("/documents").json()["documents"]]
    one = docs[-1]
    answer = ask(client, question=QUESTION, doc=one).json()
    assert answer["passages"] and {p["doc"] for p in answer["passages"]} == {one}
    several = client.post("/search", json={"question": QUESTION, "doc": docs[:2], "top_k": 20}).json()
    assert {p["doc"] for p in several["passages"]} <= set(docs[:2])
    nothing = ask(client, question=QUESTION, doc="no-such-*.pdf")
    assert nothing.status_code == 422 and "no-such-*.pdf" in nothing.json()["error"]


def test_documents_list_and_one_document(client, bundled_index):
    listed = client.get("/documents").json()["documents"]
    assert [d["doc"] for d in listed] == sorted(bundled_index.documents)
    assert sum(d["chunks"] for d in listed) == len(bundled_index.chunks)
    for summary in listed:
        document = client.get(f"/documents/{summary['doc']}").json()
        source = bundled_index.documents[summary["doc"]]
        assert document["text"] == source.text and document["characters"] == len(source.text)
        assert document["page_starts"] == list(source.pages) and document["title"] == source.title
    missing = client.get("/documents/no/such/doc.txt")
    assert missing.status_code == 404 and "no/such/doc.txt" in missing.json()["error"]


def test_healthz_says_what_is_loaded(client, bundled_index):
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["documents"] == len(bundled_index.documents)
    assert health["chunks"] == len(bundled_index.chunks) and health["model"] == bundled_index.model_id


BAD_BODIES = [
    ({"question": ""}, 422, "empty"),
    ({"question": "   "}, 422, "empty"),
    ({"question": "x" * 2001}, 422, "2000"),
    ({"question": "what?\x00\x01"}, 422, "not readable"),
    ({"question": QUESTION, "mode": "fuzzy"}, 422, "mode"),
    ({"question": QUESTION, "top_k": "5"}, 422, "top_k"),
    ({"question": QUESTION, "top_k": 1.5}, 422, "top_k"),
    ({"question": QUESTION, "top_k": True}, 422, "top_k"),
    ({"question": QUESTION, "top_k": 0}, 422, "top_k"),
    ({"question": QUESTION, "top_k": 101}, 422, "top_k"),
    ({"question": 42}, 422, "question"),
    ({"question": [QUESTION]}, 422, "question"),
    ({"question": QUESTION, "doc": []}, 422, "doc"),
    ({"question": QUESTION, "doc": ""}, 422, "doc"),
    ({"question": QUESTION, "doc": 7}, 422, "doc"),
    ({"question": QUESTION, "min_similarity": 2}, 422, "min_similarity"),
    ({"question": QUESTION, "alpha": -0.5}, 422, "alpha"),
    ({"question": QUESTION, "topk": 3}, 422, "topk"),
    ({}, 422, "question"),
    ([QUESTION], 422, "body"),
]


@pytest.mark.parametrize("body, status, says", BAD_BODIES, ids=[str(i) for i in range(len(BAD_BODIES))])
def test_bad_bodies_get_a_4xx_json_error(client, body, status, says):
    response = client.post("/ask", json=body)
    assert response.status_code == status, response.text
    assert says in response.json()["error"] and "Traceback" not in response.text


@pytest.mark.parametrize("content, headers, status", [
    (b'{"question": "What', {"content-type": "application/json"}, 400),
    (b"\xff\xfe\x00garbage", {"content-type": "application/json"}, 400),
    (b'{"question": "x"}', {"content-type": "text/plain"}, 415),
    (b"question=x", {"content-type": "application/x-www-form-urlencoded"}, 415),
    (b'{"question": "' + b"x" * MAX_BODY_BYTES + b'"}', {"content-type": "application/json"}, 413),
])
def test_malformed_and_oversized_bodies(client, content, headers, status):
    response = client.post("/ask", content=content, headers=headers)
    assert response.status_code == status and response.json()["error"]


def test_wrong_paths_and_methods(client):
    assert client.get("/ask").status_code == 405 and "not allowed" in client.get("/ask").json()["error"]
    assert client.get("/nowhere").status_code == 404 and client.get("/nowhere").json()["error"]


def test_host_header_must_be_loopback_without_a_token(client):
    for host in ("127.0.0.1:8000", "localhost", "[::1]:80"):
        assert client.get("/healthz", headers={"host": host}).status_code == 200
    refused = client.get("/healthz", headers={"host": "attacker.example"})
    assert refused.status_code == 400 and "localhost" in refused.json()["error"]


def test_a_token_is_checked_on_every_request(service):
    app = create_app(service, token=TOKEN, check_host=False)
    with TestClient(app, base_url="http://qa.example") as client:
        for path in ("/", "/healthz", "/documents", "/docs", "/openapi.json"):
            refused = client.get(path)
            assert refused.status_code == 401 and TOKEN not in refused.text
            assert refused.headers["www-authenticate"].startswith("Basic")
        assert client.get("/healthz", headers={"authorization": "Bearer wrong-token-0123456789"}).status_code == 401
        assert client.get("/healthz", headers={"authorization": f"Bearer {TOKEN}x"}).status_code == 401
        assert client.get("/healthz", headers={"authorization": f"Bearer {TOKEN}"}).status_code == 200
        basic = base64.b64encode(f"anyone:{TOKEN}".encode()).decode()
        assert client.get("/", headers={"authorization": f"Basic {basic}"}).status_code == 200
        answer = client.post("/ask", json={"question": QUESTION}, headers={"authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 200 and answer.json()["answerable"]


def test_docs_page_needs_no_network_and_the_page_runs_only_its_own_code(client):
    docs = client.get("/docs")
    assert docs.status_code == 200
    urls = re.findall(r'(?:src|href)="([^"]+)"|url: \'([^\']+)\'', docs.text)
    urls = [a or b for a, b in urls]
    assert urls and all(u.startswith("/") for u in urls), urls
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert "/ask" in client.get("/openapi.json").json()["paths"]
    page = client.get("/")
    assert page.status_code == 200 and "script-src 'self'" in page.headers["content-security-policy"]
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text):
        assert client.get(asset).status_code == 200
    for name in ("app.js", "index.html", "app.css"):
        shipped = client.get(f"/static/{name}").text
        assert not re.search(r"https?://", shipped), name  # nothing loaded from elsewhere
        assert not re.search(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write", shipped), name


def test_concurrent_requests_get_the_answers_asked_alone(service, bundled_assistant):
    """8 clients at once on a live server answer as the assistant alone does (thread safety
    of the shared assistant: encoder cache, retrievers, figure caches)."""
    import httpx
    from serve_live import running_server

    from eval.questions import load_questions

    questions = [q.question for q in load_questions(ROOT / "eval" / "questions.jsonl")][:24]
    modes = ("hybrid", "bm25", "dense")
    jobs = [(q, modes[i % 3]) for i, q in enumerate(questions)]
    expected = [service.ask(AskRequest(question=q, mode=m)) for q, m in jobs]
    with running_server(create_app(service)) as url, httpx.Client(base_url=url, timeout=60) as http:
        with ThreadPoolExecutor(8) as pool:
            got = list(pool.map(lambda job: http.post("/ask", json={"question": job[0], "mode": job[1]}).json(), jobs))
    assert got == json.loads(json.dumps(expected))


def _free_port_taken() -> socket.socket:
    sock = socket.create_server(("127.0.0.1", 0))
    return sock


@pytest.mark.parametrize("args, says", [
    (["--host", "0.0.0.0"], "token"),
    (["--host", "192.0.2.1"], "token"),
    (["--token", "short"], "16"),
    (["--port", "99999"], "--port"),
])
def test_serve_refuses_before_loading_anything(args, says):
    done = subprocess.run([sys.executable, "-m", "qa", "serve", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=60, env={**__import__("os").environ, "DOCUMENT_QA_TOKEN": ""})
    assert done.returncode == 2 and says in done.stderr and "Traceback" not in done.stderr


def test_serve_refuses_a_busy_port():
    with _free_port_taken() as taken:
        port = taken.getsockname()[1]
        taken.listen()
        done = subprocess.run([sys.executable, "-m", "qa", "serve", "--port", str(port)], capture_output=True,
                              text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 2 and "another program" in done.stderr


def test_the_load_benchmark_counts_answers_errors_and_malformed_requests(service):
    """eval.bench_serve's own parts, small, on a live server: every answer counted, no
    error, the server's memory read, and every kind of malformed request answered 4xx."""
    import asyncio
    import os

    from serve_live import running_server

    from eval import bench_serve

    batch = bench_serve.cycled(bench_serve.questions()[:5], 16)
    with running_server(create_app(service)) as url:
        load = asyncio.run(bench_serve._load_run(url, batch, os.getpid(), lambda message: None))
        bad = bench_serve.malformed_requests(url, count=20)
    assert load["requests"] == 16 and load["errors"] == 0 and load["clients"] == bench_serve.CLIENTS
    assert load["p50_ms"] <= load["p99_ms"] and load["rss_mb"][0][1] > 0
    assert bad["not_4xx_json"] == 0 and sum(sum(s.values()) for s in bad["statuses"].values()) == 20
    assert all(counts for counts in bad["statuses"].values())  # each of the ten kinds was sent
