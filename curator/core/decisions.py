"""Decision values shared by the store, review, export and GUI."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

APPROVED = "approved"
REJECTED = "rejected"
FIXED = "fixed"
SKIPPED = "skipped"
UNDECIDED = "undecided"
STATUSES = (APPROVED, REJECTED, FIXED, SKIPPED)

# Reason codes offered when rejecting (free text goes in the note).
REJECT_REASONS = ("duplicate", "contradiction", "wrong", "unsafe", "low_quality", "off_topic",
                  "malformed", "other")


@dataclass(frozen=True, slots=True)
class Decision:
    """The current decision on one record (the latest event in the log for that line)."""

    line: int
    status: str                       # one of STATUSES
    reviewer: str = ""
    at: str = ""                      # ISO-8601 UTC time
    reason: str | None = None         # reject reason code
    note: str | None = None
    fixed: dict | None = None         # corrected record (status == FIXED)


def by_reviewer(decisions: Iterable[Decision]) -> dict[str, dict[str, int]]:
    """reviewer → {status: decisions}, the reviewer with most decisions first ("" for decisions
    recorded without a name): who decided what, for ``status``, the dashboard and the export."""
    by: dict[str, dict[str, int]] = {}
    for d in decisions:
        per = by.setdefault(d.reviewer or "", {})
        per[d.status] = per.get(d.status, 0) + 1
    return dict(sorted(by.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])))


def reviewer_totals(decisions: Iterable[Decision]) -> dict[str, int]:
    """reviewer → decisions, most first (:func:`by_reviewer` summed)."""
    return {name: sum(per.values()) for name, per in by_reviewer(decisions).items()}
