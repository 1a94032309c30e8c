"""Acceptance estimate from a random review sample: an exact (Clopper–Pearson) upper bound.

A reviewed random sample of ``n`` records with ``d`` defects (rejected or fixed) says the defect rate
``p`` of the records nobody reviewed is, with 95% confidence, at most the one-sided Clopper–Pearson
bound: the ``p`` at which seeing ``d`` or fewer defects in ``n`` draws has probability 5%,

    P(X ≤ d | n, p) = Σ_{i=0..d} C(n, i) pⁱ (1 − p)ⁿ⁻ⁱ = 0.05.

It is exact (no normal approximation) and conservative for sampling without replacement. With
``d = 0`` it has the closed form ``1 − 0.05^(1/n)``: 0 defects in 300 → 0.99%. The binomial tail is
summed in log space and the equation solved by bisection, so no SciPy is needed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from dataclasses import asdict, dataclass

__all__ = ["Estimate", "upper_bound", "lower_bound", "binom_cdf", "more_needed", "estimate", "CONFIDENCE",
           "DEFAULT_TARGET", "MIN_REVIEWED"]

CONFIDENCE = 0.95
DEFAULT_TARGET = 0.02
#: Reviewed sampled records before a bound is worth showing. Below it the bound says more about
#: the sample size than about the data: with no defects at all it is ≤ 95.0% after 1 review,
#: ≤ 25.9% after 10, ≤ 13.9% after 20 (about 3/n from there on). A clinician read "≤ 95.0%" after
#: one approval as a verdict on the dataset, so views say "too early" until then.
MIN_REVIEWED = 20


def binom_cdf(d: int, n: int, p: float) -> float:
    """P(X ≤ d) for X ~ Binomial(n, p), summed in log space (stable for n in the millions)."""
    if d >= n or p <= 0.0:
        return 1.0
    if p >= 1.0:
        return 0.0
    lp, lq = math.log(p), math.log1p(-p)
    base = math.lgamma(n + 1)
    logs = [base - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * lp + (n - i) * lq for i in range(d + 1)]
    top = max(logs)
    return min(1.0, math.exp(top) * math.fsum(math.exp(v - top) for v in logs))


@lru_cache(maxsize=4096)
def upper_bound(d: int, n: int, confidence: float = CONFIDENCE) -> float:
    """One-sided exact (Clopper–Pearson) upper confidence bound on a binomial proportion."""
    if n < 0 or d < 0 or d > n:
        raise ValueError(f"need 0 ≤ defects ≤ reviewed, got {d} of {n}")
    alpha = 1.0 - confidence
    if n == 0 or d == n:
        return 1.0
    if d == 0:
        return 1.0 - alpha ** (1.0 / n)
    # cdf(lo) > alpha ≥ cdf(hi); cdf falls as p rises
    return _bisect(lambda p: binom_cdf(d, n, p) > alpha, d / n, 1.0)[1]


def _bisect(below: Callable[[float], bool], lo: float, hi: float) -> tuple[float, float]:
    """(lo, hi) closing in on where ``below(p)`` turns from true (at ``lo``) to false (at ``hi``)."""
    for _ in range(200):
        mid = (lo + hi) / 2
        if below(mid):
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-10:
            break
    return lo, hi


@lru_cache(maxsize=4096)
def lower_bound(d: int, n: int, confidence: float = CONFIDENCE) -> float:
    """One-sided exact (Clopper–Pearson) lower confidence bound on a binomial proportion: the
    ``p`` at which seeing ``d`` or more defects in ``n`` draws has probability ``1 − confidence``.
    7 defects in 10 sampled → 0.39: with 95% confidence at least 39% of the rest is defective."""
    if n < 0 or d < 0 or d > n:
        raise ValueError(f"need 0 ≤ defects ≤ reviewed, got {d} of {n}")
    alpha = 1.0 - confidence
    if d == 0:
        return 0.0
    if d == n:
        return alpha ** (1.0 / n)
    # P(X ≥ d) rises with p: below alpha at lo, above at hi
    return _bisect(lambda p: 1.0 - binom_cdf(d - 1, n, p) < alpha, 0.0, d / n)[0]


def more_needed(d: int, n: int, target: float, confidence: float = CONFIDENCE) -> int:
    """How many more reviews, all defect-free, bring :func:`upper_bound` below ``target``."""
    if not 0 < target < 1:
        raise ValueError(f"target must be in (0, 1), got {target}")
    if upper_bound(d, n, confidence) < target:
        return 0
    lo, hi = 0, 1                     # bound(d, n + lo) ≥ target > bound(d, n + hi)
    while upper_bound(d, n + hi, confidence) >= target:
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if upper_bound(d, n + mid, confidence) < target:
            hi = mid
        else:
            lo = mid
    return hi


@dataclass(frozen=True, slots=True)
class Estimate:
    """The acceptance estimate of a sample review (see the module docstring)."""

    population: int              # records in the dataset
    sample_size: int             # records in the drawn sample
    reviewed: int                # sampled records with a verdict (approved, rejected or fixed)
    defects: int                 # of those, rejected or fixed
    skipped: int                 # sampled records skipped (not counted either way)
    remainder: int               # records in the dataset with no verdict at all
    defect_rate: float | None    # defects / reviewed (None before the first verdict)
    upper_bound: float           # exact one-sided upper bound on the remainder's defect rate
    confidence: float
    target: float
    meets_target: bool           # upper_bound < target
    more_needed: int             # further defect-free sampled reviews to get under target
    sample_remaining: int        # sampled records still without a verdict
    expected_defects_max: int    # ceil(upper_bound × remainder)
    method: str = "Clopper-Pearson exact binomial, one-sided"

    def to_json(self) -> dict:
        return asdict(self)

    @property
    def too_early(self) -> bool:
        """Fewer than :data:`MIN_REVIEWED` sampled records reviewed while the sample still has
        unreviewed ones: the bound is too wide to mean anything yet."""
        return self.reviewed < MIN_REVIEWED and self.sample_remaining > 0

    def sentence(self) -> str:
        """E.g. "0 defects in 300 sampled: the other 2,700 have at most 1.0% defects (95% confidence)"."""
        pct = f"{self.upper_bound * 100:.1f}%"
        head = f"{self.defects} defect{'s' if self.defects != 1 else ''} in {self.reviewed:,} sampled"
        if self.reviewed == 0:
            return (f"no sampled record reviewed yet; review {self.more_needed:,} defect-free to show "
                    f"under {self.target:.0%} defects")
        if self.too_early:
            # "at most 95.0%" after one approval read as a verdict on the dataset (a clinician's
            # report); the desk, the export dialog and `curator status` all print this sentence
            return (head + f" so far (of {self.sample_size:,}): too few to show the rest is clean yet; an "
                    f"upper bound is given from {MIN_REVIEWED} reviewed")
        tail = (f": the other {self.remainder:,} have at most {pct} defects "
                f"({self.confidence:.0%} confidence)")
        if self.meets_target:
            return head + tail + f", under the {self.target:.0%} target"
        more = f"; {self.more_needed:,} more defect-free reviews would bring it under {self.target:.0%}"
        if self.more_needed > self.sample_remaining:
            more += f" (the sample has {self.sample_remaining:,} left: draw a larger sample)"
        return head + tail + more


def estimate(*, population: int, sample_size: int, reviewed: int, defects: int, skipped: int = 0,
             remainder: int, target: float = DEFAULT_TARGET, confidence: float = CONFIDENCE) -> Estimate:
    ub = upper_bound(defects, reviewed, confidence)
    need = more_needed(defects, reviewed, target, confidence)
    return Estimate(population=population, sample_size=sample_size, reviewed=reviewed, defects=defects,
                    skipped=skipped, remainder=remainder,
                    defect_rate=(defects / reviewed) if reviewed else None, upper_bound=ub,
                    confidence=confidence, target=target, meets_target=ub < target, more_needed=need,
                    sample_remaining=max(0, sample_size - reviewed - skipped),
                    expected_defects_max=math.ceil(ub * remainder - 1e-9))
