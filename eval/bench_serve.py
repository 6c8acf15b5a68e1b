"""`make bench`, serve stage: `qa serve` under a bounded load on loopback.

1. `qa ask --json` with the questions on stdin, one process (the index loaded once): the
   throughput the server is compared with (answers per second from the first answer to
   the last, so start-up is left out, as the server's is).
2. `qa serve --port 0 --quiet` started as a user starts it (the bundled index); once it
   answers /healthz, CLIENTS concurrent clients (asyncio + httpx, keep-alive) send
   REQUESTS questions from the question set (cycled), every one POST /ask; requests/s,
   p50/p95/p99 latency, errors (any non-200 or failed request), and the server's RSS
   before, during (every 500 requests) and after.
3. MALFORMED malformed requests of ten kinds; each must get a 4xx with a JSON error.
   Then one client alone, SOLO_REQUESTS questions: a request's own latency, no queue.
4. Steps 2 and 3 once per worker count (`qa serve --workers N`; default 1 and 2), side by
   side in one run, so the counts are compared under the same machine load.
5. `qa ask --json` again, so the comparison brackets the load runs on a shared machine.

Everything goes to 127.0.0.1 only; the run is bounded by count and by TIME_LIMIT_S and
stops the server itself. Writes <out>/serve-load.md and .json (serve-load-quick with
--quick). Also runs alone: `python -m eval.bench_serve --help`.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

from eval.metrics import percentile
from eval.report import machine_info, machine_line, markdown_table, write_json, write_text

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "eval" / "questions.jsonl"
CLIENTS = 8
REQUESTS = 2000
QUICK_REQUESTS = 400
MALFORMED = 100
SOLO_REQUESTS = 200  # one client alone: each request's own latency, no queue in front of it
RSS_EVERY = 500
TIME_LIMIT_S = 900  # the load run stops here whatever it has done
START_TIMEOUT_S = 300
TARGET_RATIO = 0.8
TARGET_P99_MS = 200.0
WORKER_COUNTS = (1, 2)

Say = Callable[[str], None]


def questions(path: Path = QUESTIONS) -> list[str]:
    """Every question of the set, in file order (held-out splits too: this measures speed)."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line)["question"] for line in handle if line.strip()]


def cycled(items: list[str], count: int) -> list[str]:
    return [items[i % len(items)] for i in range(count)]


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process, MB (Linux /proc); None where it cannot be read."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
    return int(found.group(1)) / 1024 if found else None


def tree_rss_mb(pid: int) -> float | None:
    """Resident memory of a process and its children (the workers of `--workers N`), MB."""
    own = rss_mb(pid)
    if own is None:
        return None
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return own + sum(rss_mb(int(child)) or 0 for child in children)


def _load() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


# --- 1 and 4: one process, questions on stdin --------------------------------------------

def cli_throughput(batch: list[str], say: Say) -> dict[str, Any]:
    """`qa ask --json` over stdin: answers per second from the first answer to the last."""
    say(f"qa ask --json on stdin: {len(batch)} questions, one process")
    process = subprocess.Popen([sys.executable, "-m", "qa", "ask", "--json"], cwd=ROOT, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, encoding="utf-8")

    def feed() -> None:
        for question in batch:
            process.stdin.write(question.replace("\n", " ") + "\n")
        process.stdin.close()

    threading.Thread(target=feed, daemon=True).start()
    stamps, errors = [], 0
    for line in process.stdout:
        stamps.append(time.perf_counter())
        errors += "error" in json.loads(line)
    process.wait()
    span = stamps[-1] - stamps[0] if len(stamps) > 1 else float("nan")
    result = {"answers": len(stamps), "errors": errors, "exit": process.returncode,
              "seconds_first_to_last": span, "per_second": (len(stamps) - 1) / span if span else None}
    say(f"qa ask --json: {result['per_second']:.1f} answers/s ({len(stamps)} answers, exit {process.returncode})")
    return result


# --- 2: the server ------------------------------------------------------------------------

