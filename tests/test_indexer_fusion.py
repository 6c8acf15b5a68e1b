"""Fusion on hand-made hit lists: exact values, order, ties, absent chunks, equal scores."""

import copy

import pytest

from corpus.errors import SettingsError
from indexer.fusion import FusionSettings, convex_combination, reciprocal_rank_fusion
from indexer.types import Hit


def hits(source: str, *pairs: tuple[str, float]) -> list[Hit]:
    return [Hit(chunk_id, score, rank, source) for rank, (chunk_id, score) in enumerate(pairs, 1)]


def as_pairs(fused: list[Hit]) -> list[tuple[str, float]]:
    return [(hit.chunk_id, hit.score) for hit in fused]


def assert_fused(fused: list[Hit], expected: list[tuple[str, float]]) -> None:
    """Same chunk order exactly, scores to float precision."""
    assert [hit.chunk_id for hit in fused] == [chunk_id for chunk_id, _ in expected]
    assert [hit.score for hit in fused] == pytest.approx([score for _, score in expected])


BM25 = hits("bm25", ("a", 9.0), ("b", 5.0), ("c", 1.0))
DENSE = hits("dense", ("c", 0.9), ("d", 0.7), ("a", 0.5))


# --- reciprocal rank fusion ---------------------------------------------------------------


def test_rrf_exact_values_and_order() -> None:
    fused = reciprocal_rank_fusion([BM25, DENSE], k=60)
    assert [hit.chunk_id for hit in fused] == ["a", "c", "b", "d"]
    assert fused[0].score == pytest.approx(1 / 61 + 1 / 63)  # a: rank 1 and rank 3
    assert fused[1].score == pytest.approx(1 / 63 + 1 / 61)  # c: rank 3 and rank 1
    assert fused[2].score == pytest.approx(1 / 62)  # b: absent from dense, nothing added
    assert fused[3].score == pytest.approx(1 / 62)  # d: absent from bm25
    assert [hit.rank for hit in fused] == [1, 2, 3, 4]
    assert {hit.source for hit in fused} == {"rrf"}


def test_rrf_ties_broken_by_chunk_id() -> None:
    # a and c tie exactly (1/61 + 1/63 both), so do b and d (1/62): ids decide.
    fused = reciprocal_rank_fusion([DENSE, BM25])
    assert [hit.chunk_id for hit in fused] == ["a", "c", "b", "d"]


def test_rrf_uses_position_not_the_incoming_score() -> None:
    low = hits("bm25", ("x", 0.001), ("y", 0.0005))
    high = hits("bm25", ("x", 1000.0), ("y", 999.0))
    assert as_pairs(reciprocal_rank_fusion([low])) == as_pairs(reciprocal_rank_fusion([high]))
    assert as_pairs(reciprocal_rank_fusion([low], k=0)) == [("x", 1.0), ("y", 0.5)]


def test_rrf_limit_empty_and_duplicates() -> None:
    assert reciprocal_rank_fusion([]) == []
    assert reciprocal_rank_fusion([[], []]) == []
    assert [h.chunk_id for h in reciprocal_rank_fusion([BM25, DENSE], limit=2)] == ["a", "c"]
    assert reciprocal_rank_fusion([BM25], limit=0) == []
    repeated = hits("bm25", ("a", 3.0), ("a", 2.0), ("b", 1.0))
    assert as_pairs(reciprocal_rank_fusion([repeated], k=60)) == [("a", 1 / 61), ("b", 1 / 62)]


@pytest.mark.parametrize(("k", "limit"), [(-1, None), (60.0, None), (60, -1), (60, 1.5)])
def test_rrf_bad_arguments(k: object, limit: object) -> None:
    with pytest.raises(SettingsError):
        reciprocal_rank_fusion([BM25], k=k, limit=limit)


# --- convex combination ------------------------------------------------------------------


def test_convex_exact_values_and_order() -> None:
    # bm25 normalised: a 1.0, b 0.5, c 0.0; dense: c 1.0, d 0.5, a 0.0
    fused = convex_combination(BM25, DENSE, alpha=0.25)
    assert_fused(fused, [("a", 0.75), ("b", 0.375), ("c", 0.25), ("d", 0.125)])
    assert [hit.rank for hit in fused] == [1, 2, 3, 4]
    assert {hit.source for hit in fused} == {"convex"}


@pytest.mark.parametrize(
    ("alpha", "expected"),
    [
        (0.0, [("a", 1.0), ("b", 0.5), ("c", 0.0), ("d", 0.0)]),
        (1.0, [("c", 1.0), ("d", 0.5), ("a", 0.0), ("b", 0.0)]),
        (0.5, [("a", 0.5), ("c", 0.5), ("b", 0.25), ("d", 0.25)]),  # two ties, by id
    ],
)
def test_convex_alpha_extremes_and_ties(alpha: float, expected: list) -> None:
    assert_fused(convex_combination(BM25, DENSE, alpha=alpha), expected)


def test_convex_equal_scores_normalise_to_one() -> None:
    flat = hits("bm25", ("p", 2.0), ("q", 2.0))
    single = hits("dense", ("q", 0.3))
    fused = convex_combination(flat, single, alpha=0.5)
    assert as_pairs(fused) == [("q", 1.0), ("p", 0.5)]


def test_convex_with_an_empty_list() -> None:
    assert convex_combination([], [], alpha=0.5) == []
    assert as_pairs(convex_combination(BM25, [], alpha=0.5)) == [("a", 0.5), ("b", 0.25), ("c", 0.0)]
    assert as_pairs(convex_combination([], DENSE, alpha=0.5, limit=1)) == [("c", 0.5)]


def test_convex_handles_negative_scores() -> None:
    lexical = hits("bm25", ("x", -1.0), ("y", -3.0))
    assert as_pairs(convex_combination(lexical, [], alpha=0.0)) == [("x", 1.0), ("y", 0.0)]


@pytest.mark.parametrize("alpha", [-0.1, 1.1, float("nan"), "0.5", True])
def test_convex_bad_alpha(alpha: object) -> None:
    with pytest.raises(SettingsError, match="alpha"):
        convex_combination(BM25, DENSE, alpha=alpha)


# --- both ----------------------------------------------------------------------------------


def test_inputs_are_never_mutated() -> None:
    bm25, dense = copy.deepcopy(BM25), copy.deepcopy(DENSE)
    reciprocal_rank_fusion([bm25, dense])
    convex_combination(bm25, dense, alpha=0.3)
    assert bm25 == BM25 and dense == DENSE


def test_fusion_settings() -> None:
    assert FusionSettings().to_dict() == {"method": "convex", "rrf_k": 60, "alpha": 0.5}
    assert FusionSettings(**FusionSettings(method="convex", alpha=0.7).to_dict()) == FusionSettings(
        method="convex", alpha=0.7
    )
    with pytest.raises(SettingsError, match="'rrf', 'convex'"):
        FusionSettings(method="sum")
    with pytest.raises(SettingsError, match="rrf_k"):
        FusionSettings(rrf_k=-5)
    with pytest.raises(SettingsError, match="alpha"):
        FusionSettings(alpha=2.0)
