"""The examples table behind the GUI, headless (no Qt).

:class:`ExamplesTable` builds its columns once from a :class:`~curator.core.records.Dataset`
(plus the scan's flags and the reviewer's decisions) and answers filter / sort / search
queries with arrays of record indices. The GUI's table model only holds the array it is
given and reads cells from :meth:`ExamplesTable.row`, so a reset over 100,000 rows is one
numpy operation, not a Python loop.

:func:`finding_items` orders the scan's findings worst first for the findings panel, and
:func:`word_diff` is the word-level difference the side-by-side view highlights.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .decisions import APPROVED, FIXED, REJECTED, SKIPPED, UNDECIDED
from .findings import (
    FLAG_CONTRADICTION,
    FLAG_DUPLICATE,
    FLAG_INVALID,
    FLAG_LINT,
    FLAG_NEAR_DUPLICATE,
    ScanResult,
)
from .progress import CancelToken, ProgressSink, Ticker

if TYPE_CHECKING:
    from .records import Dataset, Record

# One bit per flag, so "has any of these flags" is a single vectorised AND.
FLAG_BITS: dict[str, int] = {
    FLAG_INVALID: 1,
    FLAG_DUPLICATE: 2,
    FLAG_NEAR_DUPLICATE: 4,
    FLAG_CONTRADICTION: 8,
    FLAG_LINT: 16,
}
# Filter names a user picks: "duplicate" means exact or near.
FILTER_FLAGS: dict[str, int] = {
    "any": sum(FLAG_BITS.values()),
    FLAG_INVALID: FLAG_BITS[FLAG_INVALID],
    FLAG_DUPLICATE: FLAG_BITS[FLAG_DUPLICATE] | FLAG_BITS[FLAG_NEAR_DUPLICATE],
    FLAG_CONTRADICTION: FLAG_BITS[FLAG_CONTRADICTION],
    FLAG_LINT: FLAG_BITS[FLAG_LINT],
    "none": 0,
}
# Badge text per flag, in display order.
BADGES: tuple[tuple[str, str], ...] = (
    (FLAG_INVALID, "invalid"),
    (FLAG_DUPLICATE, "duplicate"),
    (FLAG_NEAR_DUPLICATE, "near-dup"),
    (FLAG_CONTRADICTION, "contradiction"),
    (FLAG_LINT, "lint"),
)
# Status is stored as a small integer code: masks, counts and sorts are numpy operations.
STATUS_VALUES: tuple[str, ...] = (UNDECIDED, APPROVED, REJECTED, FIXED, SKIPPED)
STATUS_CODE = {s: i for i, s in enumerate(STATUS_VALUES)}
SORT_KEYS = ("line", "status", "flags", "format", "prompt", "response", "length")
PREVIEW_CHARS = 200
SORT_CHARS = 32        # text columns sort by their first 32 characters (case-insensitive)
CHUNK = 10_000         # numpy conversions in chunks, so no single call holds the GIL for long


def preview(text: str, n: int = PREVIEW_CHARS) -> str:
    """One line of at most ``n`` characters: whitespace collapsed, an ellipsis when cut."""
    # Cut before collapsing so a 10 MB field costs no more than a short one; split/join is ~10x
    # faster than a regex here, which matters at 100,000 records.
    head = text[: n * 3]
    out = " ".join(head.split())
    if len(out) <= n:
        return out + ("…" if len(text) > len(head) and out else "")
    return out[: n - 1] + "…"


_ACCENTS = re.compile("[\u0300-\u036f]")


def search_key(text: str) -> str:
    """What the search compares: lower case, and accents set aside ("résolutoire" and
    "resolutoire" find each other, as a trial's French legal text needed); ASCII text as is."""
    low = text.lower()
    if low.isascii():
        return low
    import unicodedata

    # only the Latin/Greek/Cyrillic accents (U+0300–U+036F): a Japanese voicing mark is a letter
    # difference (が/か), and Hangul stays whole
    return unicodedata.normalize("NFC", _ACCENTS.sub("", unicodedata.normalize("NFD", low)))


def prompt_preview_text(rec: Record) -> str:
    """The turn a reader recognises a prompt by: the last user turn before the answer.

    A system prompt shared by every record would otherwise fill the whole preview column.
    """
    turns = rec.turns
    k = len(turns) - 1
    while k >= 0 and turns[k].role != "assistant":
        k -= 1
    k = k - 1 if k >= 0 else len(turns) - 1
    fallback = None
    while k >= 0:
        t = turns[k]
        if t.role == "user" and t.content.strip():
            return t.content
        if fallback is None and t.role != "system" and t.content.strip():
            fallback = t.content
        k -= 1
    return fallback if fallback is not None else rec.prompt


SHARED_PREFIX_MIN = 20   # a prompt opening shared by every record is elided when at least this long


def shared_prefix(texts: Sequence[str], min_chars: int = SHARED_PREFIX_MIN) -> str:
    """The opening every text shares, cut back to the end of its last whole line or sentence,
    or "" when that is shorter than ``min_chars`` or there are fewer than two texts.

    A dataset where every record starts with the same long instruction (ChatDoctor's "If you are
    a doctor, please answer …") would otherwise show that same sentence on every row. Only whole
    lines or sentences are left out, so the part shown still reads as a sentence."""
    texts = [t for t in texts if t]
    if len(texts) < 2:
        return ""
    # min/max bound the common prefix of the whole list (what os.path.commonprefix does)
    lo, hi = min(texts), max(texts)
    k = 0
    while k < len(lo) and lo[k] == hi[k]:
        k += 1
    prefix = lo[:k]
    if prefix == lo:          # one text is nothing but the shared part: keep it readable
        return ""
    cut = prefix.rfind("\n") + 1
    if not cut:
        cut = max(prefix.rfind(end) for end in (". ", "? ", "! ", ": ")) + 2
        cut = cut if cut >= 2 else 0
    prefix = prefix[:cut]
    return prefix if len(prefix.strip()) >= min_chars else ""


def labelled_text(rec: Record) -> str:
    """Every turn as ``Role: text`` lines (what the side-by-side comparison shows)."""
    if not rec.turns:
        return rec.raw.decode("utf-8", "replace")
    return "\n\n".join(f"{t.role.title()}: {t.content}" for t in rec.turns)


def record_text(rec: Record) -> str:
    """Everything a reader would search in a record: every turn's text, or the raw line."""
    if rec.turns:
        return "\n".join(t.content for t in rec.turns)
    return rec.raw.decode("utf-8", "replace")


@dataclass(frozen=True, slots=True)
class TableRow:
    """The cells of one row, as the GUI shows them."""

    index: int
    line: int
    status: str
    flags: tuple[str, ...]
    format: str
    prompt: str
    response: str
    length: int
    problem: str      # first error message, "" when valid


@dataclass(frozen=True, slots=True)
class TableQuery:
    """What the user asked to see. Empty strings mean "no constraint"."""

    status: str = ""          # a decision status, "undecided", or ""
    flag: str = ""            # a key of FILTER_FLAGS, or ""
    format: str = ""          # a record format, or ""
    text: str = ""            # full-text search: every word must occur (case-insensitive)
    sort: str = "line"        # one of SORT_KEYS
    descending: bool = False


class ExamplesTable:
    """Columns of a dataset, built once; queries return arrays of record indices."""

    def __init__(self, dataset: Dataset, scan: ScanResult | None = None,
                 statuses: Mapping[int, str] | None = None, *, progress: ProgressSink | None = None,
                 cancel: CancelToken | None = None) -> None:
        # Built on a worker thread while the window keeps painting: every step is either a
        # Python-level loop (which yields the GIL every few milliseconds) or a numpy call on at
        # most CHUNK items, so no single C call holds the GIL for long.
        self.dataset = dataset
        records = dataset.records
        n = len(records)
        self._line_to_index = {r.line: i for i, r in enumerate(records)}
        lines = np.empty(n, dtype=np.int64)
        prompts: list[str] = []
        responses: list[str] = []
        texts: list[str] = []
        lengths = np.empty(n, dtype=np.int64)
        invalid = np.zeros(n, dtype=bool)
        format_codes = np.empty(n, dtype=np.int16)
        format_index: dict[str, int] = {}
        ticker = Ticker(progress, cancel, n, "Building the table", every=5000)
        prompt_texts = [prompt_preview_text(rec) for rec in records]
        # the opening every prompt shares is left out of the preview (shown as a leading "…")
        self.shared_prompt_prefix = shared_prefix(prompt_texts)
        cut = len(self.shared_prompt_prefix)
        for i, rec in enumerate(records):
            ticker.tick(i)
            lines[i] = rec.line
            prompts.append("…" + preview(prompt_texts[i][cut:]) if cut else preview(prompt_texts[i]))
            responses.append(preview(rec.response))
            text = record_text(rec)
            texts.append(search_key(text))
            lengths[i] = len(rec.prompt) + len(rec.response) if rec.turns else len(text)
            invalid[i] = bool(rec.errors)
            code = format_index.get(rec.format)
            if code is None:
                code = format_index[rec.format] = len(format_index)
            format_codes[i] = code
        ticker.finish()
        self.lines = lines
        self.lengths = lengths
        # Formats as codes into format_values, numbered in alphabetical order so codes sort.
        names = sorted(format_index)
        remap = np.array([names.index(f) for f in format_index], dtype=np.int16) if names else \
            np.empty(0, dtype=np.int16)
        self.format_values: tuple[str, ...] = tuple(names)
        self.format_codes = remap[format_codes] if n else format_codes
        self.prompts = np.array(prompts, dtype=object)
        self.responses = np.array(responses, dtype=object)
        self._search = texts               # lower-cased once; a search is `word in text` per row
        self._invalid = invalid
        self._shown_problems: dict[int, list[str]] = {}    # row → errors of the fix it shows
        self._shown_lint: dict[int, list] = {}             # row → style checks (LintFinding) of the fix it shows
        self._shown_fix: dict[int, Record] = {}            # row → the fix it shows (re-checked by a rescan)
        self._scan_lint: set[int] = set()                  # rows the scan's style checks flag (source text)
        self.flags = np.zeros(n, dtype=np.uint8)
        self.status_codes = np.zeros(n, dtype=np.int8)     # index into STATUS_VALUES
        # Sort ranks of the text columns, computed here (off the GUI thread) so a header click
        # is an integer argsort. Keys are the first SORT_CHARS characters, lower-cased.
        self._ranks: dict[str, np.ndarray] = {}
        for key, column in (("prompt", prompts), ("response", responses)):
            keys = np.concatenate([np.array([t[:SORT_CHARS].lower() for t in column[k:k + CHUNK]],
                                            dtype=f"U{SORT_CHARS}")
                                   for k in range(0, n, CHUNK)]) if n else np.empty(0, dtype=f"U{SORT_CHARS}")
            order = np.argsort(keys, kind="stable")
            ranks = np.empty(n, dtype=np.int64)
            ranks[order] = np.arange(n, dtype=np.int64)
            self._ranks[key] = ranks
            if cancel is not None and cancel.is_set():
                from .progress import Cancelled

                raise Cancelled()
        self.set_scan(scan)
        if statuses:
            self.set_statuses(statuses)

    def __len__(self) -> int:
        return len(self.lines)

    def prompt_preview(self, prompt: str) -> str:
        """The prompt column's text: the part after the opening every prompt shares, after "…"."""
        cut = self.shared_prompt_prefix
        if cut and prompt.startswith(cut):
            return "…" + preview(prompt[len(cut):])
        return preview(prompt)

    @property
    def unit(self) -> str:
        """What a public id counts: "record" (element index of a JSON array) or "line" (JSONL)."""
        return unit_of(self.dataset)

    # -- updates -----------------------------------------------------------------------------

    def set_scan(self, scan: ScanResult | None) -> None:
        """Recompute the flag column from a scan (None: only invalid records are flagged)."""
        self.scan = scan
        flags = np.where(self._invalid, FLAG_BITS[FLAG_INVALID], 0).astype(np.uint8)
        self._scan_lint = set()
        if scan is not None:
            for line, names in scan.flags_by_line().items():
                i = self._line_to_index.get(line)
                if i is None:
                    continue
                for name in names:
                    flags[i] |= FLAG_BITS.get(name, 0)
            self._scan_lint = {i for f in scan.lint if (i := self._line_to_index.get(f.line)) is not None}
        self.flags = flags
        for i, rec in self._shown_fix.items():   # a fix is checked in its fixed form, with this scan's settings
            self._shown_lint[i] = self._lint_fix(rec)
            self._set_lint_bit(i)

    def _lint_fix(self, rec: Record) -> list:
        """The style checks of a fix, as the scan would run them (none when it ran none)."""
        from .scan import lint_as_scanned

        return lint_as_scanned(rec, self.scan)

    def _set_lint_bit(self, i: int) -> None:
        shown = self._shown_lint.get(i)
        on = bool(shown) if shown is not None else i in self._scan_lint
        bit = FLAG_BITS[FLAG_LINT]
        self.flags[i] = (int(self.flags[i]) | bit) if on else (int(self.flags[i]) & ~bit)

    def lint_of(self, line: int) -> list | None:
        """The style checks (``LintFinding``) of the fix row ``line`` shows, or None when it shows
        the source record (the scan's findings apply)."""
        i = self._line_to_index.get(line)
        return None if i is None else self._shown_lint.get(i)

    def set_statuses(self, statuses: Mapping[int, str]) -> list[int]:
        """Set the status of lines (line → status); returns the indices that changed."""
        changed = []
        for line, status in statuses.items():
            i = self._line_to_index.get(line)
            code = STATUS_CODE.get(status, 0)
            if i is not None and self.status_codes[i] != code:
                self.status_codes[i] = code
                changed.append(i)
        return changed

    def show_record(self, i: int, rec: Record) -> None:
        """Show ``rec`` (e.g. a reviewer's fix) in row ``i``: previews, length, search text, format
        and validity (a repaired line loses its "invalid" badge and reads as its format; showing
        the source record again brings them back).

        The scan's duplicate and contradiction flags stay those of the source record, and the row
        keeps its place in text sorts; style checks (lint) run on the fix: a fixed empty answer no
        longer reads "the response is empty" above its new text (a trial).
        """
        self.prompts[i] = self.prompt_preview(prompt_preview_text(rec))
        self.responses[i] = preview(rec.response)
        text = record_text(rec)
        self._search[i] = search_key(text)
        self.lengths[i] = len(rec.prompt) + len(rec.response) if rec.turns else len(text)
        invalid = bool(rec.errors)
        self._invalid[i] = invalid
        bit = FLAG_BITS[FLAG_INVALID]
        self.flags[i] = (int(self.flags[i]) | bit) if invalid else (int(self.flags[i]) & ~bit)
        if rec is self.dataset.records[i]:
            self._shown_problems.pop(i, None)
            self._shown_lint.pop(i, None)
            self._shown_fix.pop(i, None)
        else:
            self._shown_problems[i] = [p.message for p in rec.errors]
            self._shown_fix[i] = rec
            self._shown_lint[i] = self._lint_fix(rec)
        self._set_lint_bit(i)
        self._set_format(i, rec.format)

    def _set_format(self, i: int, name: str) -> None:
        if name not in self.format_values:
            # a new name (an "unknown" line fixed into a format no other row has): renumber so
            # codes still sort alphabetically
            old = self.format_values
            names = tuple(sorted({*old, name}))
            remap = np.array([names.index(f) for f in old], dtype=np.int16)
            self.format_codes = remap[self.format_codes] if len(old) else self.format_codes
            self.format_values = names
        self.format_codes[i] = self.format_values.index(name)

    def problems_of(self, i: int) -> list[str]:
        """The error messages of the record row ``i`` shows (its fix's, once fixed)."""
        shown = self._shown_problems.get(i)
        return shown if shown is not None else [p.message for p in self.dataset.records[i].errors]

    def reset_statuses(self, statuses: Mapping[int, str]) -> None:
        """Replace every status: lines not in ``statuses`` become undecided."""
        self.status_codes[:] = 0
        self.set_statuses(statuses)

    # -- reading -----------------------------------------------------------------------------

    def format_of(self, i: int) -> str:
        return self.format_values[int(self.format_codes[i])]

    def status_of(self, i: int) -> str:
        """The decision status of record index ``i``."""
        return STATUS_VALUES[int(self.status_codes[i])]

    def index_of(self, line: int) -> int | None:
        return self._line_to_index.get(line)

    def flag_names(self, i: int) -> tuple[str, ...]:
        bits = int(self.flags[i])
        return tuple(name for name, _ in BADGES if bits & FLAG_BITS[name])

    def row(self, i: int) -> TableRow:
        return TableRow(i, int(self.lines[i]), self.status_of(i), self.flag_names(i), self.format_of(i),
                        self.prompts[i], self.responses[i], int(self.lengths[i]),
                        next(iter(self.problems_of(i)), ""))

    def format_names(self) -> list[str]:
        return list(self.format_values)

    def counts(self) -> dict[str, int]:
        """Rows per status and per filter flag (for the filter bar's labels)."""
        out: dict[str, int] = {}
        counts = np.bincount(self.status_codes, minlength=len(STATUS_VALUES)) if len(self) else \
            np.zeros(len(STATUS_VALUES), dtype=np.int64)
        out.update({f"status:{v}": int(c) for v, c in zip(STATUS_VALUES, counts) if c})
        for name, bits in FILTER_FLAGS.items():
            if name == "none":
                out[f"flag:{name}"] = int(np.count_nonzero(self.flags == 0))
            else:
                out[f"flag:{name}"] = int(np.count_nonzero(self.flags & bits))
        return out

    # -- queries -----------------------------------------------------------------------------

    def mask(self, query: TableQuery) -> np.ndarray:
        m = np.ones(len(self), dtype=bool)
        if query.status:
            if query.status not in STATUS_CODE:
                raise ValueError(f"unknown status {query.status!r}; expected one of {', '.join(STATUS_VALUES)}")
            m &= self.status_codes == STATUS_CODE[query.status]
        if query.flag:
            if query.flag not in FILTER_FLAGS:
                raise ValueError(f"unknown flag filter {query.flag!r}; expected one of {', '.join(FILTER_FLAGS)}")
            bits = FILTER_FLAGS[query.flag]
            m &= (self.flags == 0) if bits == 0 else (self.flags & bits) != 0
        if query.format:
            if query.format not in self.format_values:
                m[:] = False
            else:
                m &= self.format_codes == self.format_values.index(query.format)
        for word in search_key(query.text).split():
            # Only test rows still in the running: later words cost less.
            idx = np.flatnonzero(m)
            if not len(idx):
                break
            texts = self._search
            # a plain `in` per row: ~3x faster than pandas' str.contains, and the GIL is
            # released between rows
            if len(idx) == len(texts):
                hits = np.array([word in t for t in texts], dtype=bool)
            else:
                hits = np.array([word in texts[i] for i in idx.tolist()], dtype=bool)
            m[idx[~hits]] = False
        return m

    def order(self, key: str = "line", descending: bool = False) -> np.ndarray:
        """All indices sorted by ``key`` (stable: ties keep file order)."""
        if key not in SORT_KEYS:
            raise ValueError(f"unknown sort key {key!r}; expected one of {', '.join(SORT_KEYS)}")
        values: np.ndarray
        if key == "line":
            values = self.lines
        elif key == "length":
            values = self.lengths
        elif key == "flags":
            values = self.flags
        elif key == "format":
            values = self.format_codes
        elif key == "status":
            values = self.status_codes
        else:
            values = self._ranks[key]
        if descending:
            # Reverse a stable ascending sort of the reversed array: descending, ties in file order.
            n = len(values)
            asc = np.argsort(values[::-1], kind="stable")
            return (n - 1 - asc)[::-1]
        return np.argsort(values, kind="stable")

    def query(self, query: TableQuery) -> np.ndarray:
        """Indices of the rows matching ``query``, in its sort order."""
        order = self.order(query.sort, query.descending)
        m = self.mask(query)
        return order[m[order]]


# -- findings -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FindingItem:
    """One entry of the findings panel."""

    kind: str                 # "contradiction", "duplicate" (exact) or "near_duplicate"
    lines: tuple[int, ...]
    keeper: int | None
    score: float              # 0–100: similarity that makes it a finding
    title: str
    detail: str
    ref: object = None        # the ExactGroup / NearCluster / Contradiction it came from

    def pair_score(self, a: int, b: int) -> float | None:
        """The similarity of two members, when the scan measured it."""
        from .findings import Contradiction, ExactGroup, NearCluster

        if isinstance(self.ref, ExactGroup):
            return 100.0
        if isinstance(self.ref, Contradiction):
            return float(self.ref.prompt_similarity)
        if isinstance(self.ref, NearCluster):
            for p in self.ref.pairs:
                if {p.a, p.b} == {a, b}:
                    return float(p.score)
        return None


def _pct(x: float) -> float:
    return float(x) * 100.0 if float(x) <= 1.0 else float(x)


def format_pct(x: float) -> str:
    """``93%``; one decimal where rounding would claim a perfect score (``99.6%``, not ``100%``)."""
    x = _pct(x)
    return f"{x:.1f}%" if 99.5 <= x < 100.0 else f"{x:.0f}%"


def unit_of(dataset) -> str:
    """"record" when ids are JSON-array element indexes, else "line" (JSONL line numbers)."""
    return "record" if getattr(dataset, "container", "jsonl") == "json" else "line"


# contradictions by how concrete the disagreement is (see findings.CONTRADICTION_REASONS)
_REASON_RANK = {"different_numbers": 0, "yes_no": 0, "different_labels": 0, "swapped_words": 0,
                "different_content": 1}


def finding_items(scan: ScanResult | None, unit: str = "line") -> list[FindingItem]:
    """The scan's clusters and contradictions, worst first.

    ``unit`` names the ids: "line" for JSONL, "record" for a JSON array (see :func:`unit_of`).
    Contradictions come first (same question, different answers teach a model to guess), by
    prompt similarity; then exact duplicate groups, largest first; then near-duplicate
    clusters, largest and most similar first.
    """
    if scan is None:
        return []
    items: list[tuple[tuple, FindingItem]] = []
    for k in scan.contradictions:
        ps, rs = _pct(k.prompt_similarity), _pct(k.response_similarity)
        # a stated conflict first (numbers, yes/no, labels, a swapped word: what a reviewer can
        # check at a glance), answers that merely share few words last; then the same question
        # first (by the similarity a reader sees), then the most different answers
        items.append(((0, _REASON_RANK.get(k.reason, 1), -round(ps), rs, k.a), FindingItem(
            "contradiction", (k.a, k.b), None, ps, f"Contradiction: {unit}s {k.a} and {k.b}",
            f"prompts {format_pct(ps)} alike, responses {format_pct(rs)} alike", k)))
    for g in scan.exact_duplicates:
        items.append(((1, -len(g.lines), 0.0, g.lines[0]), FindingItem(
            "duplicate", tuple(g.lines), g.keeper, 100.0,
            f"Exact duplicates: {len(g.lines)} copies", f"{unit}s " + _line_list(g.lines), g)))
    for c in scan.near_duplicates:
        best = max((_pct(p.score) for p in c.pairs), default=0.0)
        items.append(((2, -len(c.lines), -best, c.lines[0]), FindingItem(
            "near_duplicate", tuple(c.lines), c.keeper, best,
            f"Near duplicates: {len(c.lines)} examples, up to {format_pct(best)} alike", f"{unit}s " + _line_list(c.lines),
            c)))
    items.sort(key=lambda t: t[0])
    return [it for _, it in items]


def _line_list(lines: Iterable[int], limit: int = 8) -> str:
    lines = list(lines)
    head = ", ".join(str(x) for x in lines[:limit])
    return head + (f" … (+{len(lines) - limit})" if len(lines) > limit else "")


# -- word diff ------------------------------------------------------------------------------

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)
MAX_DIFF_TOKENS = 4000