class Server:
    """`qa serve --port 0 --quiet` in a subprocess; its URL read from what it prints."""

    def __init__(self, say: Say, options: tuple[str, ...] = ()):
        self.say = say
        self.process = subprocess.Popen([sys.executable, "-m", "qa", "serve", "--port", "0", "--quiet", *options],
                                        cwd=ROOT,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.url = None
        deadline = time.monotonic() + START_TIMEOUT_S
        lines = []
        for line in self.process.stderr:
            lines.append(line.rstrip())
            found = re.search(r"page (http://127\.0\.0\.1:\d+)/", line)
            if found:
                self.url = found.group(1)
                break
            if time.monotonic() > deadline:
                break
        if self.url is None:
            self.stop()
            raise RuntimeError("qa serve did not start: " + " | ".join(lines[-5:]))
        threading.Thread(target=lambda: [None for _ in self.process.stderr], daemon=True).start()  # drain
        self.say(f"qa serve is up at {self.url} (pid {self.process.pid})")

    def stop(self) -> int | None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


async def _load_run(url: str, batch: list[str], pid: int, say: Say, clients: int = CLIENTS) -> dict[str, Any]:
    import httpx

    queue: asyncio.Queue[str] = asyncio.Queue()
    for question in batch:
        queue.put_nowait(question)
    latencies: list[float] = []
    problems: dict[str, int] = {}
    rss_trace: list[tuple[int, float | None]] = [(0, tree_rss_mb(pid))]
    done = 0
    deadline = time.monotonic() + TIME_LIMIT_S

    async def client() -> None:
        nonlocal done
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            while not queue.empty() and time.monotonic() < deadline:
                question = queue.get_nowait()
                started = time.perf_counter()
                try:
                    response = await http.post("/ask", json={"question": question})
                    ok = response.status_code == 200 and "answerable" in response.json()
                    problem = None if ok else f"HTTP {response.status_code}"
                except (httpx.HTTPError, ValueError) as error:
                    problem = type(error).__name__
                latencies.append((time.perf_counter() - started) * 1000)
                if problem:
                    problems[problem] = problems.get(problem, 0) + 1
                done += 1
                if done % RSS_EVERY == 0:
                    rss_trace.append((done, tree_rss_mb(pid)))
                    say(f"load: {done}/{len(batch)} requests")

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    wall = time.perf_counter() - started
    if rss_trace[-1][0] != done:
        rss_trace.append((done, tree_rss_mb(pid)))
    return {
        "requests": done, "clients": clients, "wall_s": wall, "per_second": done / wall,
        "p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95), "p99_ms": percentile(latencies, 99),
        "max_ms": max(latencies), "errors": sum(problems.values()), "error_kinds": problems,
        "stopped_by_time_limit": done < len(batch), "rss_mb": rss_trace,
    }


def malformed_requests(url: str, count: int = MALFORMED) -> dict[str, Any]:
    """`count` malformed requests, ten kinds in turn; each must get a 4xx JSON error."""
    import httpx

    json_type = {"content-type": "application/json"}
    kinds = [
        ("not JSON", lambda h: h.post("/ask", content=b'{"question": "wh', headers=json_type)),
        ("not UTF-8", lambda h: h.post("/ask", content=b'\xff\xfe{"q', headers=json_type)),
        ("empty question", lambda h: h.post("/ask", json={"question": "  "})),
        ("question too long", lambda h: h.post("/ask", json={"question": "x" * 5000})),
        ("wrong type", lambda h: h.post("/ask", json={"question": "a question", "top_k": "5"})),
        ("unknown mode", lambda h: h.post("/ask", json={"question": "a question", "mode": "magic"})),
        ("filter matching nothing", lambda h: h.post("/search", json={"question": "a question", "doc": "nothing-*.x"})),
        ("body over the limit", lambda h: h.post("/ask", content=b"{" + b" " * 100_000 + b"}", headers=json_type)),
        ("not declared JSON", lambda h: h.post("/ask", content=b'{"question": "a question"}',
                                                headers={"content-type": "text/plain"})),
        ("wrong method", lambda h: h.get("/ask")),
    ]
    statuses: dict[str, dict[int, int]] = {name: {} for name, _ in kinds}
    not_4xx = 0
    with httpx.Client(base_url=url, timeout=60) as http:
        for i in range(count):
            name, send = kinds[i % len(kinds)]
            response = send(http)
            try:
                has_error = isinstance(response.json().get("error"), str)
            except ValueError:
                has_error = False
            statuses[name][response.status_code] = statuses[name].get(response.status_code, 0) + 1
            not_4xx += not (400 <= response.status_code < 500 and has_error)
    return {"requests": count, "not_4xx_json": not_4xx, "statuses": statuses}


# --- the stage ----------------------------------------------------------------------------

def server_runs(batch: list[str], workers: int, say: Say) -> dict[str, Any]:
    """Steps 2 and 3 against `qa serve --workers N`."""
    server = Server(say, ("--workers", str(workers)))
    try:
        pid = server.process.pid
        rss_idle = tree_rss_mb(pid)
        say(f"load ({workers} workers): {CLIENTS} clients, {len(batch)} questions")
        load = asyncio.run(_load_run(server.url, batch, pid, say))
        say(f"load: {load['per_second']:.1f} requests/s, p50 {load['p50_ms']:.0f} ms, p99 {load['p99_ms']:.0f} ms, "
            f"{load['errors']} errors")
        say(f"one client: {SOLO_REQUESTS} questions, latency without queueing")
        solo = asyncio.run(_load_run(server.url, batch[:SOLO_REQUESTS], pid, lambda message: None, clients=1))
        say(f"one client: p50 {solo['p50_ms']:.0f} ms, p99 {solo['p99_ms']:.0f} ms, {solo['errors']} errors")
        bad = malformed_requests(server.url)
        say(f"malformed: {bad['requests'] - bad['not_4xx_json']} of {bad['requests']} answered 4xx with a JSON error")
        rss_end = tree_rss_mb(pid)
    finally:
        exit_code = server.stop()
    return {"workers": workers, "load": load, "solo": solo, "malformed": bad, "rss_idle_mb": rss_idle,
            "rss_end_mb": rss_end, "server_exit": exit_code}


def serve_benchmark(out: Path, quick: bool, say: Say, worker_counts: tuple[int, ...] = WORKER_COUNTS) -> list[Path]:
    count = QUICK_REQUESTS if quick else REQUESTS
    batch = cycled(questions(), count)
    machine = {**machine_info(), "load_average_at_start": _load()}
    cli_before = cli_throughput(batch, say)
    runs = [server_runs(batch, workers, say) for workers in worker_counts]
    cli_after = cli_throughput(batch, say)
    machine["load_average_at_end"] = _load()
    rates = [r["per_second"] for r in (cli_before, cli_after) if r["per_second"]]
    cli_rate = statistics.mean(rates) if rates else None
    for run in runs:
        run["ratio"] = run["load"]["per_second"] / cli_rate if cli_rate else None
    data = {"machine": machine, "quick": quick, "questions": count, "clients": CLIENTS,
            "cli_before": cli_before, "cli_after": cli_after, "cli_per_second": cli_rate, "runs": runs}
    stem = out / ("serve-load-quick" if quick else "serve-load")
    return [write_text(stem.with_suffix(".md"), serve_markdown(data)), write_json(stem.with_suffix(".json"), data)]


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def _measured(run: dict[str, Any], data: dict[str, Any]) -> list[tuple[str, str, Any, bool]]:
    """(target, wanted, measured, met) for one worker count."""
    load, bad, ratio = run["load"], run["malformed"], run["ratio"]
    return [
        ("errors under load", "0", load["errors"], load["errors"] == 0),
        ("throughput against `qa ask --json` on stdin", f">= {TARGET_RATIO:.0%}",
         "n/a" if ratio is None else f"{ratio:.0%}", ratio is not None and ratio >= TARGET_RATIO),
        (f"p99 latency, {data['clients']} clients at once", f"< {TARGET_P99_MS:.0f} ms", f"{load['p99_ms']:.0f} ms",
         load["p99_ms"] < TARGET_P99_MS),
        ("p99 latency, one client (no queue)", f"< {TARGET_P99_MS:.0f} ms", f"{run['solo']['p99_ms']:.0f} ms",
         run["solo"]["p99_ms"] < TARGET_P99_MS),
        ("malformed requests answered 4xx with a JSON error", f"{bad['requests']} of {bad['requests']}",
         bad["requests"] - bad["not_4xx_json"], bad["not_4xx_json"] == 0),
    ]


def serve_markdown(data: dict[str, Any]) -> str:
    runs = data["runs"]
    measured = [_measured(run, data) for run in runs]
    target_rows = [[name, wanted] + [f"{m[k][2]} ({_verdict(m[k][3])})" for m in measured]
                   for k, (name, wanted, _, _) in enumerate(measured[0])]
    lines = [
        "# `qa serve` under load", "",
        f"Measured {machine_line(data['machine'])} by `make bench` (`python -m eval.bench --only serve`); "
        f"load average (1/5/15 min) at the start {data['machine']['load_average_at_start']}, "
        f"at the end {data['machine']['load_average_at_end']}. The clients run on the same 2 cores "
        "as the server. Everything on 127.0.0.1.", "",
    ]
    if data["quick"]:
        lines += [f"**Quick run (--quick): {data['questions']} questions.**", ""]
    lines += [
        "## Targets", "",
        markdown_table(["target", "wanted"] + [f"--workers {run['workers']}" for run in runs], target_rows),
        "## Load", "",
        f"`qa serve --port 0 --quiet --workers N` (the bundled index, {data['clients']} clients at once, "
        f"asyncio + httpx with keep-alive), {data['questions']} questions of `eval/questions.jsonl` cycled, "
        "each POST /ask (hybrid, top 5), one server after the other. Latency is per request as the client "
        "sees it.", "",
        markdown_table(["workers", "clients", "requests", "wall s", "requests/s", "p50 ms", "p95 ms", "p99 ms",
                        "max ms", "errors"],
                       [[run["workers"], r["clients"], r["requests"], r["wall_s"], r["per_second"], r["p50_ms"],
                         r["p95_ms"], r["p99_ms"], r["max_ms"], r["errors"]]
                        for run in runs for r in (run["load"], run["solo"])], digits=1),
        f"With {data['clients']} clients always waiting, a request's latency is mostly the queue in front of it: "
        f"by Little's law the mean is clients / throughput. One client alone shows a request's own time.", "",
    ]
    for run in runs:
        trace = ", ".join(f"{n}: {mb:.0f}" for n, mb in run["load"]["rss_mb"] if mb is not None)
        lines += [f"Server memory with --workers {run['workers']} (RSS of all its processes, MB) after start-up "
                  f"and warm-up: {run['rss_idle_mb']:.0f}; by requests done: {trace}; after the malformed "
                  f"requests: {run['rss_end_mb']:.0f}.", ""]
    lines += [
        "## The same questions in one process", "",
        "`python -m qa ask --json` with the questions on stdin (one process, the index loaded once), "
        "answers per second from the first answer to the last; run before and after the load runs.", "",
        markdown_table(["run", "answers", "answers/s"],
                       [["before", data["cli_before"]["answers"], data["cli_before"]["per_second"]],
                        ["after", data["cli_after"]["answers"], data["cli_after"]["per_second"]],
                        ["mean", "", data["cli_per_second"]]], digits=1),
        f"## Malformed requests (--workers {runs[-1]['workers']})", "",
        markdown_table(["kind", "statuses"],
                       [[kind, ", ".join(f"{status} x{n}" for status, n in sorted(counts.items()))]
                        for kind, counts in runs[-1]["malformed"]["statuses"].items()]),
    ]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m eval.bench_serve", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_REQUESTS} questions instead of {REQUESTS}")
    parser.add_argument("--workers", default=",".join(map(str, WORKER_COUNTS)),
                        help="worker counts to run, comma-separated (default %(default)s)")
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "reports", help="report folder")
    args = parser.parse_args(argv)
    counts = tuple(int(n) for n in args.workers.split(","))
    say = lambda message: print(f"bench serve: {message}", file=sys.stderr, flush=True)  # noqa: E731
    for path in serve_benchmark(args.out, args.quick, say, counts):
        say(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
