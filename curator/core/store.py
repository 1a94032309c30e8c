"""The project store: one SQLite file per dataset holding every review decision.

Design (STYLE.md §6):

* one writer connection per :class:`Store`, ``journal_mode=WAL``, ``synchronous=FULL``: a
  transaction is fsynced to the WAL before ``COMMIT`` returns, so a decision is on disk before the
  call that made it returns, and a SIGKILL at any moment leaves either the whole transaction or none
  of it;
* a ``schema_version`` table and an ordered list of :data:`MIGRATIONS`; a file written by a newer
  Curator (higher version) is refused with :class:`ProjectTooNewError`;
* JSON (never pickle) for every payload;
* ``events`` is an append-only log (triggers refuse UPDATE and DELETE); ``decisions`` is the
  current state derived from it, kept in the same transaction;
* ``commands`` is the persisted undo/redo stack (see :mod:`curator.core.review`).

The source dataset is never opened for writing here.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from .decisions import STATUSES, Decision

__all__ = ["Store", "ProjectFileError", "ProjectTooNewError", "ProjectNotWritableError", "SCHEMA_VERSION", "APP_ID",
           "decision_to_json", "decision_from_json", "set_aside", "utc_now"]

APP_ID = "curator-project"
# sqlite3 header "application_id" (PRAGMA application_id), "CURA" in ASCII: lets `file(1)` and our own
# check tell a Curator project from any other SQLite database.
SQLITE_APPLICATION_ID = 0x43555241

# Ordered migrations: MIGRATIONS[i] (a tuple of statements) brings a file from version i to i + 1.
MIGRATIONS: list[tuple[str, ...]] = [(
    """CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL                      -- JSON
    )""",
    # append-only audit log: one row per changed line (plus file-level events with line NULL)
    """CREATE TABLE events (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        at         TEXT NOT NULL,
        reviewer   TEXT NOT NULL DEFAULT '',
        action     TEXT NOT NULL,                -- do | undo | redo | source_changed | carried | unmatched …
        command_id INTEGER,
        line       INTEGER,
        status     TEXT,                         -- new status of `line` (NULL = undecided)
        payload    TEXT NOT NULL DEFAULT '{}'    -- JSON
    )""",
    """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
       BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END""",
    """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
       BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END""",
    # current decision per record: the state the latest event left
    """CREATE TABLE decisions (
        line         INTEGER PRIMARY KEY,
        status       TEXT NOT NULL,
        reviewer     TEXT NOT NULL DEFAULT '',
        at           TEXT NOT NULL,
        reason       TEXT,
        note         TEXT,
        fixed        TEXT,                       -- JSON of the corrected record (status = fixed)
        content_hash TEXT NOT NULL DEFAULT ''    -- Record.content_hash() of the source record decided on
    )""",
    # the persisted undo/redo stack
    """CREATE TABLE commands (
        id      INTEGER PRIMARY KEY AUTOINCREMENT,
        label   TEXT NOT NULL,
        kind    TEXT NOT NULL,
        state   TEXT NOT NULL,                   -- done | undone | discarded
        at      TEXT NOT NULL,
        changes TEXT NOT NULL                    -- JSON [{line, hash, before, after}]
    )""",
    "CREATE INDEX commands_state ON commands(state, id)",
    # decisions that could not be carried over to a changed source file: kept, listed, never dropped
    """CREATE TABLE unmatched (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        at            TEXT NOT NULL,
        old_line      INTEGER NOT NULL,
        content_hash  TEXT NOT NULL,
        source_sha256 TEXT NOT NULL,             -- the source the decision was made on
        decision      TEXT NOT NULL              -- JSON
    )""",
    # the drawn review sample, in review order (rank)
    """CREATE TABLE sample (
        line    INTEGER PRIMARY KEY,
        rank    INTEGER NOT NULL,
        stratum TEXT NOT NULL DEFAULT ''
    )""",
    """CREATE TABLE scan_cache (
        key    TEXT PRIMARY KEY,                 -- source sha256 + canonical scan settings
        at     TEXT NOT NULL,
        result TEXT NOT NULL                     -- JSON (ScanResult.to_json())
    )""",
)]
SCHEMA_VERSION = len(MIGRATIONS)

# how long a write waits for another connection's transaction (another window, `curator review`)
BUSY_TIMEOUT_MS = 10000


class ProjectFileError(Exception):
    """The project file cannot be used: damaged, not a Curator project, or unreadable.

    ``path`` is the project file; ``reason`` says what is wrong in words a user reads. The dataset
    itself is fine: open it with a fresh project (``on_damaged="fresh"`` in
    :func:`curator.core.project.open_project`), which keeps this file aside.
    """

    #: True when starting a fresh project (setting this file aside) can help: the file is damaged
    #: or foreign. False when the problem is the location (not writable) or the Curator version.
    fresh_helps = True

    def __init__(self, path: str | os.PathLike, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class ProjectNotWritableError(ProjectFileError):
    """The project file's folder (or the file) cannot be written: a read-only dataset folder, no
    permission, a locked or full disk. A fresh project would fail the same way; the remedy is
    another location (``project_path`` / ``--project PATH``)."""

    fresh_helps = False


class ProjectTooNewError(ProjectFileError):
    """The project was written by a newer Curator (higher schema version); it is left untouched."""

    def __init__(self, path: str | os.PathLike, found: int, supported: int) -> None:
        self.found, self.supported = found, supported
        super().__init__(path, f"written by a newer Curator (project format {found}; this Curator "
                               f"reads up to {supported}). Update Curator to open it.")

    fresh_helps = False


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def decision_to_json(d: Decision | None) -> dict | None:
    if d is None:
        return None
    return {"line": d.line, "status": d.status, "reviewer": d.reviewer, "at": d.at,
            "reason": d.reason, "note": d.note, "fixed": d.fixed}


def decision_from_json(doc: dict | None) -> Decision | None:
    if doc is None:
        return None
    return Decision(line=int(doc["line"]), status=doc["status"], reviewer=doc.get("reviewer") or "",
                    at=doc.get("at") or "", reason=doc.get("reason"), note=doc.get("note"),
                    fixed=doc.get("fixed"))


def set_aside(path: str | os.PathLike) -> Path:
    """Rename a project file (and its ``-wal``/``-shm`` companions) to ``<name>.damaged-<timestamp>``.

    Returns the new path of the main file. Nothing is deleted.
    """
    path = Path(path)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    for suffix in ("-wal", "-shm", "-journal"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.replace(side, target.with_name(target.name + suffix))
    os.replace(path, target)
    return target


_SQLITE_MAGIC = b"SQLite format 3\x00"


class Store:
    """One open project file. All writes go through the single connection held here.

    Thread-safe: a lock serialises every statement, so a GUI worker and the main thread can share
    a store; SQLite itself sees one writer.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        size = self.path.stat().st_size if self.path.exists() else 0
        wal = self.path.with_name(self.path.name + "-wal")
        existed = size > 0 or (self.path.exists() and wal.exists())
        if size > 0:
            self._check_header()
        self._check_writable(exists=self.path.exists())
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                   timeout=BUSY_TIMEOUT_MS / 1000)
        except sqlite3.Error as exc:
            raise ProjectNotWritableError(self.path, f"cannot open the project file ({exc}): the folder "
                                                     f"{self.path.parent} is not writable, or the file "
                                                     "cannot be created there") from exc
        self._conn = conn
        try:
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            if existed and not conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                existed = False  # an empty database: a creation that never committed (crash)
            if existed:  # before any PRAGMA that would change a foreign file
                self._check_identity()
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise ProjectFileError(self.path, f"cannot switch the project file to WAL mode (got {mode})")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._migrate(creating=not existed)
        except sqlite3.OperationalError as exc:  # locked, read-only folder, disk full, no permission
            conn.close()
            self._conn = None
            raise ProjectNotWritableError(self.path, f"cannot open the project file for writing ({exc}); "
                                                     "choose another project location") from exc
        except sqlite3.DatabaseError as exc:     # "file is not a database", "malformed"
            conn.close()
            self._conn = None
            raise ProjectFileError(self.path, f"the project file is damaged ({exc})") from exc
        except BaseException:
            conn.close()
            self._conn = None
            raise

    # ---- opening -------------------------------------------------------------------------------

    def _check_writable(self, *, exists: bool) -> None:
        """Refuse early, in plain words, when the project cannot be written where it is asked for.

        SQLite needs the folder writable too (the ``-wal``/``-shm`` files live beside the project),
        so an unwritable folder fails even for an existing project file.
        """
        folder = self.path.parent
        if not folder.is_dir():
            raise ProjectNotWritableError(self.path, f"the folder {folder} does not exist")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise ProjectNotWritableError(self.path, f"the folder {folder} is not writable, so the project "
                                                     "file (the review decisions) cannot be kept there")
        if exists and not os.access(self.path, os.R_OK | os.W_OK):
            raise ProjectNotWritableError(self.path, "the project file is not writable (no permission)")

    def _check_header(self) -> None:
        try:
            with open(self.path, "rb") as fh:
                head = fh.read(100)
        except OSError as exc:
            why = exc.strerror or exc
            raise ProjectFileError(self.path, f"cannot read the project file ({why})") from exc
        if not head.startswith(_SQLITE_MAGIC):
            raise ProjectFileError(self.path, "not a Curator project (not an SQLite database); "
                                              "it may be damaged or another program's file")

    def _check_identity(self) -> None:
        conn = self._db
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "schema_version" not in tables or "meta" not in tables:
            raise ProjectFileError(self.path, "not a Curator project (an SQLite database without "
                                              "Curator's tables)")
        row = conn.execute("SELECT value FROM meta WHERE key='app'").fetchone()
        if row is None or json.loads(row[0]) != APP_ID:
            raise ProjectFileError(self.path, "not a Curator project (another application's database)")
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise ProjectFileError(self.path, f"the project file is damaged ({check})")

    def _migrate(self, *, creating: bool) -> None:
        conn = self._db
        if creating:
            conn.execute("PRAGMA application_id=%d" % SQLITE_APPLICATION_ID)
            row = None
        else:
            row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
        current = int(row[0]) if row and row[0] is not None else 0
        if current > SCHEMA_VERSION:
            raise ProjectTooNewError(self.path, current, SCHEMA_VERSION)
        for version in range(current, SCHEMA_VERSION):
            with self.transaction() as tx:
                for stmt in MIGRATIONS[version]:
                    tx.execute(stmt)
                if version == 0:
                    tx.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
                    tx.execute("INSERT INTO meta(key, value) VALUES ('app', ?)", (_dumps(APP_ID),))
                    tx.execute("INSERT INTO meta(key, value) VALUES ('created_at', ?)", (_dumps(utc_now()),))
                tx.execute("DELETE FROM schema_version")
                tx.execute("INSERT INTO schema_version(version) VALUES (?)", (version + 1,))

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ProjectFileError(self.path, "the project is closed")
        return self._conn

    def close(self) -> None:
        with self.lock:
            if self._conn is not None:
                try:
                    # fold the WAL back into the main file so a copied .curator file is complete
                    self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                finally:
                    self._conn.close()
                    self._conn = None

    @property
    def closed(self) -> bool:
        return self._conn is None

    # ---- transactions --------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator["_Tx"]:
        """``BEGIN IMMEDIATE`` … ``COMMIT`` (fsynced: synchronous=FULL); rollback on any error."""
        with self.lock:
            conn = self._db
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield _Tx(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def query(self, sql: str, params: Iterable = ()) -> list[tuple]:
        with self.lock:
            return self._db.execute(sql, tuple(params)).fetchall()

    def integrity_check(self) -> str:
        with self.lock:
            return ";".join(r[0] for r in self._db.execute("PRAGMA integrity_check").fetchall())

    def data_version(self) -> int:
        """Changes whenever another connection commits (PRAGMA data_version)."""
        return int(self.query("PRAGMA data_version")[0][0])

    def schema_version(self) -> int:
        return int(self.query("SELECT max(version) FROM schema_version")[0][0])

    # ---- meta ----------------------------------------------------------------------------------

    def get_meta(self, key: str, default: object = None) -> object:
        rows = self.query("SELECT value FROM meta WHERE key=?", (key,))
        return json.loads(rows[0][0]) if rows else default

    def set_meta(self, key: str, value: object) -> None:
        with self.transaction() as tx:
            tx.set_meta(key, value)

    def try_set_meta(self, key: str, value: object | None, *, wait_ms: int = 250) -> bool:
        """``set_meta`` (or delete the key, for None) that waits at most ``wait_ms`` for another
        writer (another window's bulk decision, ``curator review``): False when it could not write
        now. For best-effort writes made on a GUI thread, which must not freeze."""
        if not self.lock.acquire(timeout=wait_ms / 1000):
            return False
        try:
            conn = self._db
            conn.execute(f"PRAGMA busy_timeout={int(wait_ms)}")
            try:
                with self.transaction() as tx:
                    if value is None:
                        tx.execute("DELETE FROM meta WHERE key=?", (key,))
                    else:
                        tx.set_meta(key, value)
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    return False
                raise
            finally:
                conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            return True
        finally:
            self.lock.release()

    def meta_with_prefix(self, prefix: str) -> dict[str, object]:
        """Every meta key starting with ``prefix`` and its value."""
        rows = self.query("SELECT key, value FROM meta WHERE substr(key, 1, ?) = ?", (len(prefix), prefix))
        return {k: json.loads(v) for k, v in rows}

    # ---- decisions -----------------------------------------------------------------------------

    def load_decisions(self) -> dict[int, Decision]:
        out: dict[int, Decision] = {}
        for line, status, reviewer, at, reason, note, fixed in self.query(
                "SELECT line, status, reviewer, at, reason, note, fixed FROM decisions"):
            out[line] = Decision(line, status, reviewer, at, reason, note,
                                 json.loads(fixed) if fixed is not None else None)
        return out

    def decision_hashes(self) -> dict[int, str]:
        return dict(self.query("SELECT line, content_hash FROM decisions"))

    def events(self, since_id: int = 0) -> list[dict]:
        rows = self.query("SELECT id, at, reviewer, action, command_id, line, status, payload FROM events "
                          "WHERE id > ? ORDER BY id", (since_id,))
        return [{"id": r[0], "at": r[1], "reviewer": r[2], "action": r[3], "command_id": r[4],
                 "line": r[5], "status": r[6], "payload": json.loads(r[7])} for r in rows]


class _Tx:
    """Statements inside one open transaction (see :meth:`Store.transaction`)."""

    __slots__ = ("conn",)

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Iterable = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, tuple(params))

    def executemany(self, sql: str, rows: Iterable[Iterable]) -> None:
        self.conn.executemany(sql, rows)

    def set_meta(self, key: str, value: object) -> None:
        self.conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) "
                          "ON CONFLICT(key) DO UPDATE SET value=excluded.value", (key, _dumps(value)))

    def log(self, action: str, *, reviewer: str = "", command_id: int | None = None,
            line: int | None = None, status: str | None = None, payload: object = None,
            at: str | None = None) -> None:
        self.conn.execute("INSERT INTO events(at, reviewer, action, command_id, line, status, payload) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?)",
                          (at or utc_now(), reviewer, action, command_id, line, status,
                           _dumps(payload if payload is not None else {})))

    def put_decisions(self, items: Iterable[tuple[int, Decision | None, str]]) -> None:
        """Set (or clear, when the decision is None) the current decision of each line.

        ``items`` are ``(line, decision, content_hash)``.
        """
        puts, dels = [], []
        for line, d, h in items:
            if d is None:
                dels.append((line,))
            else:
                if d.status not in STATUSES:
                    raise ValueError(f"unknown decision status {d.status!r}")
                puts.append((line, d.status, d.reviewer, d.at, d.reason, d.note,
                             _dumps(d.fixed) if d.fixed is not None else None, h))
        if dels:
            self.conn.executemany("DELETE FROM decisions WHERE line=?", dels)
        if puts:
            self.conn.executemany(
                "INSERT INTO decisions(line, status, reviewer, at, reason, note, fixed, content_hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(line) DO UPDATE SET status=excluded.status, "
                "reviewer=excluded.reviewer, at=excluded.at, reason=excluded.reason, note=excluded.note, "
                "fixed=excluded.fixed, content_hash=excluded.content_hash", puts)
