"""Ranking metrics as small pure functions, matching trec_eval / pytrec_eval.

Every metric takes one query's ranked ids (best first) and that query's judgements as a
mapping `doc id -> grade` (`qrels`). A grade > 0 means relevant, as trec_eval's default
`relevance_level` of 1; a set of relevant ids becomes judgements with `binary_qrels`.

A query without any relevant judgement has no defined recall or nDCG, so the metrics
raise `MetricError` for it instead of returning a number that would drag the mean: BEIR
and pytrec_eval evaluate only the queries that have qrels, and `eval.beir.load_beir` keeps
only those. Differences from trec_eval: we score the order we are given (trec_eval
re-sorts by score and breaks ties by doc id), and a repeated id is refused.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from corpus.errors import QAError


class MetricError(QAError, ValueError):
    """A metric was asked of input it is not defined for (no relevant docs, k < 1...)."""


def binary_qrels(relevant_ids: Iterable[str]) -> dict[str, int]:
    """Judgements with grade 1 for each id: for evaluation sets without grades."""
    return {doc_id: 1 for doc_id in relevant_ids}


def _check(ranked_ids: Sequence[str], qrels: Mapping[str, int], k: int) -> set[str]:
    """Validate the common inputs; return the set of relevant ids (grade > 0)."""
    if k < 1:
        raise MetricError(f"k must be >= 1, got {k}")
    if len(set(ranked_ids)) != len(ranked_ids):
        raise MetricError("ranked ids contain duplicates; a ranking lists each id once")
    relevant = {doc_id for doc_id, grade in qrels.items() if grade > 0}
    if not relevant:
        raise MetricError("the query has no relevant judgement; metrics are undefined")
    return relevant


def recall_at_k(ranked_ids: Sequence[str], qrels: Mapping[str, int], k: int) -> float:
    """Share of the relevant ids found in the top k (trec_eval `recall_k`).

    If the list is shorter than k, the whole list counts; the denominator is always the
    number of relevant ids, not min(k, that) (BEIR's `R_cap` would be the capped one).
    """
    relevant = _check(ranked_ids, qrels, k)
    found = sum(1 for doc_id in ranked_ids[:k] if doc_id in relevant)
    return found / len(relevant)


def reciprocal_rank(ranked_ids: Sequence[str], qrels: Mapping[str, int], k: int) -> float:
    """1 / rank of the first relevant id within the top k, ranks from 1; 0 if none.

    Averaged over queries this is MRR@k (Voorhees, TREC-8 QA track, 1999).
    """
    relevant = _check(ranked_ids, qrels, k)
    for rank, doc_id in enumerate(ranked_ids[:k], start=1):
        if doc_id in relevant:
            return 1.0 / rank
    return 0.0


def dcg(gains: Iterable[float]) -> float:
    """Discounted cumulative gain: sum of gain_i / log2(i + 1), i the rank from 1
    (Jarvelin & Kekalainen 2002, in the form trec_eval's `ndcg_cut` uses)."""
    return sum(gain / math.log2(rank + 1) for rank, gain in enumerate(gains, start=1))


def ndcg_at_k(ranked_ids: Sequence[str], qrels: Mapping[str, int], k: int) -> float:
    """Normalised DCG at k with linear gains (gain = grade), as trec_eval / pytrec_eval
    `ndcg_cut_k`, which BEIR and MTEB report.

    The ideal ranking is every judged grade > 0 sorted from high to low, cut at k, so a
    graded qrel (NFCorpus grades 1 and 2) rewards putting the grade-2 doc first.
    Unjudged and grade <= 0 ids gain nothing.
    """
    _check(ranked_ids, qrels, k)
    gains = [max(qrels.get(doc_id, 0), 0) for doc_id in ranked_ids[:k]]
    ideal = sorted((grade for grade in qrels.values() if grade > 0), reverse=True)[:k]
    return dcg(gains) / dcg(ideal)


def mean(values: Sequence[float]) -> float:
    """Arithmetic mean over queries; an empty list is an error, not 0 or NaN."""
    if not values:
        raise MetricError("no values to average (no queries were evaluated)")
    return math.fsum(values) / len(values)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation between closest ranks
    (Hyndman & Fan 1996 type 7, numpy's default): p50 and p95 of latencies."""
    if not values:
        raise MetricError("no values to take a percentile of")
    if not 0 <= q <= 100:
        raise MetricError(f"percentile must be within 0..100, got {q}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def evaluate_run(
    run: Mapping[str, Sequence[str]], qrels: Mapping[str, Mapping[str, int]],
    ndcg_k: int = 10, recall_k: int = 100,
) -> dict[str, float]:
    """Mean nDCG@ndcg_k and Recall@recall_k over the queries of `qrels`, as BEIR reports.

    Every judged query must have a ranking in `run` (an empty one counts as zero); a
    query missing from the run is an error rather than silently left out of the mean.
    """
    missing = [qid for qid in qrels if qid not in run]
    if missing:
        raise MetricError(f"{len(missing)} judged queries have no ranking, e.g. {missing[0]!r}")
    return {
        f"ndcg@{ndcg_k}": mean([ndcg_at_k(run[q], qrels[q], ndcg_k) for q in qrels]),
        f"recall@{recall_k}": mean([recall_at_k(run[q], qrels[q], recall_k) for q in qrels]),
    }
