"""`python -m eval.fit_scorer`: fit the figure scorer's weights (qa/data/figure_scorer.json).

Training data, and only this (issue "Figures that hold on documents nobody tuned on"):
the question set's dev split (questions with a numeric answer) and the TAT-QA questions of
the "fit" documents of eval/tatqa_split.json and of the "extra-dev" documents of
eval/tatqa_extra_split.json (eval.tatqa_extra), each asked against its own document. Every
candidate figure the assistant finds for a question is one row of features; the right
ones (value within 0.5% of the gold, a percent answer as a number with unit %) are the
positives.

The model is a conditional logit (McFadden 1974; the listwise softmax loss of ListNet /
"learning to rank" with one relevant group): for each question, the softmax of
`w · features` over its candidates should put its mass on the right ones. Questions
without a right candidate, or with only right ones, teach nothing and are left out. The
L2 strength is chosen by 5-fold cross-validation over questions (top-1 accuracy of the
held-out folds); then the weights are fitted on all of it. scipy's L-BFGS minimises.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from eval.run_questions import figure_correct
from qa.features import FEATURE_NAMES
from qa.scorer import WEIGHTS_FILE

ROOT = Path(__file__).resolve().parent.parent
L2_GRID = (0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3)
FOLDS = 5
TATQA_PARTS = ("fit", "extra-dev")  # never "heldout" / "extra-heldout"
VERSION = "1"


@dataclass(frozen=True)
class Group:
    """One question's candidates: features (n, d) and which are right (n,)."""

    source: str
    qid: str
    x: np.ndarray
    right: np.ndarray


def _right(value: float, unit: str | None, gold: float, percent: bool, text: str = "") -> bool:
    """The gold value; or, written in parentheses, its magnitude: TAT-QA's annotators give
    a bracketed cell "(319.9)" as the answer 319.9, so that cell is the one they chose."""
    if percent and unit != "%":
        return False
    return figure_correct(value, gold) or (gold > 0 and "(" in text and figure_correct(-value, gold))


@dataclass(frozen=True)
class Asked:
    """One question of the training data, ready to ask: how, and what is right."""

    source: str
    qid: str
    question: str
    doc: str | None
    gold: float | None  # None: no numeric answer
    percent: bool
    answerable: bool


def training_questions() -> list[Asked]:
    """The dev split (every question: the near misses calibrate answerability) and the
    TAT-QA questions of the fit documents."""
    from eval.questions import load_questions
    from eval.tatqa import DEFAULT_DIR, load_tatqa

    asked = [Asked("questions-dev", q.id, q.question, None, q.answer.value if q.answer else None, False,
                   q.answerable)
             for q in load_questions(ROOT / "eval" / "questions.jsonl") if q.split == "dev"]
    for part in TATQA_PARTS:
        questions, _ = load_tatqa(DEFAULT_DIR, part)
        asked += [Asked(f"tatqa-{part}", q.id, q.question, q.doc, q.gold_number if q.percent else q.gold_value,
                        q.percent, True) for q in questions]
    return asked


def assistants(progress: Callable[[str], None]) -> dict[str, object]:
    from eval.tatqa import DEFAULT_DIR, open_tatqa_index
    from qa.assistant import Assistant

    helpers: dict[str, object] = {"questions-dev": Assistant.load()}
    for part in TATQA_PARTS:
        helpers[f"tatqa-{part}"] = Assistant(open_tatqa_index(DEFAULT_DIR, progress=progress, part=part))
    return helpers


def collect(asked: Sequence[Asked], helpers: dict[str, object]) -> list[Group]:
    """Every numeric training question's candidates and labels (hybrid, as `qa ask`)."""
    groups = []
    for q in asked:
        if q.gold is None or not q.answerable:
            continue
        _, scored = helpers[q.source].ask_detailed(q.question, doc=q.doc)
        groups.append(_group(q.source, q.qid, scored, q.gold, q.percent))
    return groups


def calibrate(asked: Sequence[Asked], helpers: dict[str, object], scorer) -> tuple[float | None, float, float]:
    """The least best-figure score that answers: the threshold that makes the most
    answerable verdicts right (each domain weighing the same), asked with `scorer` and no
    threshold. Returns (threshold or None, accuracy with it, accuracy without)."""
    from qa.answerability import FIGURE_SEEKING

    rows = []
    for q in asked:
        helper = helpers[q.source]
        helper.scorer = scorer.with_min_score(None)
        answer, scored = helper.ask_detailed(q.question, doc=q.doc)
        applies = scored.analysis.answer_kind in FIGURE_SEEKING and scored.top_score is not None
        rows.append((q.source, q.answerable, answer.answerable, scored.top_score if applies else None))

    def accuracy(t: float | None) -> float:
        by_source: dict[str, list[bool]] = {}
        for source, expected, said, top in rows:
            refused = t is not None and top is not None and top < t
            by_source.setdefault(_domain(source), []).append((said and not refused) == expected)
        return float(np.mean([np.mean(v) for v in by_source.values()]))

    candidates = sorted({top for *_, top in rows if top is not None})
    best = max([None] + candidates, key=lambda t: (accuracy(t), -(t if t is not None else -np.inf)))
    return best, accuracy(best), accuracy(None)


def _group(source: str, qid: str, scored, gold: float, percent: bool) -> Group:
    x = np.array([f.vector() for f in scored.features], dtype=float).reshape(-1, len(FEATURE_NAMES))
    right = np.array([_right(f.value, f.unit, gold, percent, f.text) for f in scored.figures], dtype=bool)
    return Group(source, qid, x, right)


