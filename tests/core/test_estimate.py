"""The acceptance estimate against values worked out by hand."""

from __future__ import annotations

import math

import pytest

from curator.core.estimate import binom_cdf, estimate, more_needed, upper_bound


def test_zero_defects_in_300_is_about_one_percent() -> None:
    # P(0 defects | 300, p) = (1 - p)^300 = 0.05  →  p = 1 - 0.05^(1/300)
    # ln 0.05 = -2.995732; / 300 = -0.0099858; e^that = 0.990064; 1 - 0.990064 = 0.009936
    assert upper_bound(0, 300) == pytest.approx(0.009936, abs=2e-6)


def test_one_defect_in_ten_by_hand() -> None:
    # Solve (1-p)^10 + 10 p (1-p)^9 = 0.05. At p = 0.3942: 0.6058^9 = 0.010946…,
    # (0.6058 + 3.942) * 0.010946 = 0.04978 ≈ 0.05; at p = 0.3941 it is 0.05006 — so p ≈ 0.39416.
    ub = upper_bound(1, 10)
    assert ub == pytest.approx(0.39416, abs=5e-5)
    assert binom_cdf(1, 10, ub) == pytest.approx(0.05, abs=1e-9)


def test_more_needed_by_hand() -> None:
    # With no defects the bound is 1 - 0.05^(1/n) < 0.02  ⇔  n > ln 0.05 / ln 0.98 = 148.28 → n = 149.
    assert more_needed(0, 100, 0.02) == 49
    assert more_needed(0, 148, 0.02) == 1
    assert more_needed(0, 149, 0.02) == 0
    assert more_needed(0, 300, 0.02) == 0
    # with defects the answer is the smallest m with bound(d, n+m) < target
    m = more_needed(3, 200, 0.02)
    assert upper_bound(3, 200 + m) < 0.02 <= upper_bound(3, 200 + m - 1)


def test_bound_edges_and_monotonic() -> None:
    assert upper_bound(0, 0) == 1.0 and upper_bound(5, 5) == 1.0
    assert upper_bound(2, 100) < upper_bound(3, 100) < upper_bound(3, 50)
    with pytest.raises(ValueError):
        upper_bound(4, 3)
    for d, n in [(1, 50), (7, 300), (40, 1000)]:
        assert binom_cdf(d, n, upper_bound(d, n)) == pytest.approx(0.05, abs=1e-8)


def test_estimate_record_for_a_worked_review() -> None:
    # 3,000 records, a 10% sample of 300: 297 approved, 2 rejected, 1 fixed → 3 defects in 300.
    est = estimate(population=3000, sample_size=300, reviewed=300, defects=3, remainder=2700)
    assert est.defect_rate == pytest.approx(0.01)
    # P(X ≤ 3 | 300, p) = 0.05 is solved at p ≈ 0.0257 (Clopper–Pearson one-sided 95%)
    assert est.upper_bound == pytest.approx(0.0257, abs=3e-4)
    assert not est.meets_target and est.more_needed > 0 and est.sample_remaining == 0
    assert est.expected_defects_max == math.ceil(est.upper_bound * 2700)
    assert "draw a larger sample" in est.sentence()
    ok = estimate(population=3000, sample_size=300, reviewed=300, defects=0, remainder=2700)
    assert ok.meets_target and ok.more_needed == 0
    assert ok.sentence() == ("0 defects in 300 sampled: the other 2,700 have at most 1.0% defects "
                             "(95% confidence), under the 2% target")


def test_too_few_reviewed_says_so_instead_of_a_bound() -> None:
    """After one approval the bound is 95%: a clinician read it as a verdict on the dataset."""
    early = estimate(population=5452, sample_size=545, reviewed=1, defects=0, remainder=5451)
    assert early.too_early and early.upper_bound > 0.9
    assert early.sentence() == ("0 defects in 1 sampled so far (of 545): too few to show the rest is clean yet; "
                                "an upper bound is given from 20 reviewed")
    assert "%" not in early.sentence()
    enough = estimate(population=5452, sample_size=545, reviewed=20, defects=0, remainder=5432)
    assert not enough.too_early and "at most 13.9% defects" in enough.sentence()
    # a finished small sample is not "too early": it is all there is
    done = estimate(population=100, sample_size=10, reviewed=10, defects=0, remainder=90)
    assert not done.too_early and "at most" in done.sentence()
