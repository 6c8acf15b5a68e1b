"""The first thing every request meets: the Host header, the token, the body size.

A pure ASGI middleware, so a refused request costs no parsing and never reaches the
application:

- **Host header** (when the server has no token, so it is on loopback): only a loopback
  name (`localhost`, `127.0.0.1`, `[::1]`) is served. A web page elsewhere can make a
  browser send requests to 127.0.0.1 under its own domain name (DNS rebinding); with the
  name checked, those get 400.
- **Token** (when the server has one): every request must carry it, as
  `Authorization: Bearer <token>` (programs) or as HTTP Basic credentials with the token
  as the password (browsers: a 401 makes the browser ask for it once, then send it with
  every request of the page). Compared in constant time; never logged or echoed.
- **Body**: a POST must say it sends JSON (415 otherwise; a web page elsewhere cannot
  send that without the browser asking this server first, which it never allows), and a
  body over the limit gets 413 before the application reads it. The body is read here,
  bounded, and handed on whole.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
from typing import Any

from qa.safe_output import json_line

MAX_BODY_BYTES = 64 * 1024  # a question is at most 2,000 characters; this leaves room for filters
REALM = b'Basic realm="qa serve", charset="UTF-8"'


def is_loopback(host: str) -> bool:
    """Whether a host name or address is this machine's loopback (127.0.0.0/8, ::1, localhost)."""
    host = host.strip().strip("[]").rstrip(".").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_of(header: str) -> str:
    """The host name of a Host header value, without its port ("[::1]:8000" -> "::1")."""
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def token_matches(authorization: bytes | None, token: bytes) -> bool:
    """Whether an Authorization header carries the token, as a Bearer token or as the
    password of Basic credentials; compared in constant time."""
    if not authorization:
        return False
    scheme, _, value = authorization.strip().partition(b" ")
    value = value.strip()
    if scheme.lower() == b"basic":
        try:
            value = base64.b64decode(value, validate=True).partition(b":")[2]
        except (binascii.Error, ValueError):
            return False
    elif scheme.lower() != b"bearer":
        return False
    return hmac.compare_digest(value, token)


async def send_error(send, status: int, message: str, headers: list[tuple[bytes, bytes]] = ()) -> None:
    body = json_line({"error": message}).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"x-content-type-options", b"nosniff"), *headers]})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """ASGI middleware: Host header, token and body size, in that order."""

    def __init__(self, app, token: str | None = None, max_body: int = MAX_BODY_BYTES, check_host: bool = True):
        self.app = app
        self._token = token.encode("utf-8") if token else None
        self.max_body = max_body
        self.check_host = check_host

    async def __call__(self, scope: dict[str, Any], receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])  # names are lower case in ASGI
        if self.check_host and not is_loopback(host_of(headers.get(b"host", b"").decode("latin-1"))):
            await send_error(send, 400, "this server answers only to localhost or 127.0.0.1 (the Host header "
                             "names another host); serve other hosts with a token (qa serve --token)")
            return
        if self._token is not None and not token_matches(headers.get(b"authorization"), self._token):
            await send_error(send, 401, "this server needs its token: send 'Authorization: Bearer TOKEN' "
                             "(a browser asks for it: any user name, the token as password)",
                             [(b"www-authenticate", REALM)])
            return
        length = headers.get(b"content-length")
        if length is not None and (not length.strip().isdigit() or int(length) > self.max_body):
            status, reason = (413, f"the request body is over {self.max_body:,} bytes") if length.strip().isdigit() \
                else (400, "the Content-Length header is not a number")
            await send_error(send, status, reason)
            return
        if scope.get("method") == "POST" and not _is_json(headers.get(b"content-type", b"")):
            await send_error(send, 415, "send the body as JSON, with the header 'Content-Type: application/json'")
            return
        if scope.get("method") in ("GET", "HEAD", "OPTIONS") and length is None \
                and b"chunked" not in headers.get(b"transfer-encoding", b""):
            await self.app(scope, receive, _with_security_headers(send))
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > self.max_body:
                await send_error(send, 413, f"the request body is over {self.max_body:,} bytes")
                return
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(bytes(body), receive), _with_security_headers(send))


def _is_json(content_type: bytes) -> bool:
    """application/json, with or without parameters (a charset)."""
    return content_type.split(b";", 1)[0].strip().lower() == b"application/json"


def _replay(body: bytes, receive):
    """A receive() that gives the buffered body once, then waits on the real one."""
    sent = False

    async def replayed() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


def _with_security_headers(send):
    """Every response says its content type is to be believed (no sniffing as HTML)."""

    async def sending(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), (b"x-content-type-options", b"nosniff")]}
        await send(message)

    return sending
