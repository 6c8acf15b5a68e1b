"""The FastAPI application of `qa serve`: endpoints, JSON errors, offline docs, the page.

Every error is JSON `{"error": "..."}` with a 4xx status for what the client sent:
400 a body that is not JSON, 401 no or a wrong token, 404 an unknown path or document,
405 a wrong method, 413 a body over the limit, 422 a body that does not validate (wrong
types, unknown fields, an unknown mode, a top_k out of range) or a question the
assistant refuses (empty, too long, not text, a document filter matching nothing). A
fault of the server is a 500 with a one-line message; tracebacks go to the server's log
only.

The OpenAPI page (/docs) loads Swagger UI from the fastapi-offline package's files, so
it works with no network; /openapi.json is the machine-readable contract.
"""

from __future__ import annotations

import logging
from importlib.resources import files
from pathlib import Path

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException

from corpus.errors import DocumentFilterError, QAError, QuestionError, SettingsError
from qa.safe_output import json_line
from qa.serve import schemas
from qa.serve.guard import MAX_BODY_BYTES, Guard
from qa.serve.service import Service, package_version

log = logging.getLogger("qa.serve")

WEB = Path(str(files("qa") / "web"))
# The page runs only its own files: no inline script, nothing from another origin.
PAGE_HEADERS = {
    "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "referrer-policy": "no-referrer",
    "cache-control": "no-cache",
}
ERRORS = {400: {"model": schemas.Error, "description": "the body is not JSON"},
          401: {"model": schemas.Error, "description": "the server has a token and the request does not carry it"},
          413: {"model": schemas.Error, "description": "the body is over the limit"},
          422: {"model": schemas.Error, "description": "invalid fields, or a question the assistant refuses"}}
CLIENT_ERRORS = (QuestionError, SettingsError, DocumentFilterError)


class SafeJSON(JSONResponse):
    """JSON with the control and bidirectional characters a document may hold escaped
    (`qa.safe_output.json_line`), as `qa ask --json` writes it."""

    def render(self, content) -> bytes:
        return json_line(content).encode("utf-8")


def create_app(service: Service, token: str | None = None, check_host: bool = True,
               max_body: int = MAX_BODY_BYTES) -> FastAPIOffline:
    """The application over a loaded service. `token`: required on every request;
    `check_host`: serve only requests addressed to a loopback name (see qa.serve.guard)."""
    app = FastAPIOffline(
        title="document-qa",
        version=package_version(),
        description="Offline, document-grounded question answering: cited passages and figures from "
        "your documents. POST /ask is the `qa ask --json` contract. The web page is at /.",
        redoc_url=None,
        static_url="/docs-assets",
    )
    app.state.service = service
    app.add_middleware(Guard, token=token, max_body=max_body, check_host=check_host)
    _routes(app, service)
    _error_handlers(app)
    app.mount("/static", StaticFiles(directory=WEB), name="static")
    return app


def _routes(app: FastAPIOffline, service: Service) -> None:
    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(WEB / "index.html", headers=PAGE_HEADERS)

    @app.post("/ask", response_model=schemas.AskResponse, responses=ERRORS,
              summary="Answer a question: the best figures and the cited passages")
    async def ask(request: schemas.AskRequest):
        return SafeJSON(await service.run(service.ask, request))

    @app.post("/search", response_model=schemas.SearchResponse, responses=ERRORS,
              summary="The cited passages of a question, without figures or a verdict")
    async def search(request: schemas.SearchRequest):
        return SafeJSON(await service.run(service.search, request))

    @app.get("/documents", response_model=schemas.DocumentsResponse, summary="The index's documents")
    async def documents():
        return SafeJSON(service.documents())

    @app.get("/documents/{doc_id:path}", response_model=schemas.DocumentOut,
             responses={404: {"model": schemas.Error}},
             summary="One document's text (what every offset cites) and its page starts")
    async def document(doc_id: str):
        found = service.document(doc_id)
        if found is None:
            return SafeJSON({"error": f"no document {doc_id!r} in this index; GET /documents lists them"},
                            status_code=404)
        return SafeJSON(found)

    @app.get("/healthz", response_model=schemas.Health, summary="Liveness, and what is loaded")
    async def healthz():
        return SafeJSON(service.health())


def _validation_message(error: dict) -> str:
    where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
    return f"{where or 'body'}: {error.get('msg', 'invalid')}"


def _error_handlers(app: FastAPIOffline) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError):
        problems = error.errors()
        if any(p.get("type") == "json_invalid" for p in problems):
            return SafeJSON({"error": "the request body is not valid JSON"}, status_code=400)
        details = [_validation_message(p) for p in problems][:20]  # the inputs are never echoed
        return SafeJSON({"error": "invalid request: " + "; ".join(details), "details": details}, status_code=422)

    @app.exception_handler(QAError)
    async def refused(request: Request, error: QAError):
        if isinstance(error, CLIENT_ERRORS):
            return SafeJSON({"error": str(error)}, status_code=422)
        log.error("%s %s failed: %s", request.method, request.url.path, error)
        return SafeJSON({"error": f"the server could not answer: {error}"}, status_code=500)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException):
        message = {404: f"no such page or endpoint: {request.url.path}; see /docs",
                   405: f"{request.method} is not allowed on {request.url.path}; see /docs"}
        return SafeJSON({"error": message.get(error.status_code, str(error.detail))},
                        status_code=error.status_code, headers=getattr(error, "headers", None))

    @app.exception_handler(Exception)
    async def failed(request: Request, error: Exception):
        log.exception("%s %s failed", request.method, request.url.path)
        return SafeJSON({"error": "internal error; the server's log has the details"}, status_code=500)