def word_diff(a: str, b: str) -> list[tuple[str, str]]:
    """Word-level difference of two texts as ``(op, text)`` runs.

    ``op`` is ``"equal"``, ``"delete"`` (only in ``a``) or ``"insert"`` (only in ``b``), the
    shape of :attr:`curator.core.findings.Contradiction.diff`. Joining the equal+delete runs
    gives back ``a``; joining the equal+insert runs gives back ``b``. Texts beyond
    :data:`MAX_DIFF_TOKENS` tokens are compared on their first tokens and the rest is marked
    changed, so a pathological pair cannot stall the window.
    """
    ta, tb = _TOKEN.findall(a), _TOKEN.findall(b)
    tail_a, tail_b = "".join(ta[MAX_DIFF_TOKENS:]), "".join(tb[MAX_DIFF_TOKENS:])
    ta, tb = ta[:MAX_DIFF_TOKENS], tb[:MAX_DIFF_TOKENS]
    out: list[tuple[str, str]] = []

    def emit(op: str, text: str) -> None:
        if not text:
            return
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        else:
            out.append((op, text))

    sm = difflib.SequenceMatcher(None, ta, tb, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            emit("equal", "".join(ta[i1:i2]))
        else:
            emit("delete", "".join(ta[i1:i2]))
            emit("insert", "".join(tb[j1:j2]))
    emit("delete", tail_a)
    emit("insert", tail_b)
    return out


def diff_sides(ops: Iterable[tuple[str, str]]) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    """Split diff runs into the two sides: ``[(text, changed)]`` for a and for b."""
    left: list[tuple[str, bool]] = []
    right: list[tuple[str, bool]] = []
    for op, text in ops:
        if op == "equal":
            left.append((text, False))
            right.append((text, False))
        elif op == "delete":
            left.append((text, True))
        else:
            right.append((text, True))
    return _join_changes(left), _join_changes(right)


def _join_changes(runs: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Mark the single spaces between two changed runs as changed, so "to send it back" reads
    as one highlighted phrase rather than four separate words."""
    out: list[tuple[str, bool]] = []
    for k, (text, changed) in enumerate(runs):
        if (not changed and 0 < k < len(runs) - 1 and runs[k - 1][1] and runs[k + 1][1]
                and text.strip() == "" and "\n" not in text):
            changed = True
        if out and out[-1][1] == changed:
            out[-1] = (out[-1][0] + text, changed)
        else:
            out.append((text, changed))
    return out
