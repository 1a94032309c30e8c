"""Numbers behind the dashboard: counts, length histograms, metadata distributions and
data-size guidance. Plain functions over a :class:`Dataset`, a :class:`ScanResult` and the
current decisions; the GUI only draws what these return.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .decisions import APPROVED, FIXED, REJECTED, SKIPPED, UNDECIDED, Decision, reviewer_totals
from .findings import (FLAG_CONTRADICTION, FLAG_DUPLICATE, FLAG_INVALID, FLAG_LINT,
                       FLAG_NEAR_DUPLICATE, ScanResult)
from .records import Dataset
from .split import lookup_field

if TYPE_CHECKING:
    from .export import PlanCache

# Fields that carry the example itself in some format; everything else at the top level of a
# record (or inside a "metadata" object) is metadata a user may want to see distributed.
CONTENT_FIELDS = frozenset({"messages", "conversations", "instruction", "input", "output", "prompt",
                            "completion", "text", "system", "tools", "functions", "parallel_tool_calls",
                            "id", "history"})
# A field with more distinct values than this is an identifier or free text, not a category.
MAX_CATEGORIES = 50


# --- training goals and how much data each needs --------------------------------------------

@dataclass(frozen=True, slots=True)
class Goal:
    key: str
    label: str
    low: int            # fewer usable examples than this: too small for the goal
    high: int           # the top of the usual range; more rarely helps much
    note: str


GOALS: tuple[Goal, ...] = (
    Goal("style", "Style or format adaptation", 100, 500,
         "Teaching a tone, a format or a persona: a few hundred clean examples usually suffice."),
    Goal("domain", "Domain specialisation", 1_000, 10_000,
         "Teaching the vocabulary and facts of a field needs thousands of examples."),
    Goal("complex", "Complex tasks", 10_000, 100_000,
         "Multi-step reasoning, tool use or new skills need tens of thousands of examples."),
)
GOALS_BY_KEY = {g.key: g for g in GOALS}

EVAL_SHARE_LOW = 0.10
EVAL_SHARE_HIGH = 0.20
# Below this many eval examples one example moves the score by 2 points or more, so two runs
# cannot be told apart.
MIN_EVAL_EXAMPLES = 50


@dataclass(frozen=True, slots=True)
class Guidance:
    goal: Goal
    usable: int
    eval_fraction: float
    eval_count: int
    train_count: int
    level: str                      # "ok" or "warning"
    messages: tuple[str, ...]


def size_guidance(usable: int, goal: str, eval_fraction: float = 0.1) -> Guidance:
    """Judge whether ``usable`` examples, split with ``eval_fraction``, fit a training goal.

    Parameters
    ----------
    usable
        Examples expected in the export (see :func:`usable_count`).
    goal
        A key of :data:`GOALS_BY_KEY`: ``"style"``, ``"domain"`` or ``"complex"``.
    eval_fraction
        Share held out for evaluation; 10–20% is the usual range.
    """
    g = GOALS_BY_KEY[goal]
    eval_count = int(round(usable * eval_fraction))
    train_count = usable - eval_count
    msgs: list[str] = []
    level = "ok"
    if train_count < g.low:
        level = "warning"
        msgs.append(f"Too small for {g.label.lower()}: {train_count:,} training examples, "
                    f"at least ~{g.low:,} are usually needed (typical range {g.low:,}–{g.high:,}).")
    elif train_count > g.high:
        msgs.append(f"{train_count:,} training examples is above the usual range for "
                    f"{g.label.lower()} ({g.low:,}–{g.high:,}); more data rarely hurts, but review a "
                    f"sample rather than everything.")
    else:
        msgs.append(f"{train_count:,} training examples is within the usual range for "
                    f"{g.label.lower()} ({g.low:,}–{g.high:,}).")
    if eval_count < MIN_EVAL_EXAMPLES:
        level = "warning"
        msgs.append(f"The eval split is too small: {eval_count:,} example{'' if eval_count == 1 else 's'} (fewer than "
                    f"{MIN_EVAL_EXAMPLES}); a single example moves its score by "
                    f"{100 / max(eval_count, 1):.0f} points.")
    if not (EVAL_SHARE_LOW <= eval_fraction <= EVAL_SHARE_HIGH):
        level = "warning"
        msgs.append(f"Eval share {eval_fraction:.0%} is outside the usual 10–20%.")
    return Guidance(g, usable, eval_fraction, eval_count, train_count, level, tuple(msgs))


# --- counts ---------------------------------------------------------------------------------

def _status_of(d: Decision | str | None) -> str:
    if d is None:
        return UNDECIDED
    return d if isinstance(d, str) else d.status


def status_counts(dataset: Dataset, decisions: Mapping[int, Decision | str]) -> dict[str, int]:
    """Records per review status, in a fixed order (undecided first)."""
    out = {UNDECIDED: 0, APPROVED: 0, FIXED: 0, REJECTED: 0, SKIPPED: 0}
    for rec in dataset.records:
        s = _status_of(decisions.get(rec.line))
        out[s] = out.get(s, 0) + 1
    return out


def finding_counts(dataset: Dataset, scan: ScanResult | None,
                   decisions: Mapping[int, Decision | str] | None = None) -> dict[str, int]:
    """Records carrying each flag (a record in two groups counts once per flag). With
    ``decisions``, a fixed record counts as its fix, as the Examples table shows it (a trial: the
    Dashboard's bars still counted a fixed empty answer as invalid and style-checked): a stored fix
    passed the schema, and its style checks are its own."""
    out = {FLAG_INVALID: dataset.invalid_count, FLAG_DUPLICATE: 0, FLAG_NEAR_DUPLICATE: 0,
           FLAG_CONTRADICTION: 0, FLAG_LINT: 0}
    fixes = {ln: d for ln, d in (decisions or {}).items()
             if isinstance(d, Decision) and d.status == FIXED and isinstance(d.fixed, dict)}
    if scan is not None:
        for line, flags in scan.flags_by_line().items():
            for f in flags:
                if f == FLAG_LINT and line in fixes:
                    continue        # counted below, from the fix
                out[f] = out.get(f, 0) + 1
    if fixes:
        from .dataset import record_from_fix
        from .scan import lint_as_scanned

        for line, d in fixes.items():
            try:
                rec = dataset.by_line(line)
            except KeyError:          # a decision on a line the file no longer has
                continue
            out[FLAG_INVALID] -= not rec.valid
            if scan is not None:      # (lint_as_scanned: none when the scan ran no style checks)
                out[FLAG_LINT] += bool(lint_as_scanned(record_from_fix(dataset, line, d.fixed), scan))
    return out


@dataclass(frozen=True, slots=True)
class Usable:
    """What an export with the default options would keep, and how many of those are near copies.

    ``near_number``: near-duplicates kept beside their cluster's keeper because each question has a
    number the other lacks (the same answer with another ticket or order number); ``near_other``:
    kept because an essential word differs or the two contradict. Both come from the export's own
    choice (``select_records(...).kept_near``), so they are part of ``total``, never beside it.
    """

    total: int
    near_number: int = 0
    near_other: int = 0


def usable_breakdown(dataset: Dataset, scan: ScanResult | None, decisions: Mapping[int, Decision | str],
                     sample_lines: Sequence[int] | None = None, cache: PlanCache | None = None,
                     include: str | None = None) -> Usable:
    """Examples an export with the default options would keep: the export's own selection
    (include mode, decisions, validity, duplicate keepers and the near-duplicates kept for being
    different questions), so the dashboard and the export agree. Only the conversion to another
    format, which the dashboard does not choose, can still leave a record out.

    ``cache``: the project's :class:`~curator.core.export.PlanCache` (shared with the export
    dialog), so a recount after one decision compares only that record's duplicate cluster again.
    """
    from .export import DISTINCT_NUMBER, select_records

    as_decisions = {ln: d if isinstance(d, Decision) else Decision(ln, d) for ln, d in decisions.items()}
    sel = select_records(dataset, scan if scan is not None else ScanResult(), as_decisions, include=include,
                         sample_lines=sample_lines, cache=cache if scan is not None else None)
    number = sum(1 for why in sel.kept_near.values() if why == DISTINCT_NUMBER)
    return Usable(len(sel.eligible), number, len(sel.kept_near) - number)


def usable_count(dataset: Dataset, scan: ScanResult | None, decisions: Mapping[int, Decision | str],
                 sample_lines: Sequence[int] | None = None) -> int:
    """``usable_breakdown(...).total``."""
    return usable_breakdown(dataset, scan, decisions, sample_lines).total


# --- lengths --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Histogram:
    edges: tuple[float, ...]        # len(counts) + 1 bin edges
    counts: tuple[int, ...]
    median: float
    p95: float
    maximum: int
    log_scale: bool                 # edges grow geometrically (lengths span orders of magnitude)
    overflow: int = 0               # values above the last edge (a few huge outliers), not binned


def lengths(dataset: Dataset) -> tuple[list[int], list[int]]:
    """Prompt and response lengths in characters, for parsed records."""
    ps, rs = [], []
    for rec in dataset.records:
        if rec.parsed:
            ps.append(len(rec.prompt))
            rs.append(len(rec.response))
    return ps, rs


# A few giant records (a pasted log, a 50 MB line) would squeeze every other bar into one bin:
# when the maximum is this many times the 99th percentile, bin up to the percentile and count
# the rest as overflow.
OUTLIER_FACTOR = 4


def histogram(values: list[int], bins: int = 30) -> Histogram:
    """Bin lengths; outliers beyond 4× the 99th percentile go to ``overflow``; geometric bins
    when the binned values span more than two orders of magnitude."""
    import numpy as np

    if not values:
        return Histogram((0.0, 1.0), (0,), 0.0, 0.0, 0, False)
    arr = np.asarray(values, dtype=np.int64)
    lo, hi = int(arr.min()), int(arr.max())
    top = hi
    p99 = float(np.percentile(arr, 99))
    if hi > OUTLIER_FACTOR * max(p99, 1.0):
        top = int(np.ceil(p99))
    # geometric bins only when the bulk (1st–99th percentile) spans two orders of magnitude,
    # not because of a handful of empty answers
    log_scale = p99 >= 100 * max(float(np.percentile(arr, 1)), 1.0)
    if top == lo:
        edges = np.array([lo - 0.5, top + 0.5])
    elif log_scale:
        edges = np.geomspace(max(lo, 1), top + 1, bins + 1)
        edges[0] = min(edges[0], lo)
    else:
        edges = np.linspace(lo, top + 1, bins + 1)
    counts, edges = np.histogram(arr[arr <= edges[-1]], bins=edges)
    overflow = int((arr > edges[-1]).sum())
    return Histogram(tuple(float(e) for e in edges), tuple(int(c) for c in counts),
                     float(np.median(arr)), float(np.percentile(arr, 95)), hi, log_scale, overflow)


# --- metadata -------------------------------------------------------------------------------

MAX_NESTED_KEYS = 50     # an object with more keys (or more distinct ones over the file) is keyed by ids


def _metadata_items(data: object, skip: set[str] | frozenset[str] = frozenset()):
    """(name, value) of each metadata field: top-level ones, and one level into an object that is
    not content ("metadata.source", "meta.category": a trial's support chats kept intent and
    category under "meta", which the app did not offer while the CLI's --stratify meta.category
    worked). The object itself is yielded too (it is then no category), and objects named in
    ``skip`` are not looked into. Inner keys holding a dot are left out (the name would be read
    as a deeper path)."""
    if not isinstance(data, dict):
        return
    for k, v in data.items():
        if k in CONTENT_FIELDS:
            continue
        yield k, v
        if isinstance(v, dict) and k not in skip and len(v) <= MAX_NESTED_KEYS and "." not in k:
            for mk, mv in v.items():
                if "." not in mk:
                    yield f"{k}.{mk}", mv


def _category_value(v: object) -> str | None:
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, (str, int)):
        return str(v)
    return None


def metadata_fields(dataset: Dataset) -> list[str]:
    """Metadata fields that look like categories (scalar, ≤ MAX_CATEGORIES distinct values),
    most often present first."""
    present: Counter[str] = Counter()
    values: dict[str, set[str]] = {}
    not_category: set[str] = set()     # lists, objects, floats: not something to count by
    inner: dict[str, set[str]] = {}    # object → its inner keys seen so far
    id_keyed: set[str] = set()         # objects keyed by ids ({"doc_17": …}): not looked into again
    for rec in dataset.records:
        for k, v in _metadata_items(rec.data, id_keyed):
            if isinstance(v, dict) and k not in id_keyed:
                keys = inner.setdefault(k, set())
                keys.update(v)
                if len(keys) > MAX_NESTED_KEYS:
                    id_keyed.add(k)
            cv = _category_value(v)
            if cv is None:
                if v is not None:
                    not_category.add(k)
                continue
            present[k] += 1
            vals = values.setdefault(k, set())
            if len(vals) <= MAX_CATEGORIES:
                vals.add(cv)
    return [k for k, _ in present.most_common()
            if k not in not_category and len(values[k]) <= MAX_CATEGORIES
            and k.split(".", 1)[0] not in id_keyed]


def field_value(data: object, name: str) -> str | None:
    """The category value of metadata field ``name`` (``meta.x`` reads a nested field, as
    :func:`_metadata_items` names it)."""
    return _category_value(lookup_field(data, name))


MISSING = "(missing)"
OTHER = "(other)"


def field_distribution(dataset: Dataset, name: str, top: int = 12) -> list[tuple[str, int]]:
    """(value, count) for a metadata field, commonest first; the tail beyond ``top`` values is
    summed into ``(other)`` and records without the field are counted as ``(missing)``."""
    c: Counter[str] = Counter()
    for rec in dataset.records:
        v = field_value(rec.data, name)
        c[MISSING if v is None else v] += 1
    missing = c.pop(MISSING, 0)
    common = c.most_common()
    out = common[:top]
    rest = sum(n for _, n in common[top:])
    if rest:
        out.append((OTHER, rest))
    if missing:
        out.append((MISSING, missing))
    return out


# --- everything at once ---------------------------------------------------------------------

@dataclass
class DashboardStats:
    records: int
    status: dict[str, int]
    formats: dict[str, int]
    findings: dict[str, int]
    usable: int
    prompt_lengths: Histogram
    response_lengths: Histogram
    fields: list[str] = field(default_factory=list)
    # of ``usable``: near copies kept because a number differs / a word differs or they contradict
    usable_near_number: int = 0
    usable_near_other: int = 0
    # the export's sample_defects blocker when the review sample shows the unreviewed rest is clearly
    # not clean; ``usable`` is then what goes in without overriding it (approved and fixed records)
    sample_verdict: str | None = None
    # reviewer → decisions they made (a team lead asked who decided what), most first
    reviewers: dict[str, int] = field(default_factory=dict)


def format_counts(dataset: Dataset) -> dict[str, int]:
    """Records per format, most first; records with no format (bad JSON, unknown keys) count as
    "unreadable", so the bars add up to the records of the file."""
    out = dict(sorted(dataset.format_counts.items(), key=lambda kv: -kv[1]))
    rest = len(dataset.records) - sum(out.values())
    if rest > 0:
        out["unreadable"] = rest
    return out


def dashboard_stats(dataset: Dataset, scan: ScanResult | None, decisions: Mapping[int, Decision | str],
                    sample_lines: Sequence[int] | None = None, cache: PlanCache | None = None,
                    estimate: object = None) -> DashboardStats:
    """Everything the dashboard draws except the per-field distribution (asked on demand);
    ``cache`` as for :func:`usable_breakdown`; ``estimate``: the project's sample estimate, whose
    verdict (:func:`curator.core.export.sample_verdict`) blocks the default export of the rest."""
    from .export import INCLUDE_REVIEWED, sample_verdict

    ps, rs = lengths(dataset)
    verdict = sample_verdict(estimate) if sample_lines else None
    # a clinician's 7 defects in 10 sampled showed "~5,437 usable" and a green size check: the
    # export is blocked there, so count what it can take without an override
    usable = usable_breakdown(dataset, scan, decisions, sample_lines, cache,
                              include=INCLUDE_REVIEWED if verdict else None)
    return DashboardStats(
        records=len(dataset.records),
        status=status_counts(dataset, decisions),
        formats=format_counts(dataset),
        findings=finding_counts(dataset, scan, decisions),
        usable=usable.total,
        prompt_lengths=histogram(ps),
        response_lengths=histogram(rs),
        fields=metadata_fields(dataset),
        usable_near_number=usable.near_number,
        usable_near_other=usable.near_other,
        sample_verdict=verdict,
        reviewers=reviewer_counts(decisions),
    )


def reviewer_counts(decisions: Mapping[int, Decision | str]) -> dict[str, int]:
    """reviewer → decisions, most first (decisions given as bare statuses, or recorded without a
    name, have no reviewer)."""
    return reviewer_totals(d for d in decisions.values() if isinstance(d, Decision) and d.reviewer)
