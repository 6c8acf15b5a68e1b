// The page of `qa serve`: ask, show the best figure and the cited passages, open a
// citation in its document at its span. Plain JavaScript, no build step, nothing loaded
// from elsewhere. Documents are hostile input: their text only ever goes into text nodes
// (never innerHTML), and control and bidirectional characters are shown escaped, as the
// command line shows them (qa/safe_output.py).
"use strict";

const $ = (id) => document.getElementById(id);
const documentCache = new Map();

// C0/C1 controls but tab and newline, DEL, bidi marks, embeddings, overrides, isolates,
// line and paragraph separators: shown as \xNN / \uNNNN, never acted on.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function visible(text) {
  return String(text).replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? "\\x" + code.toString(16).padStart(2, "0") : "\\u" + code.toString(16).padStart(4, "0");
  });
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = visible(text);
  return node;
}

function setText(node, text) {
  node.textContent = visible(text);
}

// `text` (starting at document offset `offset`) into `parent` as text nodes, with the
// spans `marks` ([start, end, className] in document offsets) wrapped in <mark>.
function appendMarked(parent, text, offset, marks) {
  let cursor = 0;
  const sorted = marks.slice().sort((a, b) => a[0] - b[0]);
  let first = null;
  for (const [start, end, className] of sorted) {
    const left = Math.max(start - offset, cursor);
    const right = Math.min(end - offset, text.length);
    if (left >= right) continue;
    parent.appendChild(document.createTextNode(visible(text.slice(cursor, left))));
    const mark = el("mark", className, text.slice(left, right));
    parent.appendChild(mark);
    first = first || mark;
    cursor = right;
  }
  parent.appendChild(document.createTextNode(visible(text.slice(cursor))));
  return first;
}

function docPath(docId) {
  return "/documents/" + docId.split("/").map(encodeURIComponent).join("/");
}

function where(doc, page, line, start, end) {
  const place = page !== null && page !== undefined ? `${doc} p. ${page}` : line ? `${doc}:${line}` : doc;
  return `${place} [${start}:${end}]`;
}

function citeLink(text, doc, start, end) {
  const link = el("a", "cite-link", text);
  link.href = "#";
  link.dataset.doc = doc;
  link.dataset.start = String(start);
  link.dataset.end = String(end);
  link.addEventListener("click", (event) => {
    event.preventDefault();
    openDocument(doc, start, end);
  });
  return link;
}

async function request(method, path, body) {
  const options = { method, headers: { accept: "application/json" }, credentials: "same-origin" };
  if (body !== undefined) {
    options.headers["content-type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  let data = null;
  try {
    data = await response.json();
  } catch (error) {
    throw new Error(`the server answered ${response.status} without JSON`);
  }
  if (!response.ok) throw new Error(data && data.error ? data.error : `the server answered ${response.status}`);
  return data;
}

function status(message, isError) {
  setText($("status"), message || "");
  $("status").classList.toggle("error", Boolean(isError));
}

async function ask(event) {
  event.preventDefault();
  const question = $("question").value.trim();
  if (!question) {
    status("Type a question first.", true);
    return;
  }
  $("ask-button").disabled = true;
  status("Asking…");
  try {
    const answer = await request("POST", "/ask", { question, mode: $("mode").value, top_k: 5 });
    showAnswer(answer);
    status("");
  } catch (error) {
    status(error.message, true);
  } finally {
    $("ask-button").disabled = false;
  }
}

function showAnswer(answer) {
  const best = answer.answerable && answer.asks_for_figure && answer.figures.length ? answer.figures[0] : null;
  $("figure").hidden = !best;
  $("see-passages").hidden = !(answer.answerable && !best);
  $("not-found").hidden = answer.answerable;
  $("other-figures").replaceChildren();
  if (best) {
    setText($("figure-value"), best.display);
    setText($("figure-label"), best.label || best.text);
    setText($("figure-text"), best.text);
    const cite = $("figure-cite");
    const fresh = citeLink(where(best.doc, best.page, null, best.start, best.end), best.doc, best.start, best.end);
    fresh.id = "figure-cite";
    cite.replaceWith(fresh);
    for (const other of answer.figures.slice(1, 3)) {
      const item = el("li", null, `${other.display}  (${other.label || other.text}) `);
      item.appendChild(citeLink(where(other.doc, other.page, null, other.start, other.end), other.doc, other.start, other.end));
      $("other-figures").appendChild(item);
    }
  }
  if (!answer.answerable) setText($("reason"), answer.reason ? `: ${answer.reason}.` : ".");
  // The figure's characters are marked in the passages that hold it; elsewhere, the
  // sentence that best matches the question.
  const figureMark = best || (answer.answerable && answer.figures.length ? answer.figures[0] : null);
  const list = $("passages");
  list.replaceChildren();
  for (const passage of answer.passages) {
    const item = el("li", "passage");
    item.dataset.rank = String(passage.rank);
    const meta = el("div", "meta");
    meta.appendChild(el("span", "rank", `[${passage.rank}]`));
    meta.appendChild(citeLink(where(passage.doc, passage.page, passage.line, passage.start, passage.end),
                              passage.doc, passage.start, passage.end));
    meta.appendChild(el("span", "score", `score ${passage.score.toFixed(3)}`));
    if (passage.section) meta.appendChild(el("span", "section", passage.section));
    item.appendChild(meta);
    const body = el("pre");
    const holdsFigure = figureMark && figureMark.doc === passage.doc &&
      figureMark.start >= passage.start && figureMark.end <= passage.end;
    const marks = holdsFigure ? [[figureMark.start, figureMark.end, "figure-mark"]]
      : passage.highlights.map(([start, end]) => [start, end, "sentence-mark"]);
    appendMarked(body, passage.text, passage.start, marks);
    item.appendChild(body);
    list.appendChild(item);
  }
  $("answer").hidden = false;
}

function pageOf(pageStarts, offset) {
  if (!pageStarts.length) return null;
  let page = 0;
  while (page < pageStarts.length && pageStarts[page] <= offset) page += 1;
  return Math.max(1, page);
}

async function openDocument(doc, start, end) {
  try {
    let data = documentCache.get(doc);
    if (!data) {
      data = await request("GET", docPath(doc));
      documentCache.set(doc, data);
    }
    setText($("viewer-title"), data.title ? `${data.doc} — ${data.title}` : data.doc);
    const page = pageOf(data.page_starts, start);
    setText($("viewer-where"), (page ? `p. ${page} ` : "") + `[${start}:${end}]`);
    const text = $("viewer-text");
    text.replaceChildren();
    const mark = appendMarked(text, data.text, 0, [[start, end, "cited"]]);
    $("viewer").hidden = false;
    $("viewer").scrollIntoView({ block: "nearest" });
    if (mark) {  // scroll the document's own box, not the page, to the cited span
      mark.id = "cited";
      text.scrollTop = Math.max(0, mark.offsetTop - text.clientHeight / 2);
    }
  } catch (error) {
    status(error.message, true);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("ask-form").addEventListener("submit", ask);
  $("viewer-close").addEventListener("click", () => { $("viewer").hidden = true; });
  $("question").focus();
});
