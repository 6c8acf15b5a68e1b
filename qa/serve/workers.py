"""`qa serve`'s server processes: one, or `--workers N` sharing one listening socket.

Why more than one: most of an answer is pure Python, and one process runs pure Python one
thread at a time (the GIL), so its thread pool cannot use a second core for it. N
processes can. The parent binds the socket once (so a busy port is refused before
anything loads, as with one process), then starts N workers with multiprocessing's
*spawn* (a fresh interpreter each: none of the parent's threads, BLAS or ONNX state is
forked). Each worker loads the index and the model once and runs uvicorn on the inherited
socket; the kernel hands each connection to one of them. Every worker builds the same
application (`load_server`), so the token, the Host rule, the body limit and every
endpoint are the same in all of them.

The parent only supervises: it says the address once every worker has loaded, and on
Ctrl-C or SIGTERM (or when a worker dies) it asks each worker to stop (SIGTERM: uvicorn
finishes the requests under way) and kills any that has not ended in
`STOP_TIMEOUT_S`, so no worker outlives it.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path
from typing import Callable

# How long a thread may hold the GIL before another that waits gets it (Python's default
# is 5 ms). The event loop needs the GIL for every step of a request while the pool's
# threads compute; at 5 ms each step can wait that long. Measured with 8 clients on the
# loaded 2-core machine, alternating runs: 10.4-14.4 requests/s at 5 ms, 15.6-25.1 at 1 ms.
SWITCH_INTERVAL_S = 0.001
STOP_TIMEOUT_S = 10  # uvicorn's graceful shutdown is 5 s; then the worker is killed


@dataclass(frozen=True)
class Options:
    """What a worker needs to build the server (picklable: it crosses to spawned workers)."""

    index: Path | None
    threads: int | None
    token: str | None
    quiet: bool


def load_server(options: Options, progress: Callable[[str], None] | None):
    """Load the service (index, model, warm-up) and the uvicorn server over its app.
    Returns (service, server); the caller runs the server and then closes the service."""
    import uvicorn

    from qa.serve.app import create_app
    from qa.serve.service import Service

    service = Service.load(options.index, progress=progress, threads=options.threads)
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    app = create_app(service, token=options.token, check_host=options.token is None)
    config = uvicorn.Config(app, log_level="warning" if options.quiet else "info", access_log=not options.quiet,
                            timeout_graceful_shutdown=5)
    return service, uvicorn.Server(config)


def summary(service) -> dict:
    index = service.assistant.index
    return {"documents": len(index.documents), "chunks": len(index.chunks), "threads": service.threads}


def _worker(options: Options, sock, conn, show_progress: bool) -> None:
    """A worker process: load, tell the parent (its summary or the error), serve `sock`.

    SIGINT is ignored: Ctrl-C reaches the whole process group, and the parent answers it
    by sending SIGTERM to each worker, so every worker stops the same way, once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from corpus.errors import QAError

    try:
        service, server = load_server(options, _say if show_progress else None)
    except QAError as error:
        conn.send(("error", str(error)))
        return
    try:
        conn.send(("ready", summary(service)))
        conn.close()
        server.run(sockets=[sock])
    finally:
        service.close()


def _say(message: str) -> None:
    print(f"qa serve: {message}", file=sys.stderr, flush=True)


def serve_workers(options: Options, sock, workers: int, announce: Callable[[dict], None]) -> int:
    """Run `workers` worker processes on the bound socket until Ctrl-C / SIGTERM or until
    one dies; `announce(summary)` once all have loaded. Exit 0 when stopped by a signal,
    1 when a worker died; a worker's QAError (e.g. a bad index) is raised here (exit 2)."""
    from corpus.errors import QAError

    stop = []
    previous = {sig: signal.signal(sig, lambda number, frame: stop.append(number))
                for sig in (signal.SIGINT, signal.SIGTERM)}
    spawn = multiprocessing.get_context("spawn")
    processes, pipes = [], []
    try:
        for number in range(workers):
            receive, send = spawn.Pipe(duplex=False)
            process = spawn.Process(target=_worker, args=(options, sock, send, number == 0),
                                    name=f"qa-serve-worker-{number + 1}", daemon=False)
            process.start()
            send.close()
            processes.append(process)
            pipes.append(receive)
        loaded, failure = 0, None
        while not stop and failure is None:
            sentinels = [p.sentinel for p in processes]
            for ready in wait(pipes + sentinels, timeout=0.5):
                if ready in sentinels:
                    failure = failure or "a worker process ended unexpectedly"
                    continue
                try:
                    kind, payload = ready.recv()
                except EOFError:
                    pipes.remove(ready)
                    continue
                pipes.remove(ready)
                if kind == "error":
                    raise QAError(payload)
                loaded += 1
                if loaded == workers:
                    announce({**payload, "workers": workers})
        if failure is not None and not stop:
            _say(f"{failure}; stopping the others")
            return 1
        return 0
    finally:
        _stop_all(processes)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _stop_all(processes) -> None:
    """SIGTERM to each live worker, wait, then kill whatever is left: no orphans."""
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(STOP_TIMEOUT_S)
        if process.is_alive():
            process.kill()
            process.join()
