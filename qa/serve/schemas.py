"""Request and response bodies of the HTTP API.

Requests are strict: wrong types are refused, not coerced ("5" is not a top_k), and
unknown fields are refused (a misspelt "topk" would otherwise be ignored silently).
Responses follow the `qa ask --json` contract (`qa.render.answer_json`) and add keys,
never change them; the models here document them on the OpenAPI page.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from indexer.retrievers import MODES
from qa.assistant import MAX_TOP_K

Mode = Literal["hybrid", "bm25", "dense", "hybrid-rrf", "hybrid-convex"]
assert set(Mode.__args__) == set(MODES), "the API's modes must be the retrievers' modes"

MAX_DOC_PATTERNS = 50
MAX_PATTERN_CHARS = 1000

DocPattern = Annotated[str, StringConstraints(min_length=1, max_length=MAX_PATTERN_CHARS)]
DocFilter = Union[DocPattern, Annotated[list[DocPattern], Field(min_length=1, max_length=MAX_DOC_PATTERNS)], None]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class SearchRequest(_Strict):
    """A question and how to search for it."""

    question: str = Field(description="the question, English or Chinese (at most 2,000 characters)",
                          examples=["What was the GDP of the region in 2016?"])
    top_k: int = Field(5, ge=1, le=MAX_TOP_K, description="how many passages to return")
    mode: Mode = Field("hybrid", description="retrieval mode")
    doc: DocFilter = Field(
        None, description="search only these documents: a document id as GET /documents lists it, or a "
        f"shell glob (\"reports/2019-*.md\"), or a list of up to {MAX_DOC_PATTERNS} of them")


class AskRequest(SearchRequest):
    """A question, how to search for it, and optionally this call's answer settings."""

    min_similarity: Union[float, None] = Field(
        None, ge=-1.0, le=1.0, allow_inf_nan=False,
        description="cosine similarity (question vs best passage) below which the answer is "
        "'not in the documents' (default 0.25)")
    alpha: Union[float, None] = Field(
        None, ge=0.0, le=1.0, allow_inf_nan=False,
        description="hybrid mode's weight of the embedding scores against BM25's (default 0.5)")


class FigureOut(BaseModel):
    value: float
    unit: Union[str, None]
    text: str = Field(description="the figure as the document writes it (document[start:end])")
    label: str
    doc: str
    start: int
    end: int
    page: Union[int, None] = Field(description="1-based page of a paged document (PDF), else null")
    display: str = Field(description="value and unit as a person reads them (\"1,954,744,000,000 CNY\")")


class PassageOut(BaseModel):
    doc: str
    start: int
    end: int
    text: str = Field(description="document[start:end]")
    score: float
    rank: int
    page: Union[int, None]
    line: int = Field(description="1-based line of start in its document")
    section: Union[str, None] = Field(description="the section or table caption the passage sits under")
    highlights: list[tuple[int, int]] = Field(description="document offsets of the best-matching sentence(s)")


class Settings(BaseModel):
    mode: Mode
    top_k: int
    doc: Union[str, list[str], None]
    min_similarity: float
    alpha: float


class AskResponse(BaseModel):
    """`qa ask --json`'s object (question, answerable, figures, passages, settings) plus
    the reason of a 'not in the documents' answer and whether a figure was asked for."""

    question: str
    answerable: bool
    figures: list[FigureOut]
    passages: list[PassageOut]
    settings: Settings
    reason: str = Field(description="why the documents do not answer it ('' when they do)")
    asks_for_figure: bool = Field(description="false: the figures are what the passages hold, not the answer")


class SearchResponse(BaseModel):
    question: str
    passages: list[PassageOut]
    settings: Settings


class DocumentSummary(BaseModel):
    doc: str
    title: str
    format: str
    characters: int
    pages: int = Field(description="pages of a paged document (PDF), else 0")
    chunks: int


class DocumentsResponse(BaseModel):
    documents: list[DocumentSummary]


class DocumentOut(DocumentSummary):
    text: str = Field(description="the text every offset cites (a PDF's, Word's or web page's extracted text)")
    page_starts: list[int] = Field(description="offset where each page starts (page n at page_starts[n-1])")
    encoding: Union[str, None]


class Health(BaseModel):
    status: Literal["ok"]
    documents: int
    chunks: int
    model: str
    index: str
    version: str
    threads: int = Field(description="threads answering questions at once")


class Error(BaseModel):
    error: str = Field(description="what is wrong, in words")
    details: Union[list[str], None] = Field(None, description="each invalid field and why, for a body that does not validate")
