"""Group-aware, seeded, optionally stratified train/eval split.

Records that are linked (near-duplicates, exact duplicates, the two sides of a
contradiction) form one group; a group goes wholly to train or wholly to eval,
so nothing the detectors tie together can straddle the split. Stratification
allots each stratum its share of the eval set (largest-remainder rounding, so
every stratum is within one record of ``fraction × size`` whenever its groups
allow it) and fills it from the stratum's groups in a seeded random order.

Everything here is deterministic for a seed: same groups and seed → same split.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from .detect.near import UnionFind
from .records import Record

LENGTH_BUCKETS = 4
STRATIFY_SPECIAL = ("format", "length")
MISSING = "(missing)"

#: Eval fractions outside this range need an explicit confirmation.
RECOMMENDED_MIN, RECOMMENDED_MAX = 0.05, 0.50


def link_groups(lines: Iterable[int], links: Iterable[Iterable[int]]) -> list[tuple[int, ...]]:
    """Connected components of ``lines`` under ``links`` (each link: lines that belong together).

    Lines in a link that are not in ``lines`` are ignored, so a link through an
    excluded record still ties the included ones it names together.
    """
    # One union-find for the project (the detectors'), over positions in the sorted lines: the
    # mapping is monotone, so roots, groups and their order are those of the lines themselves.
    order = sorted(set(lines))
    pos = {ln: i for i, ln in enumerate(order)}
    uf = UnionFind(len(order))
    for link in links:
        members = [pos[x] for x in link if x in pos]
        for other in members[1:]:
            uf.union(members[0], other)
    by_root: dict[int, list[int]] = {}
    for i, ln in enumerate(order):
        by_root.setdefault(uf.find(i), []).append(ln)
    return sorted((tuple(v) for v in by_root.values()), key=lambda g: g[0])


_ABSENT = object()


def lookup_field(data: object, field: str) -> object:
    """The value of metadata field ``field`` in a record: a top-level key of that exact name
    ("src.name"), else a dotted path into nested objects ("meta.category"); a private sentinel
    when absent. The one reader of field names for the Dashboard, the sample's strata and the
    split (they disagreed on keys holding a dot)."""
    if isinstance(data, Mapping) and field in data:
        return data[field]
    cur = data
    for part in field.split("."):
        if isinstance(cur, Mapping) and part in cur:
            cur = cur[part]
        else:
            return _ABSENT
    return cur


def field_value(data: object, field: str) -> str:
    """The stratum label of a metadata field; dotted paths reach into nested objects."""
    cur = lookup_field(data, field)
    if cur is _ABSENT or cur is None:
        return MISSING
    if isinstance(cur, str):
        return cur
    return json.dumps(cur, ensure_ascii=False, sort_keys=True)


def record_length(rec: Record) -> int:
    return sum(len(t.content) for t in rec.turns)


def stratum_labels(records: Sequence[Record], field: str) -> dict[int, str]:
    """Map line → stratum label for ``field``: ``"format"``, ``"length"`` or a metadata field.

    ``"length"`` cuts the records' total text length into quartiles of these
    records (labels such as ``"length 2/4 (120-340 chars)"``).
    """
    if field == "format":
        return {r.line: r.format for r in records}
    if field == "length":
        lengths = sorted(record_length(r) for r in records)
        if not lengths:
            return {}
        cuts = [lengths[min(len(lengths) - 1, (len(lengths) * k) // LENGTH_BUCKETS)]
                for k in range(1, LENGTH_BUCKETS)]
        bounds = [lengths[0]] + cuts + [lengths[-1]]
        labels = {}
        for r in records:
            n = record_length(r)
            b = sum(1 for c in cuts if n >= c)
            lo = bounds[b]
            # a bucket holds lengths from its cut up to the next cut, exclusive: "168-238", "239-325"
            hi = bounds[b + 1] if b == LENGTH_BUCKETS - 1 else max(lo, bounds[b + 1] - 1)
            labels[r.line] = f"length {b + 1}/{LENGTH_BUCKETS} ({lo}-{hi} chars)"
        return labels
    return {r.line: field_value(r.data, field) for r in records}


@dataclass(frozen=True, slots=True)
class StratumSplit:
    label: str
    records: int
    target_eval: int          # records the stratum should give to eval
    eval: int                 # records it gave
    groups: int

    @property
    def off_by(self) -> int:
        return self.eval - self.target_eval

    def to_json(self) -> dict:
        return {"records": self.records, "target_eval": self.target_eval, "eval": self.eval,
                "train": self.records - self.eval, "groups": self.groups}


@dataclass(frozen=True, slots=True)
class SplitResult:
    train: tuple[int, ...]    # sorted lines
    eval: tuple[int, ...]
    groups: tuple[tuple[int, ...], ...]
    strata: dict[str, StratumSplit]
    target_eval: int
    eval_fraction: float
    seed: int
    stratify: str | None

    def split_of(self) -> dict[int, str]:
        out = {ln: "train" for ln in self.train}
        out.update({ln: "eval" for ln in self.eval})
        return out

    def problems(self) -> list[str]:
        """Strata whose eval count misses the target by more than one record (big groups)."""
        out = []
        for s in self.strata.values():
            if abs(s.off_by) > 1:
                out.append(f"stratum {s.label!r}: {s.eval} eval records instead of {s.target_eval} "
                           f"(its {s.groups} groups cannot be split closer)")
        return out


def apportion(sizes: Mapping[str, int], fraction: float) -> dict[str, int]:
    """Largest-remainder rounding of ``fraction × size`` per stratum.

    The total is ``round(fraction × sum)`` and every share is the floor or the
    ceiling of its exact quota, so each is within one record of its target.
    """
    total = sum(sizes.values())
    want = math.floor(fraction * total + 0.5)
    quotas = {k: fraction * n for k, n in sizes.items()}
    out = {k: math.floor(q) for k, q in quotas.items()}
    left = want - sum(out.values())
    order = sorted(sizes, key=lambda k: (-(quotas[k] - out[k]), k))
    for k in order:
        if left <= 0:
            break
        if out[k] < sizes[k]:
            out[k] += 1
            left -= 1
    return out


def _group_key(seed: int, label: str, group: tuple[int, ...]) -> bytes:
    # A per-group random key (hash of seed, stratum and the group's first line) rather than one
    # shuffle of the whole list: merging two groups moves only that group in the order, so a
    # re-split after the leakage check ties a pair changes few assignments.
    return hashlib.blake2b(f"{seed}\x00{label}\x00{group[0]}".encode(), digest_size=8).digest()


def _fill(groups: list[tuple[int, ...]], target: int, seed: int, label: str) -> set[int]:
    """Pick groups for eval totalling ``target`` records, or as close as the sizes allow."""
    order = sorted(range(len(groups)), key=lambda gi: _group_key(seed, label, groups[gi]))
    chosen: list[int] = []
    total = 0
    for gi in order:
        size = len(groups[gi])
        if total + size <= target:
            chosen.append(gi)
            total += size
            if total == target:
                break
    if total < target:
        # no combination found greedily: add the smallest remaining group if that gets closer
        picked = set(chosen)
        rest = sorted((len(groups[gi]), gi) for gi in order if gi not in picked)
        if rest and abs(total + rest[0][0] - target) < target - total:
            chosen.append(rest[0][1])
    return set(chosen)


def split_groups(groups: Sequence[tuple[int, ...]], *, eval_fraction: float, seed: int,
                 labels: Mapping[int, str] | None = None, stratify: str | None = None) -> SplitResult:
    """Assign whole groups to train or eval.

    Parameters
    ----------
    groups
        Disjoint tuples of lines (from :func:`link_groups`); every line is in one.
    labels
        line → stratum label. A group spanning several strata counts under the
        label most of its members carry (ties: the smallest label).
    """
    if not 0.0 < eval_fraction < 1.0:
        raise ValueError(f"eval fraction must be between 0 and 1 (exclusive), got {eval_fraction}")
    groups = sorted((tuple(sorted(g)) for g in groups), key=lambda g: g[0])
    by_stratum: dict[str, list[tuple[int, ...]]] = {}
    for g in groups:
        if labels:
            counts = Counter(labels.get(x, MISSING) for x in g)
            best = max(counts.values())
            label = min(k for k, v in counts.items() if v == best)
        else:
            label = "(all)"
        by_stratum.setdefault(label, []).append(g)
    sizes = {k: sum(len(g) for g in gs) for k, gs in by_stratum.items()}
    targets = apportion(sizes, eval_fraction)
    eval_lines: set[int] = set()
    strata: dict[str, StratumSplit] = {}
    for label in sorted(by_stratum):
        gs = by_stratum[label]
        chosen = _fill(gs, targets[label], seed, label)
        n_eval = 0
        for gi in chosen:
            eval_lines.update(gs[gi])
            n_eval += len(gs[gi])
        strata[label] = StratumSplit(label, sizes[label], targets[label], n_eval, len(gs))
    all_lines = sorted(x for g in groups for x in g)
    return SplitResult(
        train=tuple(x for x in all_lines if x not in eval_lines),
        eval=tuple(sorted(eval_lines)),
        groups=tuple(groups),
        strata=strata,
        target_eval=sum(targets.values()),
        eval_fraction=eval_fraction,
        seed=seed,
        stratify=stratify,
    )


def fraction_needs_confirmation(fraction: float) -> bool:
    """True when ``fraction`` is outside the recommended 5–50% (the UI must ask first)."""
    return not (RECOMMENDED_MIN <= fraction <= RECOMMENDED_MAX)


def make_split(records: Sequence[Record], links: Iterable[Iterable[int]], *, eval_fraction: float,
               seed: int, stratify: str | None = None,
               label_fn: Callable[[Sequence[Record], str], dict[int, str]] = stratum_labels) -> SplitResult:
    """Group ``records`` by ``links`` and split them (see :func:`split_groups`)."""
    groups = link_groups((r.line for r in records), links)
    labels = label_fn(records, stratify) if stratify else None
    return split_groups(groups, eval_fraction=eval_fraction, seed=seed, labels=labels, stratify=stratify)