def _loss(w: np.ndarray, groups: Sequence[Group], l2: float) -> tuple[float, np.ndarray]:
    """Negative log-likelihood of the right candidates, each domain (the bundled question
    set; TAT-QA's reports, all parts together) weighing the same whatever its number of
    questions, plus l2 * |w|^2 / 2."""
    total, grad = 0.0, np.zeros_like(w)
    counts: dict[str, int] = {}
    for g in groups:
        counts[_domain(g.source)] = counts.get(_domain(g.source), 0) + 1
    for g in groups:
        weight = len(groups) / (len(counts) * counts[_domain(g.source)])
        s = g.x @ w
        s -= s.max()
        p = np.exp(s)
        p /= p.sum()
        mass = p[g.right].sum()
        total -= weight * np.log(max(mass, 1e-300))
        # d/dw of -log(sum_right p): E_p[x] - E_{p | right}[x]
        grad += weight * (p @ g.x - (p[g.right] / mass) @ g.x[g.right])
    n = max(1, len(groups))
    return total / n + l2 * w @ w / 2, grad / n + l2 * w


def _domain(source: str) -> str:
    """"tatqa-fit" and "tatqa-extra-dev" are one domain, "questions-dev" another."""
    return source.split("-", 1)[0]


def fit(groups: Sequence[Group], l2: float, start: np.ndarray | None = None) -> np.ndarray:
    from scipy.optimize import minimize

    width = groups[0].x.shape[1] if groups else len(FEATURE_NAMES)
    w0 = np.zeros(width) if start is None else start
    result = minimize(_loss, w0, args=(groups, l2), jac=True, method="L-BFGS-B", options={"maxiter": 500})
    return result.x


def top1(w: np.ndarray, groups: Sequence[Group]) -> float:
    """Share of questions whose best-scored candidate is right (ties: the first found,
    as the assistant breaks them by position; good enough for model choice)."""
    if not groups:
        return 0.0
    return float(np.mean([g.right[int(np.argmax(g.x @ w))] for g in groups]))


def learnable(groups: Sequence[Group]) -> list[Group]:
    return [g for g in groups if g.right.any() and not g.right.all()]


def cross_validate(groups: Sequence[Group], l2: float, folds: int = FOLDS) -> float:
    """Mean top-1 of held-out folds (questions dealt to folds in a fixed order)."""
    scores = []
    for k in range(folds):
        train = [g for i, g in enumerate(groups) if i % folds != k]
        test = [g for i, g in enumerate(groups) if i % folds == k]
        scores.append(top1(fit(learnable(train), l2), test))
    return float(np.mean(scores))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.fit_scorer", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE, help=f"weights file (default {WEIGHTS_FILE})")
    args = parser.parse_args(argv)

    def say(message: str) -> None:
        print(f"fit_scorer: {message}", file=sys.stderr, flush=True)

    asked = training_questions()
    helpers = assistants(say)
    say(f"asking {len(asked)} questions ...")
    groups = collect(asked, helpers)
    usable = learnable(groups)
    say(f"{len(groups)} questions, {len(usable)} with right and wrong candidates; cross-validating L2 ...")
    cv = {l2: cross_validate(groups, l2) for l2 in L2_GRID}
    for l2, score in cv.items():
        say(f"  l2={l2:g}: held-out-fold top-1 {score:.3f}")
    best = max(cv, key=lambda l2: (cv[l2], l2))  # ties: the stronger regularisation
    w = fit(usable, best)
    sources = sorted({g.source for g in groups})
    by_source = {s: round(top1(w, [g for g in groups if g.source == s]), 3) for s in sources}
    reachable = {s: round(float(np.mean([g.right.any() for g in groups if g.source == s])), 3) for s in sources}
    from qa.scorer import scorer_from_dict

    say("calibrating the answer threshold ...")
    fitted = scorer_from_dict({"weights": {name: float(v) for name, v in zip(FEATURE_NAMES, w)}})
    threshold, with_t, without_t = calibrate(asked, helpers, fitted)
    data = {
        "version": VERSION,
        "fitted_on": "question set dev split + TAT-QA fit documents (eval/tatqa_split.json) + TAT-QA "
                     "extra-dev documents (eval/tatqa_extra_split.json); the two domains weigh the same",
        "fitted": dt.date.today().isoformat(),
        "method": "conditional logit (softmax over a question's candidates), L2 chosen by 5-fold CV, scipy L-BFGS",
        "l2": best,
        "cv_top1": {f"{k:g}": round(v, 3) for k, v in cv.items()},
        "train_top1": by_source,
        "right_candidate_found": reachable,
        "questions": {s: sum(g.source == s for g in groups) for s in by_source},
        "min_score": None if threshold is None else round(float(threshold), 4),
        "answerable_accuracy": {"with_min_score": round(with_t, 3), "without": round(without_t, 3)},
        "weights": {name: round(float(v), 4) for name, v in zip(FEATURE_NAMES, w)},
    }
    args.out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"answer threshold {threshold}: answerable accuracy {without_t:.3f} -> {with_t:.3f} (mean of sources)")
    print(f"l2 {best:g}; cross-validated top-1 {cv[best]:.3f}; training top-1 {by_source}; "
          f"a right candidate among the candidates: {reachable}")
    for name, weight in sorted(data["weights"].items(), key=lambda p: -abs(p[1])):
        print(f"  {name:<26} {weight:+.3f}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
