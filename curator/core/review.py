"""Review commands with do/undo, and the command stack persisted in the project store.

Every mutation of a project is a :class:`Command` (approve, reject, fix, skip, resolve a
duplicate cluster, resolve a contradiction, bulk-approve). The :class:`CommandStack` turns a
command into a :class:`RecordedCommand` — the exact before/after decision of every line it
touches — and applies it in one store transaction together with its events, so the command, its
effect and its audit trail are on disk together (or not at all). Undo applies the "before"
states, redo the "after" states; both survive closing and reopening the project because the
stack lives in the store's ``commands`` table.

Each do/undo/redo returns a frozen :class:`Change` (Anki's ``OpChanges``): which lines changed,
their new statuses, and the label, so a view decides what to refresh.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from .decisions import APPROVED, FIXED, REJECTED, SKIPPED, UNDECIDED, Decision
from .store import Store, _Tx, decision_from_json, decision_to_json, utc_now

__all__ = ["Change", "Command", "Approve", "BulkApprove", "Reject", "Fix", "Skip", "ResolveCluster",
           "ResolveContradiction", "BulkReject", "BulkSkip", "CommandStack", "RecordedCommand", "LineChange",
           "CONTRADICTION_ACTIONS"]

CONTRADICTION_ACTIONS = ("keep_a", "keep_b", "keep_both", "reject_both", "fix")


@dataclass(frozen=True, slots=True)
class LineChange:
    line: int
    before: Decision | None
    after: Decision | None


@dataclass(frozen=True, slots=True)
class Change:
    """What one do/undo/redo changed: views refresh ``lines`` and recount from ``statuses``."""

    action: str                             # "do" | "undo" | "redo"
    label: str                              # e.g. "Approve 240 examples"
    kind: str                               # command kind, e.g. "approve", "resolve_cluster"
    command_id: int
    lines: tuple[int, ...]
    statuses: Mapping[int, str] = field(default_factory=dict)   # line → new status (UNDECIDED if none)
    # line → (reviewer, status) of a decision by someone else that this change replaced (two
    # reviewers on one project overwrote each other's decisions without a word)
    replaced: Mapping[int, tuple[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "statuses", MappingProxyType(dict(self.statuses)))
        object.__setattr__(self, "replaced", MappingProxyType(dict(self.replaced)))


# ---- commands: what to change ------------------------------------------------------------------


class Command(ABC):
    """A review action, before it is applied: :meth:`plan` says the new decision of each line."""

    kind = "command"

    @abstractmethod
    def plan(self, reviewer: str, at: str) -> dict[int, Decision | None]:
        """The decision each touched line will have (None = undecided)."""

    @property
    @abstractmethod
    def label(self) -> str:
        """What the undo/redo menu entries say, e.g. "Approve 240 examples"."""

    @property
    def position(self) -> int | None:
        """The line the reviewer was on when deciding (for resume); None for bulk actions."""
        return None


def plural(n: int, word: str) -> str:
    """ "1 example", "2,500 examples": a count with its noun (the window's counters use it too)."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


@dataclass(frozen=True)
class Approve(Command):
    line: int
    kind = "approve"

    def plan(self, reviewer: str, at: str) -> dict[int, Decision | None]:
        return {self.line: Decision(self.line, APPROVED, reviewer, at)}

    @property
    def label(self) -> str:
        return f"Approve line {self.line}"

    @property
    def position(self) -> int | None:
        return self.line


@dataclass(frozen=True)
class BulkApprove(Command):
    lines: tuple[int, ...]
    kind = "bulk_approve"

    def plan(self, reviewer: str, at: str) -> dict[int, Decision | None]:
        return {ln: Decision(ln, APPROVED, reviewer, at) for ln in self.lines}

    @property
    def label(self) -> str:
        return f"Approve {plural(len(self.lines), 'example')}"


@dataclass(frozen=True)
class Reject(Command):
    line: int
    reason: str | None = None
    note: str | None = None
    kind = "reject"

    def plan(self, reviewer: str, at: str) -> dict[int, Decision | None]:
        return {self.line: Decision(self.line, REJECTED, reviewer, at, self.reason, self.note)}

    @property
    def label(self) -> str:
        return f"Reject line {self.line}"

    @property
    def position(self) -> int | None:
        return self.line


@dataclass(frozen=True)
class BulkReject(Command):
    lines: tuple[int, ...]
    reason: str | None = None
    note: str | None = None
    kind = "bulk_reject"

    def plan(self, reviewer: str, at: str) -> dict[int, Decision | None]:
        return {ln: Decision(ln, REJECTED, reviewer, at, self.reason, self.note) for ln in self.lines}

    @property
    def label(self) -> str:
        return f"Reject {plural(len(self.lines), 'example')}"


@dataclass(frozen=True)
class Fix(Command):
    """Store a corrected record. The record must already be validated (the project does it)."""

    line: int
    record: dict
    note: str | None = None
    kind = "fix"

    def plan(self, reviewer: str, at: str) -> dict[int, Decision | None]:
        return {self.line: Decision(self.line, FIXED, reviewer, at, None, self.note, self.record)}

    @property
    def label(self) -> str:
        return f"Fix line {self.line}"

    @property
    def position(self) -> int | None:
        return self.line


@dataclass(frozen=True)
class Skip(Command):
    line: int
    kind = "skip"

    def plan(self, reviewer: str, at: str) -> dict[int, Decision | None]:
        return {self.line: Decision(self.line, SKIPPED, reviewer, at)}

    @property
    def label(self) -> str:
        return f"Skip line {self.line}"

    @property
    def position(self) -> int | None:
        return self.line


@dataclass(frozen=True)
class BulkSkip(Command):
    lines: tuple[int, ...]
    kind = "bulk_skip"

    def plan(self, reviewer: str, at: str) -> dict[int, Decision | None]:
        return {ln: Decision(ln, SKIPPED, reviewer, at) for ln in self.lines}

    @property
    def label(self) -> str:
        return f"Skip {plural(len(self.lines), 'example')}"


@dataclass(frozen=True)
class ResolveCluster(Command):
    """Keep one member of a duplicate cluster (approved), reject the rest as duplicates of it."""

    lines: tuple[int, ...]
    keep: int
    kind = "resolve_cluster"

    def __post_init__(self) -> None:
        if self.keep not in self.lines:
            raise ValueError(f"line {self.keep} to keep is not in the cluster {list(self.lines)}")

    def plan(self, reviewer: str, at: str) -> dict[int, Decision | None]:
        out: dict[int, Decision | None] = {}
        for ln in self.lines:
            if ln == self.keep:
                out[ln] = Decision(ln, APPROVED, reviewer, at)
            else:
                out[ln] = Decision(ln, REJECTED, reviewer, at, "duplicate", f"duplicate of line {self.keep}")
        return out

    @property
    def label(self) -> str:
        others = len(self.lines) - 1
        return f"Keep line {self.keep}, reject {plural(others, 'duplicate')}"

    @property
    def position(self) -> int | None:
        return self.keep


@dataclass(frozen=True)
class ResolveContradiction(Command):
    """Resolve a contradicting pair: keep A, keep B, keep both (a false alarm: both answers are
    right), reject both, or fix A and reject B."""

    a: int
    b: int
    action: str
    record: dict | None = None
    kind = "resolve_contradiction"

    def __post_init__(self) -> None:
        if self.action not in CONTRADICTION_ACTIONS:
            raise ValueError(f"unknown contradiction action {self.action!r}; expected one of "
                             f"{', '.join(CONTRADICTION_ACTIONS)}")
        if self.action == "fix" and not isinstance(self.record, dict):
            raise ValueError("action 'fix' needs the corrected record (a JSON object) for line a")
        if self.a == self.b:
            raise ValueError("a contradiction needs two different lines")

    def plan(self, reviewer: str, at: str) -> dict[int, Decision | None]:
        a, b = self.a, self.b

        def rej(ln: int, other: int) -> Decision:
            return Decision(ln, REJECTED, reviewer, at, "contradiction", f"contradicts line {other}")

        if self.action == "keep_a":
            return {a: Decision(a, APPROVED, reviewer, at), b: rej(b, a)}
        if self.action == "keep_b":
            return {a: rej(a, b), b: Decision(b, APPROVED, reviewer, at)}
        if self.action == "reject_both":
            return {a: rej(a, b), b: rej(b, a)}
        if self.action == "keep_both":
            return {a: Decision(a, APPROVED, reviewer, at, None, f"no contradiction with line {b}"),
                    b: Decision(b, APPROVED, reviewer, at, None, f"no contradiction with line {a}")}
        return {a: Decision(a, FIXED, reviewer, at, None, f"fixed contradiction with line {b}", self.record),
                b: rej(b, a)}

    @property
    def label(self) -> str:
        what = {"keep_a": f"keep line {self.a}", "keep_b": f"keep line {self.b}", "keep_both": "keep both",
                "reject_both": "reject both", "fix": f"fix line {self.a}"}[self.action]
        return f"Resolve contradiction {self.a}/{self.b}: {what}"

    @property
    def position(self) -> int | None:
        return max(self.a, self.b)


#: command kinds whose decision notes are written by the command ("duplicate of line 9"), not typed
GENERATED_NOTES = ("resolve_cluster", "resolve_contradiction")
_LINE_WORD = re.compile(r"\b([Ll])ine (?=\d)")


def in_unit(text: str, unit: str) -> str:
    """A command's wording with its ids named by ``unit``: "Approve line 4" → "Approve record 4"."""
    if unit == "line":
        return text
    return _LINE_WORD.sub(lambda m: (unit.capitalize() if m.group(1) == "L" else unit) + " ", text)


def keep_fixes(plan: Mapping[int, Decision | None], current: Mapping[int, Decision]) -> dict[int, Decision | None]:
    """Approving (or skipping) an example that has a fix keeps it fixed: the fix stays.

    The desk and the Findings diff show a fixed example in its fixed form, so "keep this one"
    means the corrected text; an approval that dropped the fix put the uncorrected answer into
    the training data, and a skip (also of a whole filtered view) threw the fix away. (Undo takes
    a fix back; rejecting still rejects.)
    """
    out: dict[int, Decision | None] = {}
    for ln, d in plan.items():
        prev = current.get(ln)
        if (d is not None and d.status in (APPROVED, SKIPPED) and prev is not None and prev.status == FIXED
                and prev.fixed is not None):
            d = Decision(ln, FIXED, d.reviewer, d.at, None, d.note or prev.note, prev.fixed)
        out[ln] = d
    return out


# ---- recorded commands and the stack -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordedCommand:
    """A command as applied: the before/after decision of every line, with its label.

    ``do``/``undo`` write the after/before states through an open store transaction.
    """

    id: int
    kind: str
    label: str
    changes: tuple[LineChange, ...]
    hashes: Mapping[int, str]

    def do(self, tx: _Tx, reviewer: str, action: str = "do") -> Change:
        return self._apply(tx, reviewer, action, after=True)

    def undo(self, tx: _Tx, reviewer: str) -> Change:
        return self._apply(tx, reviewer, "undo", after=False)

    def _apply(self, tx: _Tx, reviewer: str, action: str, *, after: bool) -> Change:
        states = [(c.line, c.after if after else c.before) for c in self.changes]
        tx.put_decisions((ln, d, self.hashes.get(ln, "")) for ln, d in states)
        at = utc_now()
        tx.conn.executemany(
            "INSERT INTO events(at, reviewer, action, command_id, line, status, payload) "
            "VALUES (?,?,?,?,?,?,?)",
            [(at, reviewer, action, self.id, ln, d.status if d else None,
              json.dumps({"label": self.label, "decision": decision_to_json(d)}, ensure_ascii=False))
             for ln, d in states])
        # someone else's decision this step changed: another status, or another fix over theirs (a
        # fix saved over a colleague's fix made while the editor was open replaced it silently)
        replaced = {c.line: (c.before.reviewer, c.before.status) for c in self.changes
                    if after and action == "do" and c.before is not None and c.before.reviewer
                    and c.before.reviewer != reviewer
                    and (c.after is None or c.after.status != c.before.status
                         or (c.after.status == FIXED and c.after.fixed != c.before.fixed))}
        return Change(action, self.label, self.kind, self.id, tuple(ln for ln, _ in states),
                      {ln: (d.status if d else UNDECIDED) for ln, d in states}, replaced)

    def changes_json(self) -> str:
        return json.dumps([{"line": c.line, "hash": self.hashes.get(c.line, ""),
                            "before": decision_to_json(c.before), "after": decision_to_json(c.after)}
                           for c in self.changes], ensure_ascii=False)

    @classmethod
    def from_row(cls, cid: int, kind: str, label: str, changes: str) -> "RecordedCommand":
        items = json.loads(changes)
        return cls(cid, kind, label,
                   tuple(LineChange(int(c["line"]), decision_from_json(c["before"]),
                                    decision_from_json(c["after"])) for c in items),
                   {int(c["line"]): c.get("hash", "") for c in items})


class CommandStack:
    """The undo/redo stack over a store, plus the in-memory view of current decisions.

    ``decisions`` is the caller's live dict (line → Decision); the stack keeps it in step with the
    store after each successful transaction. ``hash_of(line)`` gives the record's content hash, kept
    next to each decision so decisions can follow records when the source file changes.
    """

    def __init__(self, store: Store, decisions: MutableMapping[int, Decision],
                 hash_of: Callable[[int], str], version: int | None = None, unit: str = "line") -> None:
        self.store = store
        # what ids are called in labels and generated notes: "line" (JSONL), "record" (JSON array)
        self.unit = unit
        self.decisions = decisions
        self.hash_of = hash_of
        # the data_version read *before* ``decisions`` was loaded (so nothing slips in between)
        self._version = store.data_version() if version is None else version
        # lines whose decision another connection changed, collected by every reload until
        # :meth:`take_external` hands them to a view (any getter may be the one that reloads)
        self._external: set[int] = set()
        self._owner: tuple[int, str | None] | None = None     # (step id, its reviewer): undo_owner's memo
        # the newest event seen by the last reload (None: not known yet, the next change reloads)
        self._last_event: int | None = None

    def refresh(self) -> bool:
        """Reload the decisions if another connection (another process: the CLI while the app is
        open) committed since we last looked. Returns True when something was reloaded."""
        # Never wait: if a write (a bulk step on a worker thread) holds the lock, the in-memory
        # state is ours and current, and a GUI thread asking for one decision must not freeze.
        if not self.store.lock.acquire(blocking=False):
            return False
        try:
            version = self.store.data_version()
            if version == self._version:
                return False
            # every change of a decision logs an event; a commit without one (a Fix editor keeping
            # its draft every second, a remembered position) leaves the decisions as they are:
            # reloading 50k of them for it stalled a second window's GUI thread ~0.1 s each time
            last = self.store.query("SELECT max(id) FROM events")[0][0]
            if last is not None and last == self._last_event:
                self._version = version
                return False
            fresh = self.store.load_decisions()
            self._last_event = last
            old = self.decisions
            self._external.update(ln for ln in old.keys() | fresh.keys() if old.get(ln) != fresh.get(ln))
            self.decisions.clear()
            self.decisions.update(fresh)
            self._version = version
            return True
        finally:
            self.store.lock.release()

    def take_external(self) -> dict[int, str]:
        """line → current status of every line another connection (another window, ``curator
        review``) changed since the last call, after looking for new changes."""
        self.refresh()
        lines, self._external = self._external, set()
        return {ln: (d.status if (d := self.decisions.get(ln)) is not None else UNDECIDED) for ln in sorted(lines)}

    def undo_owner(self) -> str | None:
        """Who made the change Undo would take back (the reviewer of its decisions), if recorded.

        Asked each time the window relabels Undo: the step's changes (10 MB of JSON after a
        50,000-record bulk approve) are read once per step, not on every relabel."""
        rows = self.store.query("SELECT id FROM commands WHERE state='done' ORDER BY id DESC LIMIT 1")
        if not rows:
            return None
        cid = int(rows[0][0])
        if self._owner is None or self._owner[0] != cid:
            row = self.store.query("SELECT kind, label, changes FROM commands WHERE id=?", (cid,))[0]
            try:
                rec = RecordedCommand.from_row(cid, *row)
            except (TypeError, ValueError, KeyError):
                self._owner = (cid, None)
            else:
                self._owner = (cid, next((c.after.reviewer for c in rec.changes
                                          if c.after is not None and c.after.reviewer), None))
        return self._owner[1]

    # -- do / undo / redo

    def push(self, command: Command, reviewer: str) -> Change:
        at = utc_now()
        plan = command.plan(reviewer, at)
        label = command.label
        if self.unit != "line":
            # commands word their labels and notes for JSONL ("Approve line 4", "duplicate of line
            # 9"); in a JSON array the 4 is an element index. A reviewer's own note is left alone.
            label = in_unit(label, self.unit)
            if command.kind in GENERATED_NOTES:
                plan = {ln: d if d is None or not d.note else replace(d, note=in_unit(d.note, self.unit))
                        for ln, d in plan.items()}
        hashes = {ln: self.hash_of(ln) for ln in plan}
        with self.store.transaction() as tx:
            self.refresh()  # under the write lock: "before" states are exactly what is on disk
            plan = keep_fixes(plan, self.decisions)
            changes = tuple(LineChange(ln, self.decisions.get(ln), d) for ln, d in plan.items())
            tx.execute("UPDATE commands SET state='discarded' WHERE state='undone'")
            draft = RecordedCommand(0, command.kind, label, changes, hashes)
            cur = tx.execute("INSERT INTO commands(label, kind, state, at, changes) VALUES (?,?,?,?,?)",
                             (label, command.kind, "done", at, draft.changes_json()))
            rec = RecordedCommand(int(cur.lastrowid), command.kind, label, changes, hashes)
            change = rec.do(tx, reviewer)
            if command.position is not None:
                tx.set_meta("position", command.position)
        self._mirror(rec, after=True)
        return change

    def undo(self, reviewer: str) -> Change | None:
        with self.store.transaction() as tx:
            self.refresh()
            row = tx.execute("SELECT id, kind, label, changes FROM commands WHERE state='done' "
                             "ORDER BY id DESC LIMIT 1").fetchone()
            if row is None:
                return None
            rec = RecordedCommand.from_row(*row)
            change = rec.undo(tx, reviewer)
            tx.execute("UPDATE commands SET state='undone' WHERE id=?", (rec.id,))
            self._set_position(tx, rec)
        self._mirror(rec, after=False)
        return change

    def redo(self, reviewer: str) -> Change | None:
        with self.store.transaction() as tx:
            self.refresh()
            row = tx.execute("SELECT id, kind, label, changes FROM commands WHERE state='undone' "
                             "ORDER BY id ASC LIMIT 1").fetchone()
            if row is None:
                return None
            rec = RecordedCommand.from_row(*row)
            change = rec.do(tx, reviewer, action="redo")
            tx.execute("UPDATE commands SET state='done' WHERE id=?", (rec.id,))
            self._set_position(tx, rec)
        self._mirror(rec, after=True)
        return change

    @staticmethod
    def discard_all(tx: _Tx) -> None:
        """Forget the undo/redo history (used when the source changed and line numbers moved)."""
        tx.execute("UPDATE commands SET state='discarded' WHERE state IN ('done', 'undone')")

    @staticmethod
    def _set_position(tx: _Tx, rec: RecordedCommand) -> None:
        # single decisions and pairs: resume on the line that was undone/redone; bulk actions
        # leave the reviewer where they were
        if len(rec.changes) <= 2:
            tx.set_meta("position", rec.changes[0].line)

    def _mirror(self, rec: RecordedCommand, *, after: bool) -> None:
        for c in rec.changes:
            d = c.after if after else c.before
            if d is None:
                self.decisions.pop(c.line, None)
            else:
                self.decisions[c.line] = d

    # -- labels

    def _peek(self, state: str, order: str) -> str | None:
        rows = self.store.query(f"SELECT label FROM commands WHERE state=? ORDER BY id {order} LIMIT 1",
                                (state,))
        return rows[0][0] if rows else None

    @property
    def undo_label(self) -> str | None:
        return self._peek("done", "DESC")

    @property
    def redo_label(self) -> str | None:
        return self._peek("undone", "ASC")

    @property
    def can_undo(self) -> bool:
        return self.undo_label is not None

    @property
    def can_redo(self) -> bool:
        return self.redo_label is not None

    def history(self, limit: int = 50) -> list[dict]:
        rows = self.store.query("SELECT id, label, kind, state, at FROM commands "
                                "WHERE state != 'discarded' ORDER BY id DESC LIMIT ?", (limit,))
        return [{"id": r[0], "label": r[1], "kind": r[2], "state": r[3], "at": r[4]} for r in rows]


def lines_tuple(lines: int | Iterable[int]) -> tuple[int, ...]:
    if isinstance(lines, int):
        return (lines,)
    return tuple(dict.fromkeys(int(x) for x in lines))  # de-duplicate, keep order
