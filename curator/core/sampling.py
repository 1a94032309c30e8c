"""Seeded, optionally stratified review samples that are the same on every machine.

The order of records is decided by a keyed hash, ``sha256("curator-sample:<seed>:<line>")``, not
by :mod:`random` (whose algorithms may change between Python versions): a record's rank depends
only on the seed and its line number. Within each stratum the lowest-ranked records are taken, and
the sample is returned in rank order, so **any prefix of the sample queue is itself a random
sample** — a reviewer who stops half way still leaves an honest basis for the estimate.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["SampleSpec", "draw_sample", "default_fraction", "new_seed", "allocate", "SMALL_SET",
           "STRATIFY_CHOICES", "parse_stratify"]

# Below this many records the default "sample" is every record.
SMALL_SET = 1000
DEFAULT_FRACTION = 0.10
STRATIFY_CHOICES = ("format", "flagged", "field:NAME")


@dataclass(frozen=True, slots=True)
class SampleSpec:
    fraction: float
    seed: int
    stratify: str | None          # None, "format", "flagged" or "field:NAME"
    population: int
    size: int

    def to_json(self) -> dict:
        return {"fraction": self.fraction, "seed": self.seed, "stratify": self.stratify,
                "population": self.population, "size": self.size}

    @classmethod
    def from_json(cls, doc: Mapping) -> "SampleSpec":
        return cls(float(doc["fraction"]), int(doc["seed"]), doc.get("stratify"), int(doc["population"]),
                   int(doc["size"]))


def default_fraction(n: int) -> float:
    """Every record for small sets (under 1,000), otherwise 10%."""
    return 1.0 if n < SMALL_SET else DEFAULT_FRACTION


def new_seed() -> int:
    return secrets.randbelow(2**31)


def parse_stratify(value: str | None) -> str | None:
    """Normalise a stratification choice; raises ValueError for an unknown one."""
    if value in (None, "", "none"):
        return None
    if value in ("format", "flagged"):
        return value
    if value.startswith("field:") and len(value) > len("field:"):
        return value
    raise ValueError(f"unknown stratification {value!r}; expected format, flagged or field:NAME "
                     "(a metadata field such as field:category or field:meta.category)")


def rank_key(seed: int, line: int) -> bytes:
    return hashlib.sha256(f"curator-sample:{seed}:{line}".encode()).digest()


def allocate(sizes: Mapping[str, int], total: int) -> dict[str, int]:
    """Split ``total`` over strata in proportion to their sizes (largest remainder; ties by name)."""
    n = sum(sizes.values())
    if n == 0 or total <= 0:
        return {k: 0 for k in sizes}
    exact = {k: total * v / n for k, v in sizes.items()}
    out = {k: math.floor(x) for k, x in exact.items()}
    left = total - sum(out.values())
    for k in sorted(sizes, key=lambda k: (-(exact[k] - out[k]), k))[:left]:
        out[k] += 1
    return out


def draw_sample(lines: Iterable[int], *, fraction: float | None = None, seed: int,
                strata: Mapping[int, str] | None = None) -> tuple[list[int], dict[int, str], float]:
    """Draw a seeded sample of ``lines``.

    Parameters
    ----------
    fraction
        Share of records to sample, 0 < fraction ≤ 1; None → :func:`default_fraction`.
        The sample has ``round(fraction · N)`` records (at least one when N > 0).
    strata
        line → stratum name; the sample size is allocated to strata in proportion to their size,
        so every stratum is represented as in the whole set.

    Returns ``(sample lines in review order, line → stratum, fraction used)``.
    """
    pool = list(dict.fromkeys(lines))
    n = len(pool)
    if fraction is None:
        fraction = default_fraction(n)
    if not (0 < fraction <= 1) or math.isnan(fraction):
        raise ValueError(f"sample fraction must be in (0, 1], got {fraction}")
    total = min(n, max(1, round(fraction * n))) if n else 0
    groups: dict[str, list[int]] = {}
    for ln in pool:
        groups.setdefault(strata.get(ln, "") if strata else "", []).append(ln)
    quota = allocate({k: len(v) for k, v in groups.items()}, total)
    chosen: list[int] = []
    for name, members in groups.items():
        members.sort(key=lambda ln: rank_key(seed, ln))
        chosen.extend(members[:quota[name]])
    chosen.sort(key=lambda ln: rank_key(seed, ln))
    labels = {ln: (strata.get(ln, "") if strata else "") for ln in chosen}
    return chosen, labels, fraction
