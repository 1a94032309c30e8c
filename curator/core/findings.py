"""Typed results of a scan (detectors), shared by the store, review, export, CLI and GUI.

All record references are public line numbers (``Record.line``): the 1-based
JSONL line, or the 1-based element index of a JSON array.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

# Flag names used by queues, filters and table badges.
FLAG_INVALID = "invalid"
FLAG_DUPLICATE = "duplicate"          # exact duplicate (after normalisation)
FLAG_NEAR_DUPLICATE = "near_duplicate"
FLAG_CONTRADICTION = "contradiction"
FLAG_LINT = "lint"


@dataclass(frozen=True, slots=True)
class PairScore:
    a: int
    b: int
    score: float


@dataclass(frozen=True, slots=True)
class ExactGroup:
    lines: tuple[int, ...]
    keeper: int


@dataclass(frozen=True, slots=True)
class NearCluster:
    lines: tuple[int, ...]
    keeper: int
    pairs: tuple[PairScore, ...]
    # True when the cluster is large (templated data) and ``pairs`` is a bounded subset of its
    # verified pairs: each member's best pair plus the pairs with the keeper
    pairs_truncated: bool = False


@dataclass(frozen=True, slots=True)
class Contradiction:
    a: int
    b: int
    prompt_similarity: float
    response_similarity: float
    # word-level diff of the two responses: (op, text) with op in "equal", "delete" (only in a),
    # "insert" (only in b)
    diff: tuple[tuple[str, str], ...] = ()
    # why the answers disagree: a key of CONTRADICTION_REASONS ("" in scans stored before it existed)
    reason: str = ""


#: Why two answers to the same question were judged to disagree (``Contradiction.reason``, the
#: ``reason`` of ``scan --json``), in the words the window and the CLI show.
CONTRADICTION_REASONS = {
    "different_labels": "the short label answers differ",
    "different_numbers": "each answer states a number the other does not",
    "yes_no": "one answer says yes, the other no",
    "swapped_words": "the same answer with an essential word swapped",
    "different_content": "the answers share few content words",
}


@dataclass(frozen=True, slots=True)
class LintFinding:
    line: int
    code: str
    message: str
    severity: str = "warning"


@dataclass
class ScanResult:
    exact_duplicates: list[ExactGroup] = field(default_factory=list)
    near_duplicates: list[NearCluster] = field(default_factory=list)
    contradictions: list[Contradiction] = field(default_factory=list)
    lint: list[LintFinding] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    # what shared boilerplate was discounted before comparing, in words a reviewer reads
    discounted: list[str] = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    # what the scan bounded on this data, in words a reviewer reads (large near-duplicate
    # clusters, comparisons skipped inside large groups of near-identical questions); empty on
    # ordinary data, and then left out of the JSON
    notes: list[str] = field(default_factory=list)

    def flags_by_line(self) -> dict[int, set[str]]:
        flags: dict[int, set[str]] = {}
        for g in self.exact_duplicates:
            for ln in g.lines:
                flags.setdefault(ln, set()).add(FLAG_DUPLICATE)
        for c in self.near_duplicates:
            for ln in c.lines:
                flags.setdefault(ln, set()).add(FLAG_NEAR_DUPLICATE)
        for k in self.contradictions:
            flags.setdefault(k.a, set()).add(FLAG_CONTRADICTION)
            flags.setdefault(k.b, set()).add(FLAG_CONTRADICTION)
        for f in self.lint:
            flags.setdefault(f.line, set()).add(FLAG_LINT)
        return flags

    def to_json(self) -> dict:
        return {
            "exact_duplicates": [{"lines": list(g.lines), "keeper": g.keeper} for g in self.exact_duplicates],
            "near_duplicates": [{"lines": list(c.lines), "keeper": c.keeper,
                                 "pairs": [asdict(p) for p in c.pairs],
                                 **({"pairs_truncated": True} if c.pairs_truncated else {})}
                                for c in self.near_duplicates],
            "contradictions": [{"a": k.a, "b": k.b, "prompt_similarity": k.prompt_similarity,
                                "response_similarity": k.response_similarity,
                                "diff": [list(d) for d in k.diff], "reason": k.reason}
                               for k in self.contradictions],
            "lint": [asdict(f) for f in self.lint],
            "timings": dict(self.timings),
            "discounted": list(self.discounted),
            "settings": dict(self.settings),
            **({"notes": list(self.notes)} if self.notes else {}),
        }

    @classmethod
    def from_json(cls, doc: dict) -> "ScanResult":
        return cls(
            exact_duplicates=[ExactGroup(tuple(g["lines"]), g["keeper"]) for g in doc.get("exact_duplicates", [])],
            near_duplicates=[NearCluster(tuple(c["lines"]), c["keeper"],
                                         tuple(PairScore(**p) for p in c["pairs"]),
                                         bool(c.get("pairs_truncated", False)))
                             for c in doc.get("near_duplicates", [])],
            contradictions=[Contradiction(k["a"], k["b"], k["prompt_similarity"], k["response_similarity"],
                                          tuple(tuple(d) for d in k.get("diff", [])), k.get("reason", ""))
                            for k in doc.get("contradictions", [])],
            lint=[LintFinding(**f) for f in doc.get("lint", [])],
            timings=dict(doc.get("timings", {})),
            discounted=list(doc.get("discounted", [])),
            settings=dict(doc.get("settings", {})),
            notes=list(doc.get("notes", [])),
        )
