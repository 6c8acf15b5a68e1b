"""The scorer's fitting (eval.fit_scorer) and TAT-QA's scoring helpers, on small written data."""

import numpy as np
import pytest

from eval.fit_scorer import Group, _loss, _right, fit, learnable, top1
from eval.tatqa import split_documents, written_number


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    groups = [Group("a" if i % 2 else "b", str(i), rng.normal(size=(5, 3)), np.array([1, 0, 0, 1, 0], bool))
              for i in range(6)]
    w = rng.normal(size=3)
    _, grad = _loss(w, groups, 0.1)
    eps = 1e-6
    numeric = [(_loss(w + eps * e, groups, 0.1)[0] - _loss(w - eps * e, groups, 0.1)[0]) / (2 * eps)
               for e in np.eye(3)]
    assert np.allclose(grad, numeric, atol=1e-5)


def test_fit_learns_which_feature_marks_the_right_candidate():
    # Feature 0 marks the right candidate; feature 1 is noise that favours a wrong one half the time.
    rng = np.random.default_rng(1)
    groups = []
    for i in range(40):
        x = np.zeros((4, 2))
        right = rng.integers(4)
        x[right, 0] = 1.0
        x[:, 1] = rng.random(4)
        groups.append(Group("s", str(i), x, np.arange(4) == right))
    w = fit(learnable(groups), l2=0.01)
    assert w[0] > abs(w[1])
    assert top1(w, groups) == 1.0


def test_only_questions_with_right_and_wrong_candidates_teach():
    x = np.ones((2, 1))
    groups = [Group("s", "all", x, np.array([True, True])), Group("s", "none", x, np.array([False, False])),
              Group("s", "some", x, np.array([True, False]))]
    assert [g.qid for g in learnable(groups)] == ["some"]


@pytest.mark.parametrize("value, unit, gold, percent, text, right", [
    (3.199e8, "GBP", 3.199e8, False, "319.9", True),
    (-3.199e8, "GBP", 3.199e8, False, "(319.9)", True),   # the annotators drop a bracket's sign
    (-3.199e8, "GBP", 3.199e8, False, "-319.9", False),
    (12.5, "%", 12.5, True, "12.5%", True),
    (12.5, None, 12.5, True, "12.5", False),               # a percent answer needs unit %
    (1.004e6, "USD", 1.0e6, False, "1,004", True),          # within 0.5%
    (1.006e6, "USD", 1.0e6, False, "1,006", False),
])
def test_right_candidates(value, unit, gold, percent, text, right):
    assert _right(value, unit, gold, percent, text) is right


@pytest.mark.parametrize("text, number", [
    ("$ (9,982)", -9982.0), ("12.5%", 12.5), ("$1,327.9", 1327.9), ("−298", -298.0), ("n/a", None), (None, None),
])
def test_written_number(text, number):
    assert written_number(text) == number


def test_the_recorded_split_holds_out_a_third_by_hash():
    import hashlib

    split = split_documents()
    assert not split["fit"] & split["heldout"]
    assert len(split["fit"]) + len(split["heldout"]) == 94
    assert all(int(hashlib.sha256(d.encode()).hexdigest(), 16) % 3 == 0 for d in split["heldout"])
    assert all(int(hashlib.sha256(d.encode()).hexdigest(), 16) % 3 != 0 for d in split["fit"])
