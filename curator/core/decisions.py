"""Decision values shared by the store, review, export and GUI."""

from __future__ import annotations

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
