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
# How long a thread may hold the GIL before another that waits gets it (Python's default
# is 5 ms). The event loop needs the GIL for every step of a request while the pool's
# threads compute; at 5 ms each step can wait that long. Measured with 8 clients on the
# loaded 2-core machine, alternating runs: 10.4-14.4 requests/s at 5 ms, 15.6-25.1 at 1 ms.
SWITCH_INTERVAL_S = 0.001


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
    parser.add_argument("--quiet", action="store_true", help="no line per request on stderr")
    parser.set_defaults(func=run)


def _say(message: str) -> None:
    print(f"qa serve: {message}", file=sys.stderr, flush=True)


def check_options(host: str, port: int, token: str | None, threads: int | None) -> None:
    """Refuse, before anything loads, what the server would not run with."""
    from corpus.errors import QAError
    from qa.serve.guard import is_loopback

    if not 0 <= port <= 65535:
        raise QAError(f"--port must be from 0 to 65535; got {port}")
    if threads is not None and not 1 <= threads <= 256:
        raise QAError(f"--threads must be from 1 to 256; got {threads}")
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
    check_options(args.host, args.port, token, args.threads)
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
    import uvicorn

    from qa.serve.app import create_app
    from qa.serve.guard import is_loopback
    from qa.serve.service import Service

    service = Service.load(args.index, progress=_say, threads=args.threads)
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    try:
        app = create_app(service, token=token, check_host=token is None)
        config = uvicorn.Config(app, log_level="warning" if args.quiet else "info", access_log=not args.quiet,
                                timeout_graceful_shutdown=5)
        host, port = sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        index = service.assistant.index
        _say(f"{len(index.documents)} documents, {len(index.chunks)} chunks; {service.threads} threads")
        _say(f"page http://{shown}:{port}/   API docs http://{shown}:{port}/docs   Ctrl-C stops"
             + ("   (token required)" if token else ""))
        if not is_loopback(args.host):
            _say("listening beyond this machine: every request must carry the token")
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        service.close()
    return 0
