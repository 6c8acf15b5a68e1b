"""`qa serve`: the HTTP API and the web page over one index (FastAPI, served by uvicorn).

The index and the model load once, before the port opens; a bad index, a busy port or a
host that is not loopback without a token is refused with a message and exit 2, before
anything listens.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

TOKEN_ENV = "DOCUMENT_QA_TOKEN"
MIN_TOKEN_CHARS = 16
MAX_WORKERS = 16


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve the question-answering API and web page over HTTP",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Load an index (default: the bundled corpus) and the model once, then answer "
        "over HTTP: the web page at /, POST /ask (the `qa ask --json` contract), POST /search, "
        "GET /documents, GET /documents/{id}, GET /healthz, and the OpenAPI page at /docs "
        "(works offline; /openapi.json is the contract). Binds 127.0.0.1 by default; any "
        f"other host needs a token (--token, or the {TOKEN_ENV} environment variable, which "
        "other users of the machine cannot read from the process list), then required on "
        "every request as 'Authorization: Bearer TOKEN' (a browser asks for it: any user "
        "name, the token as password).",
        epilog="examples:\n"
        "  qa serve                                   # http://127.0.0.1:8000/\n"
        "  qa serve --index my-index --port 8080\n"
        f"  {TOKEN_ENV}=$(openssl rand -hex 16) qa serve --host 0.0.0.0\n"
        "  curl -s localhost:8000/ask -H 'content-type: application/json' \\\n"
        "       -d '{\"question\": \"What was Guangzhou'\\''s GDP in 2016?\"}'",
    )
    parser.add_argument("--index", type=Path, default=None, help="index directory (default: the bundled corpus)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1; another than loopback needs a token)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    parser.add_argument("--token", default=None,
                        help=f"require this token on every request (at least {MIN_TOKEN_CHARS} characters; "
                        f"default: ${TOKEN_ENV} if set)")
    parser.add_argument("--threads", type=int, default=None,
                        help="questions answered at once (default: the CPUs this process may use)")
    parser.add_argument("--workers", type=int, default=1,
                        help="server processes sharing the port, each with its own copy of the index and model "
                        "(default 1; more lets pure-Python work use more cores, at the memory of one copy each)")
    parser.add_argument("--quiet", action="store_true", help="no line per request on stderr")
    parser.set_defaults(func=run)


def _say(message: str) -> None:
    print(f"qa serve: {message}", file=sys.stderr, flush=True)


def check_options(host: str, port: int, token: str | None, threads: int | None, workers: int = 1) -> None:
    """Refuse, before anything loads, what the server would not run with."""
    from corpus.errors import QAError
    from qa.serve.guard import is_loopback

    if not 0 <= port <= 65535:
        raise QAError(f"--port must be from 0 to 65535; got {port}")
    if threads is not None and not 1 <= threads <= 256:
        raise QAError(f"--threads must be from 1 to 256; got {threads}")
    if not 1 <= workers <= MAX_WORKERS:
        raise QAError(f"--workers must be from 1 to {MAX_WORKERS}; got {workers}")
    if token is not None and (len(token) < MIN_TOKEN_CHARS or not token.isprintable() or token != token.strip()):
        raise QAError(f"the token must be at least {MIN_TOKEN_CHARS} printable characters without surrounding "
                      "spaces; e.g. openssl rand -hex 16")
    if not is_loopback(host) and token is None:
        raise QAError(f"--host {host} would let other machines ask this server; give it a token (--token, or "
                      f"{TOKEN_ENV}) that every request must carry, or bind 127.0.0.1")


def run(args: argparse.Namespace) -> int:
    import errno
    import socket

    from corpus.errors import QAError

    token = args.token if args.token is not None else (os.environ.get(TOKEN_ENV) or None)
    check_options(args.host, args.port, token, args.threads, args.workers)
    try:
        family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
        sock = socket.create_server((args.host, args.port), family=family)  # busy port: refused before loading
    except OSError as error:
        hint = "another program listens there; pick another --port" if error.errno == errno.EADDRINUSE \
            else "check --host (an address of this machine) and --port"
        raise QAError(f"cannot listen on {args.host}:{args.port}: {error.strerror or error}; {hint}") from error
    with sock:
        return _serve(args, token, sock)


def _serve(args: argparse.Namespace, token: str | None, sock) -> int:
    """One process serves in place; `--workers N` hands the bound socket to N processes."""
    from qa.serve.workers import Options, load_server, serve_workers, summary

    options = Options(index=args.index, threads=args.threads, token=token, quiet=args.quiet)
    if args.workers > 1:
        _say(f"starting {args.workers} worker processes, each loading the index and the model")
        return serve_workers(options, sock, args.workers, lambda loaded: _announce(args, token, sock, loaded))
    service, server = load_server(options, _say)
    try:
        _announce(args, token, sock, summary(service))
        server.run(sockets=[sock])
    finally:
        service.close()
    return 0


def _announce(args: argparse.Namespace, token: str | None, sock, loaded: dict) -> None:
    """The lines a user reads once the server answers: what is loaded and where."""
    from qa.serve.guard import is_loopback

    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    workers = loaded.get("workers", 1)
    _say(f"{loaded['documents']} documents, {loaded['chunks']} chunks; {loaded['threads']} threads"
         + (f" in each of {workers} worker processes" if workers > 1 else ""))
    _say(f"page http://{shown}:{port}/   API docs http://{shown}:{port}/docs   Ctrl-C stops"
         + ("   (token required)" if token else ""))
    if not is_loopback(args.host):
        _say("listening beyond this machine: every request must carry the token")
