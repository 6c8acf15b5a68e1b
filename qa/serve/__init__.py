"""`qa serve`: the question-answering HTTP API and the web page, over one loaded index.

- `schemas`: the request and response bodies (pydantic; they make the OpenAPI page);
- `service`: the loaded assistant and the thread pool the CPU work runs in;
- `guard`: the ASGI layer every request passes first (body size, Host header, token);
- `app`: the FastAPI application: endpoints, JSON errors, the offline docs and the page.

The page itself is plain HTML/CSS/JS in `qa/web/`, shipped as package data.
"""
