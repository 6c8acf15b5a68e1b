"""Metrics against values worked out by hand (trec_eval conventions: ranks from 1,
discount log2(rank + 1), linear gains, ideal from the graded qrels)."""

import math

import numpy as np
import pytest

from eval.metrics import (
    MetricError,
    binary_qrels,
    evaluate_run,
    mean,
    ndcg_at_k,
    percentile,
    recall_at_k,
    reciprocal_rank,
)

# NFCorpus-style graded judgements: one grade-2 doc, two grade-1 docs (d9 never retrieved).
RANKING = ["d3", "d1", "d7", "d2", "d5"]
GRADED = {"d1": 2, "d2": 1, "d9": 1}


@pytest.mark.parametrize(
    "k, expected",
    [
        (1, 0.0),
        (2, 0.5),   # first relevant (d1) at rank 2
        (10, 0.5),  # k beyond the list changes nothing
    ],
)
def test_reciprocal_rank(k, expected):
    assert reciprocal_rank(RANKING, GRADED, k) == expected


@pytest.mark.parametrize(
    "k, expected",
    [
        (1, 0.0),
        (3, 1 / 3),    # d1 of {d1, d2, d9}
        (5, 2 / 3),    # d1, d2
        (100, 2 / 3),  # d9 is never retrieved; the denominator stays 3
    ],
)
def test_recall_at_k(k, expected):
    assert recall_at_k(RANKING, GRADED, k) == pytest.approx(expected)


def test_ndcg_graded_by_hand():
    # gains by rank: 0, 2, 0, 1, 0 -> DCG = 2/log2(3) + 1/log2(5) = 1.26186 + 0.43068
    # ideal gains: 2, 1, 1 -> IDCG = 2/1 + 1/log2(3) + 1/log2(4) = 2 + 0.63093 + 0.5
    assert ndcg_at_k(RANKING, GRADED, 5) == pytest.approx(1.6925361 / 3.1309298, abs=1e-7)
    assert ndcg_at_k(RANKING, GRADED, 5) == pytest.approx(0.540586, abs=1e-6)
    # cut at 2: DCG = 2/log2(3); ideal 2, 1 -> 2 + 1/log2(3)
    assert ndcg_at_k(RANKING, GRADED, 2) == pytest.approx(1.2618595 / 2.6309298, abs=1e-7)


def test_ndcg_rewards_the_higher_grade_first():
    swapped = ndcg_at_k(["d2", "d1"], {"d1": 2, "d2": 1}, 10)
    best = ndcg_at_k(["d1", "d2"], {"d1": 2, "d2": 1}, 10)
    assert best == pytest.approx(1.0)
    # (1 + 2/log2 3) / (2 + 1/log2 3) = 2.26186 / 2.63093
    assert swapped == pytest.approx(0.859719, abs=1e-6)
    assert swapped < best


def test_k_larger_than_the_list():
    ranked, qrels = ["d1"], binary_qrels(["d1", "d2"])
    assert recall_at_k(ranked, qrels, 100) == 0.5
    assert reciprocal_rank(ranked, qrels, 100) == 1.0
    # ideal 1, 1 -> 1 + 1/log2(3) = 1.63093
    assert ndcg_at_k(ranked, qrels, 100) == pytest.approx(1 / 1.6309298, abs=1e-7)


def test_empty_ranking_scores_zero():
    assert ndcg_at_k([], GRADED, 10) == 0.0
    assert recall_at_k([], GRADED, 10) == 0.0
    assert reciprocal_rank([], GRADED, 10) == 0.0


@pytest.mark.parametrize("metric", [recall_at_k, reciprocal_rank, ndcg_at_k])
@pytest.mark.parametrize("qrels", [{}, {"d1": 0}], ids=["no-qrels", "only-grade-0"])
def test_query_without_relevant_docs_is_refused(metric, qrels):
    with pytest.raises(MetricError, match="no relevant"):
        metric(["d1"], qrels, 10)


@pytest.mark.parametrize("metric", [recall_at_k, reciprocal_rank, ndcg_at_k])
def test_bad_k_and_duplicates_are_refused(metric):
    with pytest.raises(MetricError, match="k must be"):
        metric(["d1"], {"d1": 1}, 0)
    with pytest.raises(MetricError, match="duplicates"):
        metric(["d1", "d1"], {"d1": 1}, 10)


def test_unjudged_and_zero_grades_gain_nothing():
    qrels = {"d1": 1, "d0": 0}
    assert ndcg_at_k(["d0", "x", "d1"], qrels, 10) == pytest.approx(1 / math.log2(4))


def test_percentiles_match_numpy_linear():
    latencies = [0.030, 0.010, 0.020, 0.040, 0.500]
    for q in (0, 50, 95, 100):
        assert percentile(latencies, q) == pytest.approx(float(np.percentile(latencies, q)))
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0], 95) == pytest.approx(3.85)
    with pytest.raises(MetricError):
        percentile([], 50)
    with pytest.raises(MetricError):
        percentile([1.0], 101)


def test_mean_and_evaluate_run():
    assert mean([0.5, 1.0, 0.0]) == 0.5
    with pytest.raises(MetricError):
        mean([])
    qrels = {"q1": GRADED, "q2": {"a": 1}}
    run = {"q1": RANKING, "q2": ["b", "a"], "unjudged": ["a"]}
    scores = evaluate_run(run, qrels, ndcg_k=10, recall_k=100)
    # q1: 0.540586 (as above, k=10 sees the same 5 ids); q2: 1/log2(3) = 0.630930
    assert scores["ndcg@10"] == pytest.approx((0.540586 + 0.630930) / 2, abs=1e-6)
    assert scores["recall@100"] == pytest.approx((2 / 3 + 1.0) / 2)
    with pytest.raises(MetricError, match="no ranking"):
        evaluate_run({"q1": RANKING}, qrels)
