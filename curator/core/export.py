"""Export clean train/eval splits that cannot leak, with a manifest anyone can verify.

Two steps, so a dialog can preview before anything touches the disk:

* :func:`plan_export` decides what goes in (decisions, duplicate keepers,
  contradictions), splits it group-aware and seeded, projects each record to
  the target format, and runs the leakage check. It writes nothing.
* :func:`write_export` writes ``train.jsonl``, ``eval.jsonl``, ``README.md``
  and ``manifest.json`` as one whole export (a hidden folder beside DIR,
  fsynced, swapped in whole): even a killed run leaves the old export or the
  new one, never a mix.

What goes in (``ExportOptions.include``):

* ``"unrejected"``: every schema-valid record that was not rejected or skipped
  (approved, fixed or never reviewed). The default when the review was a sample
  (the unreviewed rest is what the sample vouches for) and when nothing was
  reviewed at all (then the export is the file minus invalid records and
  duplicate copies).
* ``"reviewed"``: only records explicitly approved or fixed. The default when
  records without a finding were reviewed without a sample (a partial full
  review). Deciding only flagged records (resolving duplicates and
  contradictions, fixing broken records) is triage and keeps ``"unrejected"``.

Never rejected or schema-invalid records; fixed records in their fixed form.
From each duplicate cluster (exact and near) only the keeper goes in, unless
the reviewer approved or fixed members of it, then exactly those. A near-duplicate
that is no copy of the keeper also goes in: its question differs in an essential
word, or it contradicts the keeper (a reported warning; same side of the split).
Contradictions whose two sides would both go in and were not both decided by
the reviewer block the export unless ``allow_contradictions``. A review sample
whose defects show, with 95% confidence, that at least 10% of the unreviewed
rest is defective blocks an export that would include that rest by default
(choose ``"reviewed"``, or ``"unrejected"`` to include it anyway).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, is_dataclass, replace
from pathlib import Path

import orjson

from curator import __version__

from . import convert
from . import formats as F
from .dataset import build_record
from .decisions import APPROVED, FIXED, REJECTED, SKIPPED, Decision, reviewer_totals
from .detect.boilerplate import find_boilerplate
from .detect.normalize import has_spaces, normalize
from .detect.text import STOPWORDS, SequenceMatcher, essential_differences, is_number, token_set
from .estimate import Estimate, lower_bound
from .findings import Contradiction, ScanResult
from .progress import CancelToken, ProgressSink, Ticker, check_cancel
from .records import Dataset, Record, canonical_json
from .scan import keeper_rank
from .split import MISSING, SplitResult, fraction_needs_confirmation, link_groups, make_split, stratum_labels
from .table import unit_of
from .verify import LeakageResult, check_leakage, leak_text, similarity_words

INCLUDE_REVIEWED = "reviewed"
INCLUDE_UNREJECTED = "unrejected"
INCLUDE_MODES = (INCLUDE_REVIEWED, INCLUDE_UNREJECTED)
TARGET_FORMATS = convert.EXPORT_FORMATS

TRAIN_FILE, EVAL_FILE, MANIFEST_FILE, README_FILE = "train.jsonl", "eval.jsonl", "manifest.json", "README.md"
OUTPUT_FILES = (TRAIN_FILE, EVAL_FILE, README_FILE, MANIFEST_FILE)
MANIFEST_VERSION = 1
DEFAULT_NEAR_THRESHOLD = 90.0
# After the leakage check finds cross-split pairs, they are tied and the split is redone;
# each round can only merge groups, so a few rounds always settle.
MAX_LEAK_ROUNDS = 50

UNREVIEWED = "unreviewed"

# Why a record stays out (keys of ExportPlan.excluded); text for reports.
EXCLUDE_TEXT = {
    "rejected": "rejected by the reviewer",
    "invalid": "schema-invalid (and not fixed)",
    "fixed_invalid": "fixed form does not pass the schema",
    "duplicate": "duplicate copy (another member of its cluster is kept)",
    "not_reviewed": "not approved or fixed (--include reviewed)",
    "skipped": "skipped by the reviewer (decide later)",
    "unconvertible": "its converted form would not pass the target format's checks",
}


class ExportError(Exception):
    """An export cannot be written (destination, existing export, blocked plan)."""


class ExportExists(ExportError):
    """The destination already holds an export and ``force`` was not given."""


class ExportBlocked(ExportError):
    """The plan has blocking problems (unresolved contradictions, failed leakage check …)."""


@dataclass(frozen=True)
class ExportOptions:
    """What the user chose. ``include=None`` lets the review decide (see module docstring)."""

    eval_fraction: float = 0.1
    seed: int = 0
    stratify: str | None = None          # metadata field (dotted path), "format" or "length"
    format: str = "same"                 # same | openai | alpaca | sharegpt
    include: str | None = None           # reviewed | unrejected | None (auto)
    allow_contradictions: bool = False
    confirm_fraction: bool = False       # eval fraction outside 5–50% confirmed by the user
    near_threshold: float | None = None  # None → the scan's near-duplicate threshold

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Blocker:
    """A problem that stops the export; ``lines`` are the records involved."""

    code: str                # unresolved_contradictions | sample_defects | leakage | fraction | empty | strata
    message: str
    lines: tuple[int, ...] = ()

    def to_json(self) -> dict:
        return {"code": self.code, "message": self.message, "lines": list(self.lines)}


@dataclass(slots=True)
class PlanEntry:
    """One exported record."""

    line: int
    split: str               # "train" | "eval"
    decision: str            # approved | fixed | skipped | unreviewed
    output: bytes            # the JSONL row, without the newline
    group: int | None = None  # smallest line of its group when it has linked records

    def sha256(self) -> str:
        return hashlib.sha256(self.output).hexdigest()


@dataclass
class ExportPlan:
    """Everything an export would write, and why; :func:`write_export` writes it."""

    dataset: Dataset
    options: ExportOptions
    include: str                         # the resolved include mode
    include_reason: str
    entries: list[PlanEntry]             # in source order
    excluded: dict[int, str]             # line → reason code (EXCLUDE_TEXT)
    split: SplitResult | None
    leakage: LeakageResult | None
    blockers: list[Blocker] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unresolved_contradictions: list[Contradiction] = field(default_factory=list)
    losses: dict[str, int] = field(default_factory=dict)   # loss code → records affected
    dropped_fields: dict[str, int] = field(default_factory=dict)  # metadata key → records
    leak_merges: int = 0                 # cross-split pairs the leakage check had to tie
    thresholds: dict = field(default_factory=dict)
    estimate: object = None
    sample_size: int | None = None
    project_path: str | None = None
    # who approved or fixed the exported records: reviewer → records (a team lead asked who reviewed)
    reviewers: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.blockers

    @property
    def needs_confirmation(self) -> bool:
        return fraction_needs_confirmation(self.options.eval_fraction)

    def lines(self, split: str) -> list[int]:
        return [e.line for e in self.entries if e.split == split]

    def counts(self) -> dict:
        by_split = Counter(e.split for e in self.entries)
        by_decision: dict[str, dict[str, int]] = {"train": {}, "eval": {}}
        for e in self.entries:
            d = by_decision[e.split]
            d[e.decision] = d.get(e.decision, 0) + 1
        total_dec = Counter(e.decision for e in self.entries)
        return {
            "source_records": len(self.dataset.records),
            "exported": len(self.entries),
            "train": by_split.get("train", 0),
            "eval": by_split.get("eval", 0),
            "by_decision": {k: total_dec[k] for k in sorted(total_dec)},
            "by_split_decision": {s: {k: v for k, v in sorted(by_decision[s].items())} for s in ("train", "eval")},
            "excluded": {k: v for k, v in sorted(Counter(self.excluded.values()).items())},
        }

    def loss_report(self) -> list[dict]:
        out = []
        for code in sorted(self.losses):
            item = {"code": code, "records": self.losses[code], "text": convert.LOSS_TEXT.get(code, code)}
            if code == "metadata_dropped":
                item["fields"] = dict(sorted(self.dropped_fields.items()))
            out.append(item)
        return out

    def summary(self) -> dict:
        """A JSON-able preview for the export dialog and ``--json`` style output."""
        return {
            "include": self.include, "include_reason": self.include_reason,
            "counts": self.counts(),
            "strata": {k: s.to_json() for k, s in (self.split.strata.items() if self.split else [])},
            "target_eval": self.split.target_eval if self.split else 0,
            "leakage": self.leakage.to_json() if self.leakage else None,
            "leak_merges": self.leak_merges,
            "conversion": {"from": self.dataset.format, "to": self.options.format, "losses": self.loss_report()},
            "blockers": [b.to_json() for b in self.blockers],
            "warnings": list(self.warnings),
            "needs_confirmation": self.needs_confirmation,
        }


# --- planning -------------------------------------------------------------------------------


MAX_SWAPPED_WORDS = 3   # see distinct_reason
OPENAI_MIN_EXAMPLES = 10   # ../shared/FORMATS.md §1.1: "Minimum 10 examples per training file"


# Why a near-duplicate is no copy of what its cluster keeps (distinct_reason); the dashboard counts
# the records kept for each reason (stats.usable_breakdown)
DISTINCT_CONTRADICTS = "contradicts"    # the other side of a contradiction
DISTINCT_NUMBER = "number"              # each question has a number the other lacks ("ticket 4411" / "5820")
DISTINCT_WORD = "word"                  # the questions swap an essential word ("type 1" / "type 2", another drug)
DISTINCT_TEXT = "text"                  # no prompt: the whole texts swap content words
#: what each DISTINCT_* code means, for a reviewer ("the export keeps both: …")
DISTINCT_TEXTS = {
    DISTINCT_CONTRADICTS: "they contradict each other",
    DISTINCT_NUMBER: "each question has a number the other lacks (another ticket, dose or amount)",
    DISTINCT_WORD: "their questions differ in an essential word (another drug, place or product)",
    DISTINCT_TEXT: "their texts differ in essential words",
}


def distinct_reason(a: Record, b: Record, opposed: set[frozenset[int]]) -> str | None:
    """Why two near-duplicate records are not copies of each other (a ``DISTINCT_*`` code), or
    None when they are copies. They contradict, or their prompts differ in an essential word (the
    contradiction detector's test for "a different question"), a number being the common case.
    Records with no prompt (plain ``text``, a completion alone) carry question and answer in one
    text, so there the whole texts are compared."""
    if frozenset((a.line, b.line)) in opposed:
        return DISTINCT_CONTRADICTS
    pa, pb = normalize(a.prompt), normalize(b.prompt)
    if not pa and not pb:
        # question and answer in one text: any content word swapped on both sides makes another
        # example (the answer's words differ along with the question's, so no cap on how many)
        only_a, only_b = essential_differences(normalize(a.response), normalize(b.response))
        return DISTINCT_TEXT if only_a and only_b else None
    # exact shortcuts (typo and stem pairing only ever remove words): nothing differs on one side;
    # or each side has a number the other lacks, within the cap ("ticket 4411" / "ticket 5820":
    # templated support data compares every member of a cluster with every kept one)
    ra = {w for w in token_set(pa) - token_set(pb) if w not in STOPWORDS}
    rb = {w for w in token_set(pb) - token_set(pa) if w not in STOPWORDS}
    if not ra or not rb:
        return None
    if len(ra) <= MAX_SWAPPED_WORDS and len(rb) <= MAX_SWAPPED_WORDS and any(map(is_number, ra)) \
            and any(map(is_number, rb)):
        return DISTINCT_NUMBER
    only_a, only_b = essential_differences(pa, pb)
    # A different question swaps a fact in the same wording: "type 1"/"type 2", "school"/"war",
    # another drug. Words only added on one side (the same news article with "NEW YORK" in front)
    # or a reworded request (many words each side, the same code answer) are the same example.
    if only_a and only_b and max(len(only_a), len(only_b)) <= MAX_SWAPPED_WORDS:
        return DISTINCT_WORD
    if only_a and only_b and not (has_spaces(pa) and has_spaces(pb)) and _swaps_names(pa, pb):
        # Chinese/Japanese are compared character by character, so another drug's name is five
        # "words" ("香连化滞丸的用法用量" / "八珍益母片的用法用量", how to take each): count the
        # places the wording changes instead (a clinician found the two dosing records offered
        # as duplicates of each other)
        return DISTINCT_WORD
    return None


def _swaps_names(a: str, b: str) -> bool:
    """Text without spaces: ``b`` is ``a`` with one to three short names swapped ("香连化滞丸" ↔
    "八珍益母片") and nothing else changed. A rewording replaces runs of unequal length ("请问" →
    "医生您好，我想咨询一下", "晚上睡不好觉" → "夜里失眠") or adds text, and stays a copy."""
    ops = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    if any(op in ("insert", "delete") for op, *_ in ops):
        return False
    runs = [(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in ops if op == "replace"]
    return 0 < len(runs) <= MAX_SWAPPED_WORDS and all(x <= 8 and y <= 8 and abs(x - y) <= 1 for x, y in runs)


def _explicit(d: Decision | None) -> bool:
    return d is not None and d.status in (APPROVED, FIXED)


def resolve_include(options: ExportOptions, decisions: Mapping[int, Decision],
                    sample_lines: Sequence[int] | None, flagged: set[int] | frozenset[int] = frozenset()
                    ) -> tuple[str, str]:
    """The include mode in effect and the reason, in words.

    ``flagged``: the lines with a finding or a validation error. Decisions on those only are the
    triage of what the scan found (resolving duplicates and contradictions, fixing broken
    records), not a review of the records: the rest is still included. Once records without a
    finding are decided, without a sample, the review is a full one and only what it approved
    goes in.
    """
    if options.include is not None:
        if options.include not in INCLUDE_MODES:
            raise ValueError(f"include must be one of {', '.join(INCLUDE_MODES)}, got {options.include!r}")
        return options.include, "chosen"
    if sample_lines:
        return INCLUDE_UNREJECTED, "a review sample was drawn: unreviewed records are included on its evidence"
    decided = [ln for ln, d in decisions.items() if d.status in (APPROVED, FIXED, REJECTED)]
    if not decided:
        return INCLUDE_UNREJECTED, "nothing was reviewed: every valid record is included (duplicates reduced to keepers)"
    if all(ln in flagged for ln in decided):
        return INCLUDE_UNREJECTED, ("only records with findings were decided: every valid record not rejected is "
                                    "included (duplicates reduced to keepers)")
    # (a trial could not parse "records without findings were reviewed, without a sample: …")
    return INCLUDE_REVIEWED, ("only approved and fixed records are included: records with no findings were "
                              "reviewed one by one, not as a sample, so an unreviewed record has not been checked")


def leak_discount(dataset: Dataset, scan: ScanResult, cancel: CancelToken | None = None) -> dict | None:
    """The boilerplate the scan discounts (shared system prompts, instructions, prefixes), as the
    leakage check and ``curator verify`` leave it out (``verify.leak_text``); None when none."""
    bp = find_boilerplate([r for r in dataset.records if r.valid],
                          share=float(scan.settings.get("boilerplate_share", 0.3)), cancel=cancel)
    if not bp.lines and not bp.prefixes:
        return None
    return {"lines": sorted(bp.lines), "prefixes": list(bp.prefixes)}


def flagged_lines(dataset: Dataset, scan: ScanResult) -> set[int]:
    """Lines with a finding (duplicate, near-duplicate, contradiction, lint) or a validation error."""
    return set(scan.flags_by_line()) | {r.line for r in dataset.records if not r.valid}


#: A review sample blocks the default export of the unreviewed rest when its defects show, with
#: the estimate's confidence (95%), that at least this share of the rest is defective. The
#: acceptance target (2%) is the bar for vouching for the rest (a warning below it); this is the
#: bar for "clearly bad": at least one in ten. A clinician's 7 defects in 10 sampled → at least
#: 39%; the bundled support sample's 8 in 149 → at least 2.7% (a warning, not a block).
SAMPLE_BLOCK_RATE = 0.10
#: ... and only once this many sampled records have a verdict (2 rejections of the first 2 put the
#: bound at 22%: a reviewer's first two looks are no verdict on the file)
SAMPLE_BLOCK_MIN_REVIEWED = 10


def sample_verdict(estimate: object) -> str | None:
    """The blocker message when a review sample shows the unreviewed records are clearly not clean:
    the exact lower bound of the rest's defect rate (:func:`curator.core.estimate.lower_bound`)
    is at least :data:`SAMPLE_BLOCK_RATE` (and above the target). None otherwise, also when the
    sample is merely too small to vouch for the rest (that is a warning, not a verdict)."""
    if not isinstance(estimate, Estimate) or not estimate.defects or estimate.reviewed < SAMPLE_BLOCK_MIN_REVIEWED \
            or not estimate.remainder:     # (a sample of every record leaves nothing unreviewed to judge)
        return None
    low = lower_bound(estimate.defects, estimate.reviewed, estimate.confidence)
    if low < max(SAMPLE_BLOCK_RATE, estimate.target):
        return None
    return (f"the review sample shows the {estimate.remainder:,} unreviewed records are not clean: "
            f"{estimate.defects} of {estimate.reviewed:,} sampled records were rejected or needed a fix, so "
            f"at least {low:.0%} of the rest are likely defective ({estimate.confidence:.0%} confidence; "
            f"target under {estimate.target:.0%}). Export only reviewed records (Include: reviewed only; "
            "CLI: --include reviewed), review more, or include the rest anyway (Include: everything not "
            "rejected; CLI: --include unrejected)")


def _sample_evidence(estimate: object) -> str | None:
    """The warning for unreviewed records included on a sample's evidence when the sample does
    not show they are clean: nothing of it reviewed yet, or its upper bound above the target."""
    if not isinstance(estimate, Estimate):
        return None
    if estimate.reviewed == 0:
        return (f"a review sample of {estimate.sample_size:,} was drawn but none of it is reviewed yet, so the "
                f"{estimate.remainder:,} unreviewed records are included without evidence that they are clean; "
                "review the sample, or include only reviewed records")
    if not estimate.meets_target:
        return (f"the review sample does not show the unreviewed records are clean: {estimate.sentence()}; "
                "they are included anyway (include only reviewed records to leave them out)")
    return None


def _unreviewed_lint(scan: ScanResult, sel: Selection) -> str | None:
    """The warning for records that go in without anyone approving them although lint flagged them
    ("the response goes on to write the patient's turn", garbled text, a refusal …)."""
    codes: dict[int, set[str]] = {}
    for f in scan.lint:
        if f.line in sel.eligible and sel.decision_of.get(f.line) == UNREVIEWED:
            codes.setdefault(f.line, set()).add(f.code)
    if not codes:
        return None
    per = Counter(c for cs in codes.values() for c in cs)
    listing = ", ".join(f"{c} {n:,}" for c, n in sorted(per.items(), key=lambda x: (-x[1], x[0])))
    return (f"{len(codes):,} record(s) with lint findings go in unreviewed ({listing}); review them "
            "(Findings, or the table's flag filter) or reject them to leave them out")


def _row_bytes(rec: Record, obj: Mapping, fmt: str, target: str, fixed: bool,
               container: str) -> tuple[bytes, list[str], list[str]]:
    """The output row of one record, its loss codes and the metadata keys dropped."""
    if target == "same":
        if not fixed and container == "jsonl" and rec.raw:
            return rec.raw.strip(), [], []
        return _dumps(obj), [], []
    out, losses = convert.project_record(obj, fmt, rec.turns, target)
    dropped = []
    if "metadata_dropped" in losses:
        known = convert.FORMAT_KEYS.get(fmt, ()) + (("system",) if fmt == "openai" else ())
        dropped = [k for k in obj if k not in known]
    return _dumps(out), losses, dropped


def _dumps(obj: object) -> bytes:
    try:
        return orjson.dumps(obj)
    except TypeError:  # integers beyond 64 bits: the stdlib keeps them exact
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def _estimate_json(estimate: object) -> object:
    if estimate is None:
        return None
    if hasattr(estimate, "to_json"):
        return estimate.to_json()
    if is_dataclass(estimate) and not isinstance(estimate, type):
        return asdict(estimate)
    if isinstance(estimate, Mapping):
        return dict(estimate)
    return str(estimate)


@dataclass(frozen=True)
class _DuplicateParts:
    """What the duplicate step reads from the scan alone (computed once per scan with a cache)."""

    clusters: list[tuple[tuple[int, ...], int]]   # (lines, keeper): near clusters, then exact groups
    components: list[tuple[int, ...]]            # clusters linked through shared members
    keepers_of: dict[int, list[int]]             # component's first line → candidate keepers, in cluster order
    near_members: frozenset[int]
    opposed: frozenset[frozenset[int]]           # contradiction pairs

    @classmethod
    def of(cls, scan: ScanResult) -> _DuplicateParts:
        clusters = [(c.lines, c.keeper) for c in scan.near_duplicates] + [(g.lines, g.keeper)
                                                                          for g in scan.exact_duplicates]
        components = link_groups([ln for lines, _ in clusters for ln in lines], [lines for lines, _ in clusters])
        comp_of = {ln: comp[0] for comp in components for ln in comp}
        keepers_of: dict[int, list[int]] = {}
        for lines, keeper in clusters:
            keepers_of.setdefault(comp_of[lines[0]], []).append(keeper)
        return cls(clusters, components, keepers_of, frozenset(ln for c in scan.near_duplicates for ln in c.lines),
                   frozenset(frozenset((c.a, c.b)) for c in scan.contradictions))


# (kept lines in order, kept near-duplicates as (line, compared with, DISTINCT_*, beside a left-out
# keeper), whether the component exports nothing)
_ComponentResult = tuple[tuple[int, ...], tuple[tuple[int, int, str, bool], ...], bool]


def _reduce_component(comp: tuple[int, ...], suggested: list[int], eligible: Mapping[int, Record],
                      decisions: Mapping[int, Decision], unconvertible: Mapping[int, str], parts: _DuplicateParts,
                      dataset: Dataset, cancel: CancelToken | None) -> _ComponentResult:
    """Which members of one duplicate component go in: the approved/fixed ones, else the suggested
    keeper, plus every near-duplicate that is no copy of what is kept."""
    chosen = [ln for ln in comp if ln in eligible and _explicit(decisions.get(ln))]
    left_out: list[int] = []   # a rejected or invalid suggested keeper, still compared with
    if not chosen:
        keeper = next((k for k in suggested if k in eligible), None)
        if keeper is None and any(unconvertible.get(k) for k in suggested):
            # the suggested keeper only lacks the target format's fields: the best member that
            # converts is kept (a rejected keeper's copies stay out: that text was rejected)
            keeper = max((ln for ln in comp if ln in eligible),
                         key=lambda ln: keeper_rank(eligible[ln]), default=None)
        chosen = [keeper] if keeper is not None else []
        left_out = [] if chosen else suggested[:1]
    # A near-duplicate that is not a copy of what is kept stays in: its question differs in an
    # essential word ("type 1" / "type 2", another drug) or it is the other side of a
    # contradiction (which answer is right is the reviewer's call, not the keeper rank's).
    # Approving one member, or rejecting the keeper, must not drop such a different record.
    in_chosen = set(chosen)
    kept: list[tuple[int, int, str, bool]] = []
    left_out_recs = [dataset.by_line(k) for k in left_out]
    for n, ln in enumerate(comp):
        if n % 256 == 255:
            check_cancel(cancel)        # a cluster of templated records compares thousands of members
        if ln in eligible and ln not in in_chosen and ln in parts.near_members:
            rec = eligible[ln]
            first: str | None = None
            for other in [eligible[k] for k in chosen] + left_out_recs:
                why = distinct_reason(rec, other, parts.opposed)
                if why is None:
                    break
                first = first or why
            else:
                if first is not None:       # compared with at least one record, a copy of none
                    kept.append((ln, chosen[0] if chosen else left_out[0], first, not chosen))
                    chosen.append(ln)
                    in_chosen.add(ln)
    empty = not chosen and any(ln in eligible for ln in comp)
    return tuple(chosen), tuple(kept), empty


class PlanCache:
    """What :func:`plan_export` may reuse from earlier plans of the same dataset and scan.

    Two parts of planning are expensive on a big templated file (80,000 support chats with ticket
    numbers: 4-9 s and 12-16 s of a 21-30 s plan), and neither reads most options:

    * deciding, per duplicate component, which members are no copy of what is kept. It reads the
      component's members' eligibility (validity, rejection, include mode), which of them are
      approved or fixed and each fix's content, and which suggested keepers the target format
      cannot hold — kept per component under exactly that, so a decision recomputes only its own
      cluster;
    * the split with its leakage check. It reads the exported lines, the text each is compared on
      (taken from the output rows, so a format change that alters a text re-runs it), the eval
      fraction, seed, stratification labels, threshold and discounted boilerplate; the links come
      from the scan.

    Neither reads ``allow_contradictions``, ``confirm_fraction`` or where the files go. The
    dataset and scan are compared by identity (neither is changed in place: a reload or a rescan
    gives new objects, and that empties the cache). A plan cancelled half-way stores only what it
    finished. Safe to share between threads (a superseded plan may still be finishing when the next
    one starts).
    ``reused`` and ``computed`` count components and splits taken from the cache or worked out.
    """

    def __init__(self) -> None:
        import threading

        self._lock = threading.Lock()
        self._source: tuple[Dataset, ScanResult] | None = None
        self._parts: _DuplicateParts | None = None
        self._components: dict[int, tuple[tuple, _ComponentResult]] = {}
        self._discount: tuple[dict | None] | None = None
        self._split: tuple[tuple, tuple[SplitResult, LeakageResult, int]] | None = None
        self.reused: Counter[str] = Counter()
        self.computed: Counter[str] = Counter()

    def _check_source(self, dataset: Dataset, scan: ScanResult) -> None:
        src = self._source
        if src is None or src[0] is not dataset or src[1] is not scan:
            self._source = (dataset, scan)
            self._parts, self._discount, self._split = None, None, None
            self._components = {}

    def duplicate_parts(self, dataset: Dataset, scan: ScanResult) -> _DuplicateParts:
        with self._lock:
            self._check_source(dataset, scan)
            if self._parts is None:
                self._parts = _DuplicateParts.of(scan)
            return self._parts

    def component_memo(self, dataset: Dataset, scan: ScanResult) -> dict[int, tuple[tuple, _ComponentResult]]:
        """component index → (what it read, its outcome); entries are only ever replaced whole."""
        with self._lock:
            self._check_source(dataset, scan)
            return self._components

    def discount(self, dataset: Dataset, scan: ScanResult, cancel: CancelToken | None = None) -> dict | None:
        with self._lock:
            self._check_source(dataset, scan)
            known = self._discount
        if known is not None:
            return known[0]
        found = leak_discount(dataset, scan, cancel=cancel)
        with self._lock:
            self._check_source(dataset, scan)
            self._discount = (found,)
        return found

    def split(self, dataset: Dataset, scan: ScanResult, key: tuple) -> tuple[SplitResult, LeakageResult, int] | None:
        with self._lock:
            self._check_source(dataset, scan)
            if self._split is not None and self._split[0] == key:
                self.reused["split"] += 1
                return self._split[1]
            return None

    def store_split(self, dataset: Dataset, scan: ScanResult, key: tuple,
                    value: tuple[SplitResult, LeakageResult, int]) -> None:
        with self._lock:
            self._check_source(dataset, scan)
            self._split = (key, value)
            self.computed["split"] += 1


def _texts_digest(lines: Sequence[int], texts: Mapping[int, str]) -> bytes:
    """One digest of the compared texts, in line order (each length-prefixed: no two lists collide)."""
    h = hashlib.blake2b(digest_size=32)
    for ln in lines:
        b = texts[ln].encode("utf-8", "surrogatepass")
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.digest()


@dataclass
class Selection:
    """What goes in before conversion and splitting (steps 1–3 of :func:`plan_export`)."""

    eligible: dict[int, Record]               # line → record to export (fixed form for fixes)
    excluded: dict[int, str]                  # line → reason code (EXCLUDE_TEXT)
    decision_of: dict[int, str]               # line → approved | fixed | skipped | unreviewed
    unresolved: list[Contradiction]           # both sides in, not both decided
    clusters: list[tuple[tuple[int, ...], int]]   # duplicate clusters (lines, keeper): split links
    warnings: list[str]
    # line → (row, loss codes, dropped keys) of records converted to another format on the way in
    converted: dict[int, tuple[bytes, list[str], list[str]]] = field(default_factory=dict)
    # near-duplicates kept beside what their cluster keeps (no copy of it): line → DISTINCT_* code
    # (its reason against the cluster's first kept record, or the rejected keeper it was compared with)
    kept_near: dict[int, str] = field(default_factory=dict)


def select_records(dataset: Dataset, scan: ScanResult, decisions: Mapping[int, Decision], *,
                   options: ExportOptions = ExportOptions(), include: str | None = None,
                   sample_lines: Sequence[int] | None = None, progress: ProgressSink | None = None,
                   cancel: CancelToken | None = None, cache: PlanCache | None = None) -> Selection:
    """Which records an export takes: decisions, validity, the include mode, conversion to the
    target format, duplicate keepers.

    The dashboard's "usable for export" count is ``len(select_records(...).eligible)``, and its
    near copies kept for a differing number come from ``kept_near``, so it agrees with the export by
    construction. ``cache`` (:class:`PlanCache`) reuses each duplicate cluster's outcome while
    nothing it reads has changed.
    """
    if include is None:
        include, _reason = resolve_include(options, decisions, sample_lines, flagged_lines(dataset, scan))
    # 1. eligibility of each record on its own (decision, validity, include mode, conversion)
    excluded: dict[int, str] = {}
    eligible: dict[int, Record] = {}      # line → record to export (fixed form for fixes)
    decision_of: dict[int, str] = {}
    converted: dict[int, tuple[bytes, list[str], list[str]]] = {}
    unconvertible: dict[int, str] = {}
    fix_keys: dict[int, bytes] = {}       # line → the fix's canonical JSON, for eligible fixed records

    def _view(obj):
        # a record read through --field is converted from its canonical fields, not the user's names
        return F.apply_mapping(obj, dataset.mapping) if dataset.mapping and isinstance(obj, dict) else obj

    def convertible(rec: Record, fixed: bool) -> bool:
        # A converted row must pass the target format's own checks (an OpenAI chat with only a
        # system prompt and an answer becomes an Alpaca row with no instruction at all). This is
        # checked before duplicates are reduced, so a cluster whose best member cannot be
        # converted keeps another member instead of exporting nothing.
        if options.format == "same" or (options.format == rec.format and not dataset.mapping):
            return True
        row, losses, dropped = _row_bytes(rec, _view(rec.data), rec.format, options.format, fixed, dataset.container)
        check = build_record(orjson.loads(row), line=rec.line, fmt=options.format, index=rec.index)
        if not check.valid:
            unconvertible[rec.line] = check.errors[0].message
            excluded[rec.line] = "unconvertible"
            return False
        converted[rec.line] = (row, losses, dropped)
        return True
    ticker = Ticker(progress, cancel, len(dataset.records), "Choosing records", every=5000)
    for i, rec in enumerate(dataset.records):
        ticker.tick(i)
        d = decisions.get(rec.line)
        if d is not None and d.status == REJECTED:
            excluded[rec.line] = "rejected"
            continue
        if d is not None and d.status == FIXED and d.fixed is not None:
            # key order normalised: a fix read back from the store may order keys differently
            # from the same fix held in memory, and the output must not depend on that
            fix_key = canonical_json(d.fixed)
            fixed_obj = json.loads(fix_key)
            fixed = build_record(fixed_obj, line=rec.line, fmt=rec.format if rec.format != "unknown" else dataset.format,
                                 mapping=dataset.mapping,
                                 index=rec.index)
            if not fixed.valid:
                excluded[rec.line] = "fixed_invalid"
                continue
            if not convertible(fixed, True):
                continue
            eligible[rec.line] = fixed
            fix_keys[rec.line] = fix_key
            decision_of[rec.line] = FIXED
            continue
        if not rec.valid:
            excluded[rec.line] = "invalid"
            continue
        if d is not None and d.status == SKIPPED:
            # "decide later": the reviewer looked and did not vouch for it (a clinician expected a
            # skipped record to stay out; it went to training as if nobody had seen it). Counted
            # as skipped whatever --include says (a trial: under "reviewed" it vanished into
            # "not reviewed", and counts.excluded.skipped, which scripts read, was missing)
            excluded[rec.line] = "skipped"
            continue
        if include == INCLUDE_REVIEWED and not _explicit(d):
            excluded[rec.line] = "not_reviewed"
            continue
        if not convertible(rec, False):
            continue
        eligible[rec.line] = rec
        decision_of[rec.line] = d.status if d is not None and d.status == APPROVED else UNREVIEWED

    # 2. contradictions: both sides eligible and not both decided → unresolved
    unresolved: list[Contradiction] = []
    for c in scan.contradictions:
        if c.a in eligible and c.b in eligible and not (_explicit(decisions.get(c.a)) and _explicit(decisions.get(c.b))):
            unresolved.append(c)

    # 3. duplicate clusters: only the keeper, unless the reviewer approved/fixed members
    parts = cache.duplicate_parts(dataset, scan) if cache is not None else _DuplicateParts.of(scan)
    memo = cache.component_memo(dataset, scan) if cache is not None else None
    clusters = parts.clusters
    warnings: list[str] = []
    empty_clusters = 0
    kept_distinct: list[tuple[int, int]] = []          # (keeper, kept member)
    kept_beside_left_out: list[tuple[int, int]] = []   # (rejected or invalid keeper, kept member)
    kept_near: dict[int, str] = {}                     # kept member → why (DISTINCT_*)
    ticker = Ticker(progress, cancel, len(parts.components), "Grouping near-duplicates", every=200)
    for i, comp in enumerate(parts.components):
        ticker.tick(i)
        suggested = parts.keepers_of.get(comp[0], [])
        result = None
        if memo is not None:
            # everything the component's outcome reads beyond the dataset and scan (held by identity)
            state = (tuple((ln in eligible, _explicit(decisions.get(ln)), fix_keys.get(ln)) for ln in comp),
                     tuple(bool(unconvertible.get(k)) for k in suggested))
            hit = memo.get(i)
            if hit is not None and hit[0] == state:
                result = hit[1]
                cache.reused["duplicates"] += 1
        if result is None:
            result = _reduce_component(comp, suggested, eligible, decisions, unconvertible, parts, dataset, cancel)
            if memo is not None:
                memo[i] = (state, result)
                cache.computed["duplicates"] += 1
        chosen, kept, empty = result
        for ln, anchor, why, beside_left_out in kept:
            (kept_beside_left_out if beside_left_out else kept_distinct).append((anchor, ln))
            kept_near[ln] = why
        if empty:
            empty_clusters += 1
        keep = set(chosen)
        for ln in comp:
            if ln in eligible and ln not in keep:
                del eligible[ln]
                excluded[ln] = "duplicate"
    if kept_distinct:
        a, b = kept_distinct[0]
        warnings.append(f"{len(kept_distinct)} near-duplicate(s) kept beside their cluster's keeper: their "
                        f"question differs in an essential word, or the two contradict (e.g. {unit_of(dataset)}s "
                        f"{a} and {b}); "
                        "both stay on the same side of the split")
    if kept_beside_left_out:
        a, b = kept_beside_left_out[0]
        warnings.append(f"{len(kept_beside_left_out)} near-duplicate(s) of a rejected or invalid keeper are "
                        f"exported: their question differs in an essential word from it, or the two contradict "
                        f"(e.g. {unit_of(dataset)} {b} is exported, {unit_of(dataset)} {a} is not)")
    if empty_clusters:
        warnings.append(f"{empty_clusters} duplicate cluster(s) export nothing: their suggested keeper was "
                        "rejected or invalid and no other member was approved")
    if unconvertible:
        first = min(unconvertible)
        warnings.append(f"{len(unconvertible)} record(s) left out: their {options.format} form would not pass "
                        f"the {options.format} checks (e.g. {unit_of(dataset)} "
                        f"{first}: {unconvertible[first]})")

    if include == INCLUDE_REVIEWED and not decisions:
        warnings.append("no decisions exist, so 'reviewed only' exports nothing")
    left_unreviewed = sum(1 for why in excluded.values() if why == "not_reviewed")
    if options.include is None and include == INCLUDE_REVIEWED and left_unreviewed:
        # the automatic mode switched to "reviewed only" (e.g. after resolving a few findings):
        # say how much that leaves out, and how to export the rest
        warnings.append(f"{left_unreviewed:,} valid record(s) nobody approved are left out: records without "
                        "findings were decided without a review sample, so only approved and fixed ones go in; choose "
                        "'--include unrejected' (window: Include › Everything not rejected) to export them too")

    return Selection(eligible, excluded, decision_of, unresolved, clusters, warnings, converted, kept_near)


def plan_export(dataset: Dataset, scan: ScanResult, decisions: Mapping[int, Decision], *,
                options: ExportOptions = ExportOptions(), sample_lines: Sequence[int] | None = None,
                estimate: object = None, project_path: str | os.PathLike | None = None,
                progress: ProgressSink | None = None, cancel: CancelToken | None = None,
                cache: PlanCache | None = None) -> ExportPlan:
    """Decide what an export would write, without writing anything.

    Parameters
    ----------
    dataset, scan
        the loaded file and its scan (duplicates, contradictions, thresholds).
    decisions
        line → current :class:`Decision` (records without one are unreviewed).
    sample_lines
        the lines of the review sample when the review was a sample; ``None`` otherwise.
    estimate
        the acceptance estimate of a sample review (stored in the manifest as given).
    cache
        a :class:`PlanCache` kept between plans of one dataset (the export dialog's): the duplicate
        step and the split with its leakage check are reused while nothing they read changed. The
        plan is the same with or without it.

    Raises ``ValueError`` for options that make no sense (fraction not in (0, 1),
    unknown format or include mode); everything else a user can fix is a
    :class:`Blocker` in the returned plan.
    """
    if options.format not in TARGET_FORMATS:
        raise ValueError(f"format must be one of {', '.join(TARGET_FORMATS)}, got {options.format!r}")
    if not 0.0 < options.eval_fraction < 1.0:
        raise ValueError(f"eval fraction must be between 0 and 1 (exclusive), got {options.eval_fraction}")
    include, reason = resolve_include(options, decisions, sample_lines, flagged_lines(dataset, scan))
    near_threshold = float(options.near_threshold if options.near_threshold is not None
                           else scan.settings.get("near_threshold", DEFAULT_NEAR_THRESHOLD))
    check_cancel(cancel)

    sel = select_records(dataset, scan, decisions, options=options, include=include, progress=progress,
                         cancel=cancel, cache=cache)
    eligible, excluded, decision_of = sel.eligible, sel.excluded, sel.decision_of
    unresolved, clusters, warnings = sel.unresolved, sel.clusters, sel.warnings
    # unreviewed records go in on a sample's evidence (the include mode was left to the review):
    # a sample that shows they are not clean blocks (below), one that does not show they are clean warns
    on_sample = options.include is None and include == INCLUDE_UNREJECTED and bool(sample_lines)
    verdict = sample_verdict(estimate) if on_sample else None
    if on_sample and not verdict:
        evidence = _sample_evidence(estimate)
        if evidence:
            warnings.insert(0, evidence)
    linted = _unreviewed_lint(scan, sel)
    if linted:
        warnings.append(linted)

    # 4. project each record to the target format
    records = [eligible[ln] for ln in sorted(eligible)]
    rows: dict[int, bytes] = {}
    losses: Counter[str] = Counter()
    dropped_fields: Counter[str] = Counter()
    ticker = Ticker(progress, cancel, len(records), "Converting records", every=2000)
    for i, rec in enumerate(records):
        ticker.tick(i)
        # converted on the way in (select_records); otherwise the row is the record as it is
        row, rec_losses, dropped = sel.converted.get(rec.line) or _row_bytes(
            rec, rec.data, rec.format, options.format, decision_of[rec.line] == FIXED, dataset.container)
        rows[rec.line] = row
        losses.update(set(rec_losses))
        dropped_fields.update(dropped)

    # 5. split: group-aware (near/exact clusters and contradiction pairs), seeded, stratified
    links: list[tuple[int, ...]] = [lines for lines, _ in clusters]
    links += [(c.a, c.b) for c in scan.contradictions]
    blockers: list[Blocker] = []
    split: SplitResult | None = None
    leakage: LeakageResult | None = None
    leak_merges = 0
    if records:
        labels = stratum_labels(records, options.stratify) if options.stratify else None
        if labels and options.stratify not in ("format", "length") and set(labels.values()) == {MISSING}:
            have = sorted({k for r in records[:500] if isinstance(r.data, dict) for k in r.data})
            blockers.append(Blocker("strata", f"no record has the field {options.stratify!r} to stratify by "
                                    f"(fields the records have: {', '.join(have[:12]) or 'none'}; nested "
                                    "fields are written with dots, e.g. meta.category)"))
        discount = cache.discount(dataset, scan, cancel) if cache is not None else leak_discount(dataset, scan,
                                                                                                  cancel=cancel)
        texts = {rec.line: leak_text(_reparse_turns(rows[rec.line], options.format, rec), discount)
                 for rec in records}
        split_key: tuple | None = None
        cached = None
        if cache is not None:
            # everything the split and the leakage check read (links: the scan's, held by identity)
            lines_in = tuple(rec.line for rec in records)
            split_key = (lines_in, options.eval_fraction, options.seed, options.stratify,
                         tuple(labels.get(ln) for ln in lines_in) if labels is not None else None,
                         near_threshold, _texts_digest(lines_in, texts), json.dumps(discount, sort_keys=True))
            cached = cache.split(dataset, scan, split_key)
        if cached is not None:
            split, leakage, leak_merges = cached[0], replace(cached[1], pairs=list(cached[1].pairs)), cached[2]
        else:
            split, leakage, leak_merges = _split_and_check(records, links, texts, labels, options, near_threshold,
                                                           progress, cancel)
            if cache is not None and split_key is not None:
                cache.store_split(dataset, scan, split_key, (split, replace(leakage, pairs=list(leakage.pairs)),
                                                             leak_merges))
        assert split is not None and leakage is not None
        leakage.discounted = discount
        if leakage.pairs:
            blockers.append(Blocker("leakage", f"{len(leakage.pairs)} train/eval pair(s) are still at or above "
                                    f"{near_threshold:g} similar after {MAX_LEAK_ROUNDS} rounds of grouping",
                                    tuple(sorted({x for p in leakage.pairs for x in (p.a, p.b)}))))
        if not split.eval or not split.train:
            side = "eval" if not split.eval else "train"
            n_groups, biggest = len(split.groups), max((len(g) for g in split.groups), default=0)
            why = ""
            if biggest > 1 and (n_groups <= 2 or biggest * 2 > len(records)):
                # the usual cause on templated data: one near-duplicate group holds most records
                why = (f" — they form {n_groups:,} group(s) that must each stay on one side (near-duplicates, "
                       f"contradicting pairs), the largest with {biggest:,} records")
            blockers.append(Blocker("empty", f"the {side} split would be empty: {len(records)} record(s) at "
                                    f"fraction {options.eval_fraction:g}{why}"))
        for msg in split.problems():
            warnings.append(msg)
        if (options.format == "openai" or (options.format == "same" and dataset.format == "openai")) \
                and 0 < len(split.train) < OPENAI_MIN_EXAMPLES:
            warnings.append(f"train.jsonl has {len(split.train)} example(s): OpenAI fine-tuning requires at least "
                            f"{OPENAI_MIN_EXAMPLES} per training file (and recommends starting with about 50)")
        if options.format == "same" and dataset.format == "openai":
            outside = sum(1 for rec in records if isinstance(rec.data, dict) and rec.data.get("system"))
            if outside:
                warnings.append(f"{outside:,} record(s) carry their system prompt in a top-level 'system' field, "
                                "which OpenAI's chat format does not have: trainers that read 'messages' (OpenAI, "
                                "TRL, Axolotl's chat_template) ignore it — export with --format openai to move it "
                                "into a system message")
        if options.format == "same" and dataset.format == "prompt-completion":
            stops = sum(1 for rec in records if convert.strip_stop_token(rec.response) is not None)
            if stops:
                warnings.append(f"{stops:,} completion(s) end with a literal stop token such as '<|endoftext|>', "
                                "kept as written (OpenAI's legacy fine-tuning asked for one); TRL and other "
                                "trainers add the tokenizer's own end-of-sequence token, so a literal one is "
                                "trained twice or as text — export with --format openai to drop it")
        if leak_merges:
            warnings.append(f"the leakage check tied {leak_merges} train/eval pair(s) the scan had not linked "
                            "(near-duplicates it missed or fixed texts) and re-split")
    else:
        why = ""
        if include == INCLUDE_REVIEWED:
            why = " (include: reviewed, and nothing is approved or fixed)"
        elif excluded and all(r == "invalid" for r in excluded.values()):
            # e.g. a file that needs --format/--field to be read: say what is wrong with it
            first = dataset.by_line(min(excluded))
            problem = f": {first.errors[0].message}" if first is not None and first.errors else ""
            why = (f": all {len(excluded):,} records are invalid (e.g. {unit_of(dataset)} "
                   f"{first.line if first else ''}{problem}); "
                   "`curator validate` lists every problem")
        blockers.append(Blocker("empty", "no record qualifies for export" + why))

    if unresolved and not options.allow_contradictions:
        lines = tuple(sorted({x for c in unresolved for x in (c.a, c.b)}))
        listing = "; ".join(f"{unit_of(dataset)}s {c.a} and {c.b} (prompt {c.prompt_similarity:.0f}, "
                            f"response {c.response_similarity:.0f})" for c in unresolved[:20])
        more = f"; and {len(unresolved) - 20} more" if len(unresolved) > 20 else ""
        blockers.insert(0, Blocker("unresolved_contradictions",
                                   f"{len(unresolved)} unresolved contradiction(s): {listing}{more}. Decide them "
                                   "in review, or export anyway with --allow-contradictions", lines))
    if verdict:
        blockers.insert(0, Blocker("sample_defects", verdict))
    if fraction_needs_confirmation(options.eval_fraction) and not options.confirm_fraction:
        blockers.append(Blocker("fraction", f"eval fraction {options.eval_fraction:g} is outside the recommended "
                                "5–50%; confirm it (CLI: --force) to export"))

    split_of = split.split_of() if split else {}
    group_of: dict[int, int] = {}
    if split:
        for g in split.groups:
            if len(g) > 1:
                for x in g:
                    group_of[x] = g[0]
    entries = [PlanEntry(rec.line, split_of[rec.line], decision_of[rec.line], rows[rec.line],
                         group_of.get(rec.line)) for rec in records] if split else []
    thresholds = {"near_duplicate": near_threshold, "leakage_scorer": leakage.scorer if leakage else None}
    for key in ("prompt_threshold", "response_threshold"):
        if key in scan.settings:
            thresholds[key.replace("_threshold", "")] = scan.settings[key]
    return ExportPlan(
        dataset=dataset, options=options, include=include, include_reason=reason, entries=entries,
        excluded=dict(sorted(excluded.items())), split=split, leakage=leakage, blockers=blockers,
        warnings=warnings, unresolved_contradictions=unresolved, losses=dict(losses),
        dropped_fields=dict(dropped_fields), leak_merges=leak_merges, thresholds=thresholds,
        estimate=estimate, sample_size=len(sample_lines) if sample_lines else None,
        project_path=str(project_path) if project_path else None,
        reviewers=_reviewers(entries, decisions))


def _reviewers(entries: Sequence[PlanEntry], decisions: Mapping[int, Decision]) -> dict[str, int]:
    """reviewer → exported records they approved or fixed, most first."""
    return reviewer_totals(d for e in entries if _explicit(d := decisions.get(e.line)) and d.reviewer)


def _split_and_check(records: list[Record], links: list[tuple[int, ...]], texts: Mapping[int, str],
                     labels: dict[int, str] | None, options: ExportOptions, near_threshold: float,
                     progress: ProgressSink | None, cancel: CancelToken | None
                     ) -> tuple[SplitResult, LeakageResult, int]:
    """Split group-aware and run the leakage check; tie the cross-split pairs it finds and split
    again until none is left (or MAX_LEAK_ROUNDS). Returns (split, leakage, pairs tied)."""
    links = list(links)
    split: SplitResult | None = None
    leakage: LeakageResult | None = None
    leak_merges = 0
    label_fn = (lambda _r, _f: labels) if labels is not None else stratum_labels
    prev: dict[int, str] | None = None
    for _round in range(MAX_LEAK_ROUNDS):
        split = make_split(records, links, eval_fraction=options.eval_fraction, seed=options.seed,
                           stratify=options.stratify, label_fn=label_fn)
        side = split.split_of()
        if prev is None:
            leakage = check_leakage([(ln, texts[ln]) for ln in split.train],
                                    [(ln, texts[ln]) for ln in split.eval],
                                    threshold=near_threshold, progress=progress, cancel=cancel)
            pairs = leakage.pairs
        else:
            # Pairs whose two records kept their sides were compared in an earlier round (and
            # any violation among them is now tied): compare only what moved.
            moved = {ln for ln in side if side[ln] != prev[ln]}
            ev_moved = [(ln, texts[ln]) for ln in split.eval if ln in moved]
            ev_stay = [(ln, texts[ln]) for ln in split.eval if ln not in moved]
            tr_moved = [(ln, texts[ln]) for ln in split.train if ln in moved]
            # by the first check's method: train × a few moved records fits the exhaustive
            # limit, but at 72k train records of 700 characters that was 72 s of cdist per export
            # on a templated file, for a check the first round ran on candidates
            pairs = check_leakage([(ln, texts[ln]) for ln in split.train], ev_moved,
                                  threshold=near_threshold, method=leakage.method, cancel=cancel).pairs
            pairs += check_leakage(tr_moved, ev_stay, threshold=near_threshold, method=leakage.method,
                                   cancel=cancel).pairs
        if not pairs:
            break
        leak_merges += len(pairs)
        links += [(p.a, p.b) for p in pairs]
        prev = side
    if prev is not None:
        # the split changed after the first full check: report the final one in full
        leakage = check_leakage([(ln, texts[ln]) for ln in split.train], [(ln, texts[ln]) for ln in split.eval],
                                threshold=near_threshold, progress=progress, cancel=cancel)
    assert split is not None and leakage is not None
    return split, leakage, leak_merges


def _reparse_turns(row: bytes, target: str, rec: Record):
    """The canonical turns of an output row, exactly as ``verify`` will see them."""
    from .verify import row_turns

    turns = row_turns(orjson.loads(row))
    return turns or rec.turns


# --- writing ---------------------------------------------------------------------------------


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def render_manifest(plan: ExportPlan, files: Mapping[str, bytes]) -> bytes:
    """The manifest document (deterministic: no clock, sorted where order is free)."""
    ds = plan.dataset
    o = plan.options
    doc = {
        "manifest_version": MANIFEST_VERSION,
        "curator_version": __version__,
        "source": {"path": str(Path(ds.path).resolve()), "sha256": ds.sha256, "bytes": ds.size,
                   "format": ds.format, "container": ds.container, "records": len(ds.records)},
        "project": plan.project_path,
        "options": {"eval_fraction": o.eval_fraction, "seed": o.seed, "stratify": o.stratify,
                    "format": o.format, "include": plan.include, "include_reason": plan.include_reason,
                    "allow_contradictions": o.allow_contradictions},
        "thresholds": plan.thresholds,
        "counts": plan.counts(),
        "strata": {k: s.to_json() for k, s in plan.split.strata.items()} if plan.split else {},
        "target_eval": plan.split.target_eval if plan.split else 0,
        "files": {name: {"sha256": _sha256(data), "bytes": len(data),
                         **({"records": data.count(b"\n")} if name.endswith(".jsonl") else {})}
                  for name, data in files.items()},
        "leakage": plan.leakage.to_json() if plan.leakage else None,
        "leak_merges": plan.leak_merges,
        "conversion": {"from": ds.format, "to": o.format, "losses": plan.loss_report()},
        "contradictions_allowed": [{"a": c.a, "b": c.b} for c in plan.unresolved_contradictions]
        if o.allow_contradictions else [],
        "sample_size": plan.sample_size,
        "estimate": _estimate_json(plan.estimate),
        "reviewers": plan.reviewers,
        "warnings": list(plan.warnings),
        "records": [{"line": e.line, "split": e.split, "decision": e.decision, "group": e.group,
                     "sha256": e.sha256()} for e in plan.entries],
    }
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode()


def render_files(plan: ExportPlan) -> dict[str, bytes]:
    """Every output file's bytes, manifest last (it hashes the others)."""
    train = b"".join(e.output + b"\n" for e in plan.entries if e.split == "train")
    evl = b"".join(e.output + b"\n" for e in plan.entries if e.split == "eval")
    files = {TRAIN_FILE: train, EVAL_FILE: evl}
    files[README_FILE] = render_readme(plan).encode()
    files[MANIFEST_FILE] = render_manifest(plan, files)
    return files


def render_readme(plan: ExportPlan) -> str:
    """The short README written beside the pair: what it is and how each trainer loads it."""
    c = plan.counts()
    o = plan.options
    fmt = o.format if o.format != "same" else plan.dataset.format
    lk = plan.leakage
    present: set[str] = set()
    for e in plan.entries:
        obj = orjson.loads(e.output)
        if isinstance(obj, dict):
            present.update(obj)

    def opt(key: str) -> dict:
        # LLaMA-Factory looks every mapped column up, so map only columns the rows have
        return {key: key} if key in present else {}

    lines = [
        "# Curated train/eval split",
        "",
        f"Exported by Curator {__version__} from `{Path(plan.dataset.path).name}` "
        f"(SHA-256 `{plan.dataset.sha256[:16]}…`): {c['train']} train and {c['eval']} eval records, "
        f"format `{fmt}`, eval fraction {o.eval_fraction:g}, seed {o.seed}"
        + (f", stratified by `{o.stratify}`" if o.stratify else "") + ".",
        "",
        "Near-duplicates, exact duplicates and contradiction pairs were kept on one side of the split; "
        + (f"{similarity_words(lk.max_score, lk.compared, lk.threshold, 2, lk.method)}, {lk.scorer}." if lk else "")
        ,
        "`manifest.json` lists every record's source line, split and SHA-256; "
        "re-check this folder with `curator verify .`.",
        "",
        *([("Reviewed by " + ", ".join(f"{name} ({n:,} approved or fixed)" for name, n in plan.reviewers.items())
            + f"; {c['by_decision'].get(UNREVIEWED, 0):,} exported records were not reviewed."), ""]
          if plan.reviewers else []),
        "## Hugging Face datasets",
        "",
        "```python",
        "from datasets import load_dataset",
        'ds = load_dataset("json", data_files={"train": "train.jsonl", "test": "eval.jsonl"})',
        "```",
        "",
        "Loading the folder by name (`load_dataset(\"path/to/this/folder\")`) also works: "
        "`datasets` maps a file named `eval` to its **\"test\"** split, not \"validation\".",
        "",
    ]
    if fmt in ("openai", "sharegpt"):
        field = "messages" if fmt == "openai" else "conversations"
        lines += [
            "## TRL (SFTTrainer)",
            "",
            "```python",
            "from trl import SFTConfig, SFTTrainer",
            "trainer = SFTTrainer(model=model, train_dataset=ds[\"train\"], eval_dataset=ds[\"test\"],",
            "                     args=SFTConfig(assistant_only_loss=True))",
            "```",
            "",
        ]
        if fmt == "sharegpt":
            lines += ["TRL reads `messages` with `role`/`content`; rename first, e.g. with "
                      "`unsloth.chat_templates.standardize_sharegpt`, or export with `--format openai`.", ""]
        lines += [
            "## Axolotl",
            "",
            "```yaml",
            "datasets:",
            "  - path: train.jsonl",
            "    type: chat_template",
            f"    field_messages: {field}",
        ]
        # Axolotl maps human/user/gpt/assistant/system/tool by default (FORMATS.md 1.3); the tool
        # turns of a ShareGPT export are named function_call/observation
        sg_tools = fmt == "sharegpt" and any(b'"from":"function_call"' in e.output or b'"from":"observation"'
                                             in e.output for e in plan.entries)
        sg_roles = ["    roles:", "      assistant: [gpt, function_call]", "      user: [human]",
                    "      tool: [observation]", "      system: [system]"] if sg_tools else []
        # the same mapping under datasets: and test_datasets:
        sg_mapping = ["    message_property_mappings:", "      role: from", "      content: value", *sg_roles]
        if fmt == "sharegpt":
            lines += sg_mapping
        lines += [
            "test_datasets:",
            "  - path: eval.jsonl",
            "    type: chat_template",
            f"    field_messages: {field}",
            "    split: train        # a single local file loads as the 'train' split",
        ]
        if fmt == "sharegpt":
            lines += sg_mapping
        lines += ["```", ""]
        if fmt == "sharegpt" and any(b'"system":' in e.output for e in plan.entries):
            lines += ["System prompts are in a separate `system` column (LLaMA-Factory's convention), which "
                      "Axolotl's `chat_template` does not read: export with `--format openai` to keep them in "
                      "the conversation.", ""]
        if fmt == "openai":
            lines += ["If answers carry `weight` 0/1, add `message_field_training: weight` to honour them.", ""]
        if fmt == "openai":
            # LLaMA-Factory's "openai" formatting turns tool_calls/tool messages into function
            # and observation turns; plain chats read fine as sharegpt with role/content tags
            has_calls = any(b'"tool_calls"' in e.output for e in plan.entries)
            info = {"curated_train": {"file_name": "train.jsonl",
                                      "formatting": "openai" if has_calls else "sharegpt",
                                      "columns": {"messages": "messages", **opt("tools")},
                                      "tags": {"role_tag": "role", "content_tag": "content", "user_tag": "user",
                                               "assistant_tag": "assistant", "system_tag": "system",
                                               "observation_tag": "tool"}}}
        else:
            info = {"curated_train": {"file_name": "train.jsonl", "formatting": "sharegpt",
                                      "columns": {"messages": "conversations", **opt("system"),
                                                  **opt("tools")}}}
    elif fmt == "alpaca":
        lines += [
            "## TRL (SFTTrainer)",
            "",
            "TRL does not read Alpaca fields directly: map each row to "
            "`{\"prompt\": instruction + \"\\n\" + input, \"completion\": output}` with `ds.map(...)`, "
            "or export with `--format openai`.",
            "",
            "## Axolotl",
            "",
            "```yaml",
            "datasets:",
            "  - path: train.jsonl",
            "    type: alpaca",
            "test_datasets:",
            "  - path: eval.jsonl",
            "    type: alpaca",
            "    split: train        # a single local file loads as the 'train' split",
            "```",
            "",
        ]
        info = {"curated_train": {"file_name": "train.jsonl",
                                  "columns": {"prompt": "instruction", "query": "input", "response": "output",
                                              **opt("system"), **opt("history")}}}
    else:
        lines += [f"Records are in `{fmt}` format; see the trainer's documentation for that layout, or "
                  "re-export with `--format openai` for TRL, Axolotl and LLaMA-Factory.", ""]
        info = None
    if info is not None:
        ev = json.loads(json.dumps(info["curated_train"]))
        ev["file_name"] = "eval.jsonl"
        info["curated_eval"] = ev
        lines += [
            "## LLaMA-Factory",
            "",
            "Put this in `dataset_info.json` in your `dataset_dir` (copy the two files there, or point "
            "`dataset_dir` at this folder), then set `dataset: curated_train` and `eval_dataset: curated_eval`:",
            "",
            "```json",
            json.dumps(info, indent=2),
            "```",
            "",
        ]
    losses = plan.loss_report()
    if losses:
        lines += ["## What the conversion dropped", ""]
        lines += [f"- {item['text']} ({item['records']} records)" for item in losses]
        lines.append("")
    return "\n".join(lines)


def _new_file_mode(folder: Path) -> int:
    """The permission bits a plain ``open(path, "w")`` gives a new file in ``folder`` (0666 less
    the umask), found without setting the umask (process-wide: the window has threads)."""
    try:   # Linux
        with open("/proc/self/status", encoding="ascii") as fh:
            return 0o666 & ~next(int(x.split()[1], 8) for x in fh if x.startswith("Umask:"))
    except (OSError, StopIteration, ValueError, IndexError):
        return _probe_file_mode(folder)


def _probe_file_mode(folder: Path) -> int:
    """The mode a new file gets in ``folder``: create one with 0666 and look (macOS, Windows)."""
    fd, probe = tempfile.mkstemp(prefix=".mode.", dir=folder)
    os.close(fd)
    try:
        os.unlink(probe)
        fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        os.close(fd)
        return os.stat(probe).st_mode & 0o777
    finally:
        try:
            os.unlink(probe)
        except OSError:
            pass


def _fsync_dir(path: Path) -> None:
    if os.name == "nt":  # directories cannot be opened for fsync on Windows; rename is durable enough
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def check_destination(source: str | os.PathLike, out_dir: str | os.PathLike, *, force: bool = False) -> Path:
    """Raise :class:`ExportError` when ``out_dir`` cannot take an export of ``source``; return it.

    Cheap: a dialog or the CLI can call it before planning.
    """
    out = Path(out_dir).expanduser()
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out}: exists and is not a folder")
    if not out.exists() and not out.parent.is_dir():
        raise ExportError(f"{out}: the parent folder {out.parent} does not exist")
    source = Path(source).resolve()
    for name in OUTPUT_FILES:
        if (out / name).resolve() == source:
            raise ExportError(f"{out / name} is the source dataset; choose another folder")
    existing = [name for name in OUTPUT_FILES if (out / name).exists()]
    if existing and not force:
        raise ExportExists(f"{out} already holds an export ({', '.join(existing)}); pass --force to replace it")
    target = out if out.exists() else out.parent
    if not os.access(target, os.W_OK | os.X_OK):
        raise ExportError(f"{target}: folder is not writable")
    return out


# --- writing: a whole export or none, even when the process is killed ---------------------------
#
# The files are written into a fresh hidden folder beside DIR, fsynced, and the folder is swapped in:
# a fresh export renames it to DIR; --force over an export exchanges the two folders in one step
# (Linux renameat2 RENAME_EXCHANGE) or, elsewhere, renames DIR to a hidden backup and the new folder
# to DIR, then deletes what it replaced. DIR is always the old export or the new one (or absent
# while a fresh export is written; on systems without the exchange, absent for the instant between
# the two renames — the next export restores the backup). That needs a DIR holding nothing but an
# export, on the same filesystem as its parent: a DIR that also holds other files (the user's own:
# they are never moved) or is a mount point is written in place, with a rollback journal — the old
# files are moved into a hidden backup folder first, and a run killed halfway is rolled back by the
# next export (verify reports the folder until then). Every leftover is named
# ``.DIR.curator-{new,old}-PID-TAG`` beside DIR or ``.curator-{new,old,partial,trash}-PID-TAG`` in
# it, so the next run recognises it (and leaves alone a live process's).

# Test-only: when set to a point's name, write_export stops there (after saying so on stderr) until
# the process is signalled, so a test can kill it at exactly that point. Points: "staged" (new files
# written and fsynced, nothing swapped), "moved-old" (DIR renamed to its backup, two-rename swap only),
# "swapped" (new folder in place, old one not yet deleted), "backed-up" / "moving" (in-place mode:
# old files in the backup / the first new file moved in).
TEST_PAUSE_ENV = "CURATOR_TEST_EXPORT_PAUSE"
_USE_EXCHANGE = True          # tests turn it off to exercise the two-rename swap on Linux
_IN_FOLDER_LEFTOVER = r"\.curator-(new|old|partial|trash)-(\d+)-[0-9a-f]+"
_OLD_TEMP_FILE = r"\.(?:train\.jsonl|eval\.jsonl|README\.md|manifest\.json)\.[^/\\]+\.tmp"   # before 0.x: per-file temps


def _test_pause(point: str) -> None:
    if os.environ.get(TEST_PAUSE_ENV) != point:
        return
    import sys
    import time

    sys.stderr.write(f"curator-test-pause: {point}\n")
    sys.stderr.flush()
    while True:            # until a signal's handler raises, or SIGKILL
        time.sleep(60)


def _alive(pid: int) -> bool:
    """Whether the process that named a leftover still runs (its export is in progress)."""
    if pid == os.getpid() or os.name == "nt":   # our own pid: a dead run's, reused; Windows: no cheap probe
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _sibling_pattern(name: str):
    import re

    return re.compile(r"\." + re.escape(name) + r"\.curator-(new|old)-(\d+)-[0-9a-f]+")


def export_leftovers(out_dir: str | os.PathLike) -> list[Path]:
    """Hidden files and folders an interrupted export left inside ``out_dir`` (any process, live or
    not): staging/backup folders of the in-place write, and per-file temps of older versions."""
    import re

    folder = Path(out_dir)
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    pat = re.compile(f"{_IN_FOLDER_LEFTOVER}|{_OLD_TEMP_FILE}")
    return [folder / n for n in names if pat.fullmatch(n)]


def _rmtree(path: Path) -> None:
    """Delete a leftover file or folder, best effort; a Ctrl-C/SIGTERM that lands in the middle
    (the usual moment: it comes while an interrupted export cleans up) finishes the job first."""
    import shutil

    def remove() -> None:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                path.unlink()
            except OSError:
                pass

    try:
        remove()
    except KeyboardInterrupt:
        remove()
        raise


def _roll_back_in_folder(folder: Path, entry: Path, kind: str) -> None:
    """Undo one in-place write's step: ``partial`` (old files being moved out: move them back),
    ``old`` (complete backup: the export files in ``folder`` may be new ones, drop them and move the
    old back), ``new``/``trash`` (staged new files / a replaced export: delete)."""
    if kind in ("partial", "old"):
        if kind == "old":
            for name in OUTPUT_FILES:
                try:
                    os.unlink(folder / name)
                except FileNotFoundError:
                    pass
        for child in os.listdir(entry):
            os.replace(entry / child, folder / child)
        _fsync_dir(folder)
        entry.rmdir()
    else:
        _rmtree(entry)
    _fsync_dir(folder)


def recover_destination(out_dir: str | os.PathLike) -> list[str]:
    """Clean up after an export of ``out_dir`` that was killed; return what was done, in words.

    Beside DIR: a staged new folder is deleted; a backup of DIR is renamed back when DIR is absent
    (killed between the two renames), deleted otherwise. In DIR (in-place writes): a backup is
    moved back over any new files, staged files and old per-file temps are deleted. Leftovers whose
    process still runs are left alone. Raises OSError when a restore fails.
    """
    import re

    out = Path(out_dir).expanduser()
    real = Path(os.path.realpath(out))
    done: list[str] = []
    pat = _sibling_pattern(real.name)
    try:
        siblings = sorted(os.listdir(real.parent))
    except OSError:
        siblings = []
    for name in siblings:
        m = pat.fullmatch(name)
        if not m or _alive(int(m[2])):
            continue
        p = real.parent / name
        if m[1] == "old" and not os.path.lexists(real) and (p / MANIFEST_FILE).is_file():
            os.rename(p, real)
            _fsync_dir(real.parent)
            done.append(f"restored the export in {out} from {p.name} (a replacement was interrupted)")
        else:
            _rmtree(p)
            done.append(f"removed {p} (left by an interrupted export)")
    if not real.is_dir():
        return done
    inner = re.compile(_IN_FOLDER_LEFTOVER)
    order = {"partial": 0, "old": 1, "new": 2, "trash": 3}
    found = []
    for p in export_leftovers(real):
        m = inner.fullmatch(p.name)
        if m is None:
            _rmtree(p)                       # an old version's per-file temp
            done.append(f"removed {p} (left by an interrupted export)")
        elif not _alive(int(m[2])):
            found.append((order[m[1]], m[1], p))
    for _, kind, p in sorted(found):
        _roll_back_in_folder(real, p, kind)
        done.append(f"restored the export in {out} from {p.name} (a replacement was interrupted)"
                    if kind in ("partial", "old") else f"removed {p} (left by an interrupted export)")
    return done


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where that is unavailable
    (other systems, old libc, a filesystem that refuses it) — the caller then renames twice."""
    import sys

    if not _USE_EXCHANGE or not sys.platform.startswith("linux"):
        return False
    import ctypes
    import errno

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _new_dir_mode(folder: Path) -> int:
    """The mode a plain ``mkdir`` gives a new folder here (0777 less the umask; x where r)."""
    m = _new_file_mode(folder)
    return m | ((m & 0o444) >> 2)


def _stage(folder: Path, files: Mapping[str, bytes], progress, cancel) -> None:
    """Write each file into the (private) staging folder with a new file's usual mode; fsync all."""
    for i, (name, data) in enumerate(files.items()):
        check_cancel(cancel)
        if progress:
            progress.update(done=i, total=len(files), label=f"Writing {name}")
        # 0666 less the umask, like open(): exports are read by training jobs, often as another user
        fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    _fsync_dir(folder)
    check_cancel(cancel)


def _swappable(real: Path) -> bool:
    """Whether DIR can be replaced as a whole folder: absent, or holding nothing but an export's
    files, not a mount point, on its parent's filesystem, in a parent we may write."""
    if not real.exists():
        return True
    try:
        if any(n not in OUTPUT_FILES for n in os.listdir(real)) or os.path.ismount(real):
            return False
        return os.access(real.parent, os.W_OK | os.X_OK) and os.stat(real).st_dev == os.stat(real.parent).st_dev
    except OSError:
        return False


def _write_swapping(real: Path, files: Mapping[str, bytes], progress, cancel) -> None:
    import secrets

    parent, pid = real.parent, os.getpid()
    existed = real.exists()
    mode = (os.stat(real).st_mode & 0o7777) if existed else _new_dir_mode(parent)
    stage = Path(tempfile.mkdtemp(prefix=f".{real.name}.curator-new-{pid}-", dir=parent))
    # mkdtemp's random part may hold letters outside [0-9a-f]: give the folder a name recovery knows
    named = parent / f".{real.name}.curator-new-{pid}-{secrets.token_hex(4)}"
    os.rename(stage, named)
    stage = named
    drop = stage          # what to delete when this call ends, however it ends
    try:
        _stage(stage, files, progress, cancel)
        os.chmod(stage, mode)
        _test_pause("staged")
        if not existed:
            os.rename(stage, real)
            drop = None
            _fsync_dir(parent)
        elif _exchange(stage, real):
            _fsync_dir(parent)         # committed; `stage` now holds the old export
            _test_pause("swapped")
        else:
            backup = parent / f".{real.name}.curator-old-{pid}-{secrets.token_hex(4)}"
            os.rename(real, backup)
            try:
                _test_pause("moved-old")
                os.rename(stage, real)
            except BaseException:
                os.rename(backup, real)
                raise
            drop = backup              # committed
            _fsync_dir(parent)
            _test_pause("swapped")
    finally:
        if drop is not None:
            _rmtree(drop)


def _write_in_place(real: Path, files: Mapping[str, bytes], progress, cancel) -> None:
    """DIR holds other files too (or cannot be renamed): stage inside it, move the old export files
    into a backup folder (renamed complete when all are in), move the new ones in (manifest last),
    then commit by renaming the backup to trash. Any failure rolls back to the old files."""
    import secrets

    tag = f"{os.getpid()}-{secrets.token_hex(4)}"
    stage, partial = real / f".curator-new-{tag}", real / f".curator-partial-{tag}"
    backup, trash = real / f".curator-old-{tag}", real / f".curator-trash-{tag}"
    stage.mkdir(mode=0o700)
    committed = False
    try:
        _stage(stage, files, progress, cancel)
        _test_pause("staged")
        partial.mkdir(mode=0o700)
        for name in OUTPUT_FILES:
            if os.path.lexists(real / name):
                os.rename(real / name, partial / name)
        _fsync_dir(partial)
        os.rename(partial, backup)
        _fsync_dir(real)
        _test_pause("backed-up")
        for i, name in enumerate(files):     # manifest is last in `files`
            os.rename(stage / name, real / name)
            if i == 0:
                _test_pause("moving")
        _fsync_dir(real)
        os.rename(backup, trash)             # the commit: from here the new export stands
        committed = True
        _fsync_dir(real)
        _rmtree(trash)
        _rmtree(stage)
    except BaseException:
        if not committed:
            for entry, kind in ((partial, "partial"), (backup, "old"), (stage, "new")):
                if entry.exists():
                    _roll_back_in_folder(real, entry, kind)
        raise


def write_export(plan: ExportPlan, out_dir: str | os.PathLike, *, force: bool = False,
                 progress: ProgressSink | None = None, cancel: CancelToken | None = None) -> dict:
    """Write the plan's files into ``out_dir`` as one whole export; return the manifest (parsed).

    ``out_dir`` is created when its parent exists. The files are written into a
    hidden folder beside it, fsynced, and swapped in whole (see the comment
    above), so at every instant — even if the process is killed — ``out_dir``
    holds the old export or the new one, never a mix. Leftovers of a killed
    run are cleaned up first (:func:`recover_destination`). On any error or
    interrupt everything this call wrote is removed and an existing export
    stays as it was. Raises :class:`ExportBlocked`, :class:`ExportExists` or
    :class:`ExportError`.
    """
    if plan.blockers:
        raise ExportBlocked("; ".join(b.message for b in plan.blockers))
    try:
        recover_destination(out_dir)
    except OSError as exc:
        raise ExportError(f"{out_dir}: cannot clean up after an interrupted export: {exc.strerror or exc}") from exc
    out = check_destination(plan.dataset.path, out_dir, force=force)
    files = render_files(plan)
    check_cancel(cancel)
    real = Path(os.path.realpath(out))     # a symlinked DIR: replace what it points to, keep the link
    try:
        if _swappable(real):
            _write_swapping(real, files, progress, cancel)
        else:
            _write_in_place(real, files, progress, cancel)
        if progress:
            progress.update(done=len(files), total=len(files), label="Export written")
    except OSError as exc:
        raise ExportError(f"{out}: cannot write the export: {exc.strerror or exc}") from exc
    return json.loads(files[MANIFEST_FILE])
