"""The public Python API for reviewing a dataset: :func:`open_project` → :class:`Project`.

The CLI, the GUI and the exporter all go through this object::

    import curator
    with curator.open_project("support.jsonl", reviewer="ana") as project:
        project.approve(3)
        project.reject(7, reason="wrong", note="refund period is 14 days")
        project.undo()
        lines = project.queue("sample", fraction=0.1, seed=7)
        print(project.status())

A project is one SQLite file (default: beside the dataset, ``<dataset name>.curator``) owned by
:mod:`curator.core.store`. Every mutation is a command on the persisted undo stack
(:mod:`curator.core.review`) and is on disk before the method returns.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .dataset import build_record, load_dataset, record_from_fix
from .decisions import (APPROVED, FIXED, REJECT_REASONS, REJECTED, SKIPPED, STATUSES, UNDECIDED, Decision,
                        by_reviewer)
from .estimate import DEFAULT_TARGET, Estimate, estimate
from .findings import FLAG_INVALID, ScanResult
from .progress import CancelToken, ProgressSink
from .records import Dataset, Problem, Record, canonical_json
from .review import (Approve, BulkApprove, BulkReject, BulkSkip, Change, Command, CommandStack, Fix,
                     Reject, ResolveCluster, ResolveContradiction, Skip, lines_tuple)
from .sampling import SampleSpec, draw_sample, new_seed, parse_stratify
from .store import (ProjectFileError, ProjectNotWritableError, ProjectTooNewError, Store, decision_from_json, decision_to_json,
                    set_aside, utc_now)

__all__ = ["open_project", "Project", "FixDraft", "ProjectFileError", "ProjectNotWritableError", "ProjectTooNewError", "InvalidFixError",
           "UnknownLineError", "SourceChange", "UnmatchedDecision", "default_project_path", "project_path_for",
           "project_read_options",
           "user_project_dir", "user_project_path", "QUEUE_KINDS"]

QUEUE_KINDS = ("all", "flagged", "sample")
VERDICTS = (APPROVED, REJECTED, FIXED)     # statuses that count as "reviewed" for the estimate


class InvalidFixError(ValueError):
    """A fix was refused: the corrected record does not pass the dataset's schema/format checks."""

    def __init__(self, line: int, problems: list[Problem], unit: str = "line") -> None:
        self.line = line
        self.problems = problems
        detail = "; ".join(f"{p.message}" + (f" at {p.path}" if p.path and p.path != "$" else "")
                           for p in problems)
        # (``unit``: "record" in a JSON array, where ids are element numbers)
        super().__init__(f"fix for {unit} {line} refused: {detail}")


class UnknownLineError(ValueError):
    """A line number that is not a record of this dataset."""

    def __init__(self, line: int, dataset: Dataset) -> None:
        self.line = line
        n = len(dataset.records)
        first, last = (dataset.records[0].line, dataset.records[-1].line) if n else (0, 0)
        if dataset.container == "json":
            # a JSON array's records are numbered by their place in the array, not by line
            span = f"numbered {first}–{last}" if n else "no records"
            super().__init__(f"no record number {line} in {dataset.path.name} ({n} records, {span})")
            return
        span = f"lines {first}–{last}" if n else "no records"
        super().__init__(f"no record at line {line} in {dataset.path.name} ({n} records, {span})")


@dataclass(frozen=True, slots=True)
class UnmatchedDecision:
    """A decision kept aside because its record is not in the current source file."""

    old_line: int
    content_hash: str
    source_sha256: str        # the source the decision was made on
    decision: Decision
    at: str                   # when it was set aside


@dataclass(frozen=True, slots=True)
class SourceChange:
    """What happened to decisions when the project was reopened on a changed source file."""

    old_sha256: str
    new_sha256: str
    carried: int                      # decisions now attached to a record (same or moved line)
    moved: Mapping[int, int]          # old line → new line, for the ones whose line changed
    unmatched: tuple[UnmatchedDecision, ...]
    sample_cleared: bool
    restored: int = 0                 # decisions set aside by an earlier change that matched again


@lru_cache(maxsize=1)
def detector_fingerprint() -> str:
    """Curator's version plus a hash of the detector sources, so a cached scan is never served
    after the detectors changed (a new release, or a developer's edit)."""
    from curator import __version__

    core = Path(__file__).resolve().parent
    h = hashlib.sha256(__version__.encode())
    for f in sorted([core / "scan.py", core / "findings.py", *(core / "detect").glob("*.py")]):
        if f.is_file():
            h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]


def _relined(d: Decision, line: int) -> Decision:
    return Decision(line, d.status, d.reviewer, d.at, d.reason, d.note, d.fixed)


def default_project_path(dataset_path: str | os.PathLike) -> Path:
    """``support.jsonl`` → ``support.jsonl.curator`` in the same folder."""
    p = Path(dataset_path)
    return p.with_name(p.name + ".curator")


def user_project_dir() -> Path:
    """The user's own folder for projects of datasets kept in folders they cannot write to (a
    shared drive, a read-only mount): ``$CURATOR_PROJECT_DIR`` if set, else the platform's
    per-user data folder (``~/.local/share/curator/projects``, ``~/Library/Application
    Support/Curator/projects``, ``%APPDATA%\\Curator\\projects``)."""
    env = os.environ.get("CURATOR_PROJECT_DIR")
    if env:
        return Path(env).expanduser()
    if os.name == "nt":
        return Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming") / "Curator" / "projects"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "Curator" / "projects"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "curator" / "projects"


def user_project_path(dataset_path: str | os.PathLike) -> Path:
    """Where a dataset's project goes in :func:`user_project_dir`: its name plus a digest of its
    absolute path, so two ``train.jsonl`` in different folders get different projects."""
    # the real path, case-folded where the file system ignores case: a symlinked folder or another
    # spelling of the same file finds the same project
    p = Path(os.path.realpath(dataset_path))
    digest = hashlib.sha256(os.path.normcase(str(p)).encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return user_project_dir() / f"{p.name}-{digest}.curator"


def project_path_for(dataset_path: str | os.PathLike) -> Path:
    """The project file :func:`open_project` uses by default: the user's own one in
    :func:`user_project_dir` when there is one (made because the dataset's folder was read-only;
    a project a colleague later puts beside the dataset must not hide it), else the one beside the
    dataset. The window, the CLI and the export all find the same decisions this way."""
    mine = user_project_path(dataset_path)
    return mine if mine.exists() else default_project_path(dataset_path)


REVIEWER_ENV = "CURATOR_REVIEWER"


def _default_reviewer() -> str:
    """The name decisions are signed with when none is given: ``$CURATOR_REVIEWER`` (set once in
    a shell profile, so the CLI signs as the app does), else the login name."""
    named = os.environ.get(REVIEWER_ENV, "").strip()
    if named:
        return named
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers; a blank reviewer is still recorded
        return ""


def open_project(path: str | os.PathLike, project_path: str | os.PathLike | None = None,
                 reviewer: str | None = None, progress: ProgressSink | None = None,
                 cancel: CancelToken | None = None, *, format: str = "auto",
                 schema: str | os.PathLike | None = None, mapping: Mapping[str, str] | None = None,
                 scan: bool = True, scan_settings: Mapping | None = None,
                 on_damaged: str = "raise", scan_workers: int = 1) -> "Project":
    """Load a dataset and open (or create) its review project.

    Parameters
    ----------
    path
        The dataset (.jsonl, .jsonl.gz or a JSON array); read-only, always.
    project_path
        The project file; default :func:`project_path_for` (beside the dataset, or the one kept
        in :func:`user_project_dir` for a dataset in a read-only folder).
    reviewer
        Name recorded with every decision (default: the login name). Settable later.
    format, schema, mapping
        As :func:`curator.core.dataset.load_dataset`. Left at their defaults, an existing project's
        own (the ones it was created with) are used, so every command reads the records alike.
    scan
        Compute (or load from the project's cache) the findings now, under ``progress``/``cancel``.
        With ``False`` they are computed on first use of :attr:`Project.scan`.
    scan_settings
        Settings for the scan (``curator.core.scan.ScanSettings`` fields); default: the ones stored
        in the project, else the defaults.
    on_damaged
        ``"raise"``: a damaged, foreign or too-new project file raises :class:`ProjectFileError`
        (its ``dataset`` attribute holds the loaded dataset, so the data can still be shown);
        ``"fresh"``: the bad file is renamed to ``<name>.damaged-<timestamp>`` and a new project is
        started (``Project.set_aside`` says where the old file went). An unwritable location
        (:class:`~curator.core.store.ProjectNotWritableError`) or a too-new project raises either
        way: a fresh project would fail the same way (``exc.fresh_helps`` is False).
    scan_workers
        ``run_scan(workers=)`` for this project's scans (also ``Project.scan_workers``): 1 by
        default; 2 lets the MinHash passes use a second core (a helper process), for a process that owns the
        machine (``curator.core.scan.available_workers``).

    Raises
    ------
    curator.core.io.FileReadError
        The dataset cannot be read.
    ProjectFileError
        The project file cannot be used (with ``on_damaged="raise"``).
    """
    if on_damaged not in ("raise", "fresh"):
        raise ValueError(f"on_damaged must be 'raise' or 'fresh', got {on_damaged!r}")
    if project_path is None:
        project_path = project_path_for(path)
    ppath = Path(os.path.abspath(project_path))
    if format == "auto" and schema is None and not mapping:
        # read the dataset the way its project was made (curator review --field output=answer):
        # otherwise every later command and the window see other records than the reviewer did
        format, schema, mapping = _stored_read(ppath)
    dataset = load_dataset(path, format=format, schema=schema, mapping=mapping, progress=progress,
                           cancel=cancel)
    if ppath.parent == user_project_dir().absolute() and not ppath.parent.exists():
        ppath.parent.mkdir(parents=True, exist_ok=True)   # the first project kept there
    aside: Path | None = None
    try:
        store = Store(ppath)
    except ProjectFileError as exc:
        # nothing to set aside (no file), or setting it aside cannot help (an unwritable location,
        # a newer Curator's project): raise, whatever on_damaged says
        if on_damaged != "fresh" or not ppath.exists() or not exc.fresh_helps:
            exc.dataset = dataset  # type: ignore[attr-defined]
            raise
        aside = set_aside(ppath)
        store = Store(ppath)
    project = Project(dataset, store, reviewer=reviewer if reviewer is not None else _default_reviewer(),
                      load_options={"format": format, "schema": os.path.abspath(schema) if schema else None,
                                    "mapping": dict(mapping) if mapping else None},
                      set_aside=aside)
    try:
        if scan_settings is not None:
            project._scan_settings = dict(scan_settings)
        project.scan_workers = scan_workers
        if scan:
            project._ensure_scan(progress=progress, cancel=cancel)
    except BaseException:
        project.close()
        raise
    return project


def _stored_read(ppath: Path) -> tuple[str, str | None, dict | None]:
    """(format, schema, mapping) a project was made with; a schema file that has moved since
    gives the built-in schema rather than no project at all."""
    stored = _stored_load_options(ppath)
    schema = stored.get("schema")
    return (stored.get("format") or "auto", schema if schema and Path(schema).is_file() else None,
            stored.get("mapping") or None)


def project_read_options(dataset_path: str | os.PathLike) -> tuple[str, str | None, dict | None, str]:
    """How the dataset's review project (if any) reads it: (format, schema, mapping, the same as
    command-line options, "" when it reads it plainly). For commands that take a file but no
    project (validate, scan), so they see the records the review saw."""
    fmt, schema, mapping = _stored_read(Path(os.path.abspath(project_path_for(dataset_path))))
    said = " ".join([*([f"--format {fmt}"] if fmt != "auto" else []), *([f"--schema {schema}"] if schema else []),
                     *(f"--field {k}={v}" for k, v in (mapping or {}).items())])
    return fmt, schema, mapping, said


def _stored_load_options(ppath: Path) -> dict:
    """The --format/--schema/--field a project was created with ({} if none, or no readable file)."""
    if not ppath.is_file():
        return {}
    import sqlite3

    def read(mode: str):
        con = sqlite3.connect(ppath.absolute().as_uri() + f"?mode={mode}", uri=True)   # '#', '?', '%' escaped
        try:
            con.execute("PRAGMA query_only=1")
            return con.execute("SELECT value FROM meta WHERE key='load_options'").fetchone()
        finally:
            con.close()

    try:
        try:
            # read-write (never create) but query-only: closing it, the last connection removes the
            # -wal/-shm files; a read-only connection left them beside the dataset after `scan`
            row = read("rw")
        except sqlite3.OperationalError:
            row = read("ro")     # a project file or folder we may not write
        value = json.loads(row[0]) if row else {}
    except (sqlite3.Error, ValueError):
        return {}            # a damaged or foreign file: Store says so properly below
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class FixDraft:
    """A fix typed in the Fix editor and not saved (see :meth:`Project.save_fix_draft`)."""

    line: int
    text: str          # the editor's JSON text, valid or not
    reviewer: str
    at: str            # ISO-8601 UTC of the last keep


def _host() -> str:
    import socket

    return socket.gethostname()


def _running_elsewhere(doc: dict) -> bool:
    """Whether the Curator that kept this draft is another process still running on this
    machine (its editor may be open: not a crash leftover)."""
    pid = doc.get("pid")
    if not isinstance(pid, int) or pid == os.getpid() or doc.get("host") != _host():
        return False
    if os.name == "nt":           # os.kill(pid, 0) would terminate it there
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:               # PermissionError: someone else's process, alive
        return True
    return True


class Project:
    """An open review project over one dataset. Create it with :func:`open_project`."""

    def __init__(self, dataset: Dataset, store: Store, *, reviewer: str = "",
                 load_options: Mapping | None = None, set_aside: Path | None = None) -> None:
        self.dataset = dataset
        self.store = store
        self.reviewer = reviewer
        self.load_options = dict(load_options or {})   # how this session read the dataset
        self.set_aside = set_aside          # where a damaged project file was moved, if it was
        # one lock for the store and the in-memory decisions: a reader never sees them half-updated
        self._lock = store.lock
        self._lines = {r.line for r in dataset.records}
        self._scan: ScanResult | None = None
        self._scan_settings: dict | None = store.get_meta("scan_settings")
        # run_scan(workers=): 1 in a process shared with a window; the GUI's scan process and
        # scripts that own the machine set 2 (curator.core.scan.available_workers)
        self.scan_workers = 1
        self.source_change: SourceChange | None = None
        if store.get_meta("source") is None:
            with store.transaction() as tx:
                tx.set_meta("source", self._source_meta())
                tx.set_meta("load_options", dict(load_options or {}))
                tx.log("created", reviewer=reviewer, payload=self._source_meta())
        else:
            old = store.get_meta("source")
            if old.get("sha256") != dataset.sha256:
                self.source_change = self._carry_over(old)
            elif old.get("path") != str(dataset.path.resolve()):
                store.set_meta("source", self._source_meta())
        version = store.data_version()
        self._decisions: dict[int, Decision] = store.load_decisions()
        self._stack = CommandStack(store, self._decisions, self._hash_of, version,
                                   unit="record" if dataset.container == "json" else "line")

    # ---- basics ----------------------------------------------------------------------------------

    @property
    def _unit(self) -> str:
        """What ids are called in messages: "record" (JSON array element) or "line" (JSONL)."""
        return self._stack.unit

    @property
    def path(self) -> Path:
        return self.store.path

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "Project":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _source_meta(self) -> dict:
        return {"path": str(self.dataset.path.resolve()), "size": self.dataset.size,
                "sha256": self.dataset.sha256}

    def _hash_of(self, line: int) -> str:
        return self.dataset.by_line(line).content_hash()

    def check_line(self, line: int) -> int:
        """``line`` as an int if it is a record of this dataset, else :class:`UnknownLineError`."""
        line = int(line)
        if line not in self._lines:
            raise UnknownLineError(line, self.dataset)
        return line

    # ---- decisions -------------------------------------------------------------------------------

    def decisions(self) -> dict[int, Decision]:
        """line → current decision (a copy; records without one are absent)."""
        with self._lock:
            self._stack.refresh()
            return dict(self._decisions)

    def decision(self, line: int) -> Decision | None:
        self._stack.refresh()
        return self._decisions.get(int(line))

    def fixed_record(self, line: int, decision: Decision | None = None) -> Record | None:
        """The record as its fix has it (read like the file's records: same format and field
        mapping), or None when ``line`` has no stored fix. ``decision`` saves a lookup."""
        d = decision if decision is not None else self.decision(line)
        if d is None or d.status != FIXED or not isinstance(d.fixed, dict):
            return None
        return record_from_fix(self.dataset, line, d.fixed)

    def refresh(self) -> bool:
        """Pick up decisions another process (e.g. ``curator review``) wrote; True if any changed."""
        return self._stack.refresh()

    def take_external_changes(self) -> dict[int, str]:
        """line → status of each line another process (a second window, ``curator review``)
        changed since the last call: what a window polls to show a colleague's decisions."""
        # never waits: a window polls this on its GUI thread while a worker may hold the store for a
        # bulk write; then there is nothing new to show yet (the next poll shows it)
        if not self._lock.acquire(blocking=False):
            return {}
        try:
            return self._stack.take_external()
        finally:
            self._lock.release()

    @property
    def undo_owner(self) -> str | None:
        """The reviewer who made the change Undo would take back (None if unknown or nothing)."""
        return self._stack.undo_owner()

    def status_of(self, line: int) -> str:
        self._stack.refresh()
        d = self._decisions.get(int(line))
        return d.status if d else UNDECIDED

    def effective_record(self, line: int) -> object:
        """The record as it should be exported: the fixed version if fixed, else the source data."""
        self._stack.refresh()
        d = self._decisions.get(int(line))
        if d is not None and d.status == FIXED and d.fixed is not None:
            return d.fixed
        return self.dataset.by_line(int(line)).data

    def _run(self, command: Command) -> Change:
        with self._lock:
            return self._stack.push(command, self.reviewer)

    def approve(self, lines: int | Iterable[int]) -> Change:
        """Approve one line, or several as one undo step."""
        ls = tuple(self.check_line(x) for x in lines_tuple(lines))
        if not ls:
            raise ValueError("nothing to approve: no lines given")
        return self._run(Approve(ls[0]) if len(ls) == 1 else BulkApprove(ls))

    def bulk_approve(self, lines: Iterable[int]) -> Change:
        """Approve a set of lines (e.g. a filtered view) as one undo step."""
        ls = tuple(self.check_line(x) for x in lines_tuple(lines))
        if not ls:
            raise ValueError("nothing to approve: no lines given")
        return self._run(BulkApprove(ls))

    def reject(self, lines: int | Iterable[int], reason: str | None = None,
               note: str | None = None) -> Change:
        """Reject one line (or several, as one undo step), with an optional reason code and note."""
        if reason is not None and reason not in REJECT_REASONS:
            raise ValueError(f"unknown reject reason {reason!r}; expected one of {', '.join(REJECT_REASONS)} "
                             "(free text goes in the note)")
        ls = tuple(self.check_line(x) for x in lines_tuple(lines))
        if not ls:
            raise ValueError("nothing to reject: no lines given")
        if len(ls) == 1:
            return self._run(Reject(ls[0], reason, note))
        return self._run(BulkReject(ls, reason, note))

    def validate_fix(self, line: int, record: object) -> list[Problem]:
        """Problems the corrected record would have (empty list = acceptable)."""
        line = self.check_line(line)
        if not isinstance(record, dict):
            return [Problem(line, "not_object", "a fixed record must be a JSON object {...}")]
        try:
            canonical_json(record)
            # NaN/Infinity and lone surrogates pass orjson (as null) and Python's json: the loader
            # refuses them in the file, so a fix must not bring them in
            json.dumps(record, allow_nan=False, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            return [Problem(line, "not_json", "the record holds a lone surrogate (an unpaired \\ud800-\\udfff "
                                              "escape), which is not text; remove it")]
        except (TypeError, ValueError) as exc:
            if "Out of range float" in str(exc):
                return [Problem(line, "not_json", "the record holds NaN or Infinity (or a number too large), "
                                                  "which JSON does not allow; write a number or a string")]
            return [Problem(line, "not_json", f"not representable as JSON: {exc}")]
        src = self.dataset.by_line(line)
        fmt = src.format if src.format != "unknown" else self.dataset.format
        rec = build_record(record, line=line, fmt=fmt, validator=self._user_validator(),
                           mapping=self.dataset.mapping)
        return list(rec.errors)

    def _user_validator(self):
        source = self.dataset.schema_source
        if not source or source.startswith("builtin:"):
            return None
        from .schema import load_user_validator

        return load_user_validator(source)

    def fix(self, line: int, record: dict, note: str | None = None) -> Change:
        """Store a corrected record; refused with :class:`InvalidFixError` if it fails validation."""
        line = self.check_line(line)
        problems = self.validate_fix(line, record)
        if problems:
            raise InvalidFixError(line, problems, self._unit)
        change = self._run(Fix(line, record, note))
        self.drop_fix_draft(line)    # best effort: a draft older than the decision is not offered anyway
        return change

    def skip(self, lines: int | Iterable[int]) -> Change:
        """Mark one line (or several, as one undo step) as skipped: seen, to come back to."""
        ls = tuple(self.check_line(x) for x in lines_tuple(lines))
        if not ls:
            raise ValueError("nothing to skip: no lines given")
        return self._run(Skip(ls[0]) if len(ls) == 1 else BulkSkip(ls))

    def resolve_cluster(self, lines: Iterable[int], keep: int) -> Change:
        """Keep ``keep`` (approved) and reject every other member as its duplicate: one undo step."""
        ls = tuple(self.check_line(x) for x in lines_tuple(lines))
        return self._run(ResolveCluster(ls, self.check_line(keep)))

    def resolve_contradiction(self, a: int, b: int, action: str = "keep_a",
                              record: dict | None = None) -> Change:
        """``keep_a`` / ``keep_b`` (approve one, reject the other), ``keep_both`` (a false alarm:
        approve both), ``reject_both``, or ``fix`` (store ``record`` as the fix of ``a`` and reject
        ``b``). One undo step."""
        a, b = self.check_line(a), self.check_line(b)
        if action == "fix":
            problems = self.validate_fix(a, record)
            if problems:
                raise InvalidFixError(a, problems, self._unit)
        change = self._run(ResolveContradiction(a, b, action, record))
        if action == "fix":
            self.drop_fix_draft(a)
        return change

    # ---- undo / redo -----------------------------------------------------------------------------

    def undo(self) -> Change | None:
        with self._lock:
            return self._stack.undo(self.reviewer)

    def redo(self) -> Change | None:
        with self._lock:
            return self._stack.redo(self.reviewer)

    @property
    def can_undo(self) -> bool:
        return self._stack.can_undo

    @property
    def can_redo(self) -> bool:
        return self._stack.can_redo

    @property
    def undo_label(self) -> str | None:
        return self._stack.undo_label

    @property
    def redo_label(self) -> str | None:
        return self._stack.redo_label

    def history(self, limit: int = 50) -> list[dict]:
        """Recent commands, newest first: id, label, kind, state (done/undone), at."""
        return self._stack.history(limit)

    def events(self, since_id: int = 0) -> list[dict]:
        """The append-only audit log."""
        return self.store.events(since_id)

    # ---- scan ------------------------------------------------------------------------------------

    @property
    def scan_settings(self) -> dict:
        from .scan import ScanSettings

        return ScanSettings.from_dict(self._scan_settings).to_dict()

    def _scan_key(self, settings: dict) -> str:
        # how the file was read is part of it: the same bytes read with another --field or --schema
        # are other records (a scan cached while every record was invalid found no duplicates)
        read = canonical_json(self.load_options).decode()
        return f"{self.dataset.sha256}:{detector_fingerprint()}:{canonical_json(settings).decode()}:{read}"

    @property
    def scan(self) -> ScanResult:
        """The findings for the current source and settings (computed once, cached in the project)."""
        return self._ensure_scan()

    def _ensure_scan(self, progress: ProgressSink | None = None,
                     cancel: CancelToken | None = None) -> ScanResult:
        with self._lock:
            if self._scan is not None:
                return self._scan
            settings = self.scan_settings
            rows = self.store.query("SELECT result FROM scan_cache WHERE key=?", (self._scan_key(settings),))
            if rows:
                self._scan = ScanResult.from_json(json.loads(rows[0][0]))
                return self._scan
        return self.rescan(settings, progress=progress, cancel=cancel)

    def rescan(self, settings: Mapping | None = None, progress: ProgressSink | None = None,
               cancel: CancelToken | None = None) -> ScanResult:
        """Run the detectors (``curator.core.scan.run_scan``) and cache the result in the project."""
        from .scan import ScanSettings, run_scan

        chosen = dict(settings) if settings is not None else self._scan_settings
        norm = ScanSettings.from_dict(chosen).to_dict()
        result = run_scan(self.dataset, settings=norm, progress=progress, cancel=cancel,
                          workers=self.scan_workers)

        with self._lock:
            with self.store.transaction() as tx:
                tx.execute("INSERT INTO scan_cache(key, at, result) VALUES (?, ?, ?) "
                           "ON CONFLICT(key) DO UPDATE SET at=excluded.at, result=excluded.result",
                           (self._scan_key(norm), utc_now(),
                            json.dumps(result.to_json(), ensure_ascii=False)))
                tx.set_meta("scan_settings", norm)
                tx.log("scan", reviewer=self.reviewer, payload={"settings": norm, "timings": result.timings})
            self._scan_settings = norm
            self._scan = result
        return result

    def flags_by_line(self) -> dict[int, set[str]]:
        """Scan flags plus ``invalid`` for schema-invalid records."""
        flags = {ln: set(f) for ln, f in self.scan.flags_by_line().items()}
        for r in self.dataset.records:
            if not r.valid:
                flags.setdefault(r.line, set()).add(FLAG_INVALID)
        return flags

    # ---- queues, sampling, resume ----------------------------------------------------------------

    def queue(self, kind: str = "all", fraction: float | None = None, seed: int | None = None,
              stratify: str | None = None) -> list[int]:
        """The lines of a review queue, in review order; it becomes the project's current queue.

        ``all``: every record in file order. ``flagged``: invalid records and those with a scan
        finding (duplicate, near-duplicate, contradiction, lint). ``sample``: the stored sample; a
        new one is drawn (and stored) when none exists or ``fraction``/``seed``/``stratify`` differ
        from the stored one. The sample is in random (rank) order, so any prefix is a random sample.
        """
        if kind not in QUEUE_KINDS:
            raise ValueError(f"unknown queue {kind!r}; expected one of {', '.join(QUEUE_KINDS)}")
        lines = self._sample_for(fraction, seed, stratify) if kind == "sample" else self._queue_lines(kind)
        with self._lock:
            spec = {"kind": kind}
            if self.store.get_meta("queue") != spec:
                self.store.set_meta("queue", spec)
        return lines

    def current_queue(self) -> str:
        return (self.store.get_meta("queue") or {}).get("kind", "all")

    def _queue_lines(self, kind: str) -> list[int]:
        """The lines of queue ``kind`` as stored (the sample as drawn), recording no choice."""
        if kind == "all":
            return [r.line for r in self.dataset.records]
        if kind == "flagged":
            flags = self.flags_by_line()
            return [r.line for r in self.dataset.records if r.line in flags]
        return self.sample_lines() or []

    def _current_queue_lines(self) -> list[int]:
        """The lines of the current queue, read without recording a choice (queue() records the
        kind it is asked for: a read-only `curator status` or a resume recorded "all" as chosen)."""
        return self._queue_lines(self.current_queue())

    def _sample_for(self, fraction: float | None, seed: int | None, stratify: str | None) -> list[int]:
        stratify = parse_stratify(stratify)
        spec = self.sample_spec()
        if spec is not None and (fraction is None or abs(fraction - spec.fraction) < 1e-12) \
                and (seed is None or seed == spec.seed) and (stratify is None or stratify == spec.stratify):
            return self.sample_lines() or []
        if spec is not None:  # change only what was asked for
            seed = spec.seed if seed is None else seed
            fraction = spec.fraction if fraction is None else fraction
        return self.draw_sample(fraction, seed, stratify)

    def _strata(self, stratify: str | None) -> dict[int, str] | None:
        if stratify is None:
            return None
        if stratify == "format":
            return {r.line: r.format for r in self.dataset.records}
        if stratify == "flagged":
            flags = self.flags_by_line()
            return {r.line: ("flagged" if r.line in flags else "unflagged") for r in self.dataset.records}
        from .stats import field_value

        name = stratify.split(":", 1)[1]
        out = {}
        for r in self.dataset.records:
            v = field_value(r.data, name)
            out[r.line] = "(missing)" if v is None else v
        return out

    def draw_sample(self, fraction: float | None = None, seed: int | None = None,
                    stratify: str | None = None) -> list[int]:
        """Draw a new seeded sample and store it in the project (replacing any earlier one)."""
        stratify = parse_stratify(stratify)
        seed = new_seed() if seed is None else int(seed)
        lines, labels, used = draw_sample([r.line for r in self.dataset.records], fraction=fraction,
                                          seed=seed, strata=self._strata(stratify))
        spec = SampleSpec(used, seed, stratify, len(self.dataset.records), len(lines))
        with self._lock, self.store.transaction() as tx:
            old = self.store.get_meta("sample")
            tx.execute("DELETE FROM sample")
            tx.executemany("INSERT INTO sample(line, rank, stratum) VALUES (?, ?, ?)",
                           ((ln, i, labels.get(ln, "")) for i, ln in enumerate(lines)))
            tx.set_meta("sample", spec.to_json())
            tx.log("sample", reviewer=self.reviewer, payload={"spec": spec.to_json(), "replaced": old})
        return lines

    def sample_spec(self) -> SampleSpec | None:
        doc = self.store.get_meta("sample")
        return SampleSpec.from_json(doc) if doc else None

    def sample_lines(self) -> list[int] | None:
        """The stored sample in review order, or None if no sample was drawn."""
        if self.store.get_meta("sample") is None:
            return None
        return [r[0] for r in self.store.query("SELECT line FROM sample ORDER BY rank")]

    def next_undecided(self, queue_lines: list[int], after: int | None = None) -> int | None:
        """The first line of ``queue_lines`` after ``after`` (in queue order) with no decision.

        ``after=None`` searches from the start. Skipped lines count as handled.
        """
        self._stack.refresh()
        start = 0
        if after is not None:
            try:
                start = queue_lines.index(after) + 1
            except ValueError:
                start = 0
        for ln in queue_lines[start:]:
            if ln not in self._decisions:
                return ln
        return None

    # ---- drafts of fixes being typed ------------------------------------------------------------
    # A fix is a decision only once saved; until then the Fix editor keeps what is typed here (a
    # row of the project's meta table per line and reviewer, no schema change), so a crash or a
    # killed window does not lose a long correction. Saving or discarding the fix removes it.

    _DRAFT = "fix_draft:"

    def _draft_key(self, line: int, reviewer: str | None = None) -> str:
        return f"{self._DRAFT}{int(line)}:{self.reviewer if reviewer is None else reviewer}"

    def save_fix_draft(self, line: int, text: str) -> bool:
        """Keep ``text`` (the Fix editor's JSON) as this reviewer's unsaved fix of ``line``. Best
        effort and never a long wait (it runs on the GUI thread while typing): False when another
        writer holds the project, and the editor's next keep tries again."""
        rec = self.dataset.by_line(self.check_line(line))
        doc = {"text": text, "reviewer": self.reviewer, "at": utc_now(), "hash": rec.content_hash(),
               "pid": os.getpid(), "host": _host()}
        return self.store.try_set_meta(self._draft_key(line), doc)

    def drop_fix_draft(self, line: int, reviewer: str | None = None) -> bool:
        """Forget the unsaved fix of ``line`` (this reviewer's, or ``reviewer``'s)."""
        return self.store.try_set_meta(self._draft_key(line, reviewer), None)

    def fix_drafts(self, reviewer: str | None = None) -> list[FixDraft]:
        """Unsaved fixes worth offering back, by line: ``reviewer``'s (None: anyone's), left by
        a Curator that is no longer running (one still running on this machine is someone still
        typing), of records the source still has (followed to their new line when lines moved),
        and not overtaken by a decision on that record made after the draft was last kept."""
        out: list[FixDraft] = []
        moved: list[tuple[str, int, dict]] = []
        by_hash: dict[str, int] | None = None
        for key, doc in self.store.meta_with_prefix(self._DRAFT).items():
            try:
                line = int(key[len(self._DRAFT):].partition(":")[0])
                draft = FixDraft(line, str(doc["text"]), str(doc.get("reviewer", "")), str(doc.get("at", "")))
            except (ValueError, TypeError, KeyError, AttributeError):
                continue
            if reviewer is not None and draft.reviewer != reviewer:
                continue
            if _running_elsewhere(doc):
                continue
            rec = self.dataset.by_line(line) if line in self._lines else None
            if rec is None or doc.get("hash") != rec.content_hash():
                # the source changed: the record may sit on another line now, or be gone
                if by_hash is None:
                    by_hash = {}
                    for r in self.dataset.records:
                        by_hash.setdefault(r.content_hash(), r.line)
                new_line = by_hash.get(str(doc.get("hash")))
                if new_line is None:
                    self.store.try_set_meta(key, None)       # its record is gone: nothing to fix
                    continue
                moved.append((key, new_line, doc))
                draft = FixDraft(new_line, draft.text, draft.reviewer, draft.at)
            d = self.decision(draft.line)
            if d is not None and d.at >= draft.at:
                continue   # decided since (the fix saved, or a later decision): not unsaved work
            out.append(draft)
        for key, new_line, doc in moved:
            if self.store.try_set_meta(f"{self._DRAFT}{new_line}:{doc.get('reviewer', '')}", doc):
                self.store.try_set_meta(key, None)
        return sorted(out, key=lambda x: (x.line, x.reviewer))

    def fixes_elsewhere(self, line: int, this_process: bool = False) -> list[FixDraft]:
        """Unsaved fixes of ``line`` being typed in another Curator still running on this machine
        (anyone's), oldest first: opening a second editor on the record would race them (a
        trial: the second window's keeps overwrote the first's draft, and whichever was saved last
        silently replaced the other). ``this_process``: also those kept by this process (the
        caller knows another of its windows has the editor open)."""
        rec = self.dataset.by_line(self.check_line(line))
        d = self.decision(line)
        out = []
        for doc in self.store.meta_with_prefix(f"{self._DRAFT}{int(line)}:").values():
            if not isinstance(doc, dict) or doc.get("hash") != rec.content_hash():
                continue
            # a live process's editor is open whatever was decided since (the other window's "Fix
            # anyway" saved); one of ours may be a draft whose drop failed after its fix was saved
            if _running_elsewhere(doc) or (this_process and doc.get("pid") == os.getpid()
                                           and (d is None or d.at < str(doc.get("at", "")))):
                out.append(FixDraft(int(line), str(doc.get("text", "")), str(doc.get("reviewer", "")),
                                    str(doc.get("at", ""))))
        return sorted(out, key=lambda x: x.at)

    def fix_draft(self, line: int, reviewer: str | None = None) -> FixDraft | None:
        """The unsaved fix of ``line`` worth offering back (see :meth:`fix_drafts`), or None."""
        return next((d for d in self.fix_drafts(reviewer) if d.line == int(line)), None)

    def set_position(self, line: int) -> None:
        """Remember the line the reviewer is looking at (resume starts here)."""
        self.store.set_meta("position", self.check_line(line))

    def resume_line(self) -> int | None:
        """Where a reopened project continues: the first undecided line of the current queue
        (skipped lines count as handled), or None when all are decided.

        Not the line after the last decision: the remembered position is moved by every single
        decision or resolution, wherever it was made, and a contradiction resolved in Findings
        (lines 2400/2471) sent the desk to example 372 of a queue whose examples 2–371 nobody had
        decided. Resuming at the reviewer's own position gives the same line whenever everything
        before it is decided, so the first undecided line is both: nothing undecided is passed over."""
        self._stack.refresh()
        return self.next_undecided(self._current_queue_lines())

    # ---- change detection ------------------------------------------------------------------------

    def _carry_over(self, old_source: dict) -> SourceChange:
        """Re-attach decisions to records by content hash after the source file changed.

        Decisions whose record is still on its line stay; the others follow their content to its
        new line (identical records are matched one to one, in order). Decisions that match no
        record go to the ``unmatched`` table (kept, listed, logged). Decisions set aside by an
        earlier change come back if their record reappears on an undecided line (a reverted edit).
        """
        new_hash = {r.line: r.content_hash() for r in self.dataset.records}
        by_hash: dict[str, list[int]] = {}
        for ln, h in new_hash.items():
            by_hash.setdefault(h, []).append(ln)
        at = utc_now()
        with self.store.transaction() as tx:
            rows = tx.execute("SELECT line, status, reviewer, at, reason, note, fixed, content_hash "
                              "FROM decisions ORDER BY line").fetchall()
            old = [(r[0], Decision(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]) if r[6] else None),
                    r[7]) for r in rows]
            taken: set[int] = set()
            target: dict[int, int] = {}
            for ln, _d, h in old:                  # first: records still on their own line
                if new_hash.get(ln) == h:
                    target[ln] = ln
                    taken.add(ln)
            for ln, _d, h in old:                  # then: records that moved (duplicates in order)
                if ln not in target:
                    for cand in by_hash.get(h, ()):
                        if cand not in taken:
                            target[ln] = cand
                            taken.add(cand)
                            break
            unmatched = tuple(UnmatchedDecision(ln, h, old_source.get("sha256", ""), d, at)
                              for ln, d, h in old if ln not in target)
            moved = {o: n for o, n in target.items() if o != n}
            restored: list[tuple[int, int, Decision, str]] = []     # (unmatched id, new line, decision, hash)
            for uid, h, doc in tx.execute("SELECT id, content_hash, decision FROM unmatched "
                                          "ORDER BY id DESC").fetchall():
                for cand in by_hash.get(h, ()):
                    if cand not in taken:
                        taken.add(cand)
                        d = decision_from_json(json.loads(doc))
                        assert d is not None
                        restored.append((uid, cand, d, h))
                        break
            tx.execute("DELETE FROM decisions")
            tx.put_decisions([(target[ln], _relined(d, target[ln]), h) for ln, d, h in old if ln in target]
                             + [(n, _relined(d, n), h) for _uid, n, d, h in restored])
            for uid, n, d, _h in restored:
                tx.execute("DELETE FROM unmatched WHERE id=?", (uid,))
                tx.log("restored", reviewer=self.reviewer, line=n, status=d.status, at=at,
                       payload={"decision": decision_to_json(_relined(d, n)), "from_line": d.line})
            for u in unmatched:
                tx.execute("INSERT INTO unmatched(at, old_line, content_hash, source_sha256, decision) "
                           "VALUES (?, ?, ?, ?, ?)",
                           (at, u.old_line, u.content_hash, u.source_sha256,
                            json.dumps(decision_to_json(u.decision), ensure_ascii=False)))
                tx.log("unmatched", reviewer=self.reviewer, line=u.old_line, status=None, at=at,
                       payload={"decision": decision_to_json(u.decision), "content_hash": u.content_hash})
            tx.executemany("INSERT INTO events(at, reviewer, action, line, status, payload) "
                           "VALUES (?, ?, 'carried', ?, NULL, ?)",
                           ((at, self.reviewer, n, f'{{"from_line":{o}}}') for o, n in moved.items()))
            # line numbers moved: the undo history would point at the wrong records
            CommandStack.discard_all(tx)
            sample_row = tx.execute("SELECT value FROM meta WHERE key='sample'").fetchone()
            sample_cleared = sample_row is not None and json.loads(sample_row[0]) is not None
            if sample_cleared:
                tx.execute("DELETE FROM sample")
                tx.set_meta("sample", None)
                queue_row = tx.execute("SELECT value FROM meta WHERE key='queue'").fetchone()
                if queue_row is not None and (json.loads(queue_row[0]) or {}).get("kind") == "sample":
                    tx.set_meta("queue", {"kind": "all"})
            pos_row = tx.execute("SELECT value FROM meta WHERE key='position'").fetchone()
            pos = json.loads(pos_row[0]) if pos_row else None
            if isinstance(pos, int):
                tx.set_meta("position", target.get(pos, pos if pos in self._lines else None))
            tx.set_meta("source", self._source_meta())
            tx.log("source_changed", reviewer=self.reviewer, at=at,
                   payload={"old": old_source, "new": self._source_meta(), "carried": len(target),
                            "moved": len(moved), "unmatched": len(unmatched), "restored": len(restored),
                            "sample_cleared": sample_cleared})
        return SourceChange(old_source.get("sha256", ""), self.dataset.sha256, len(target), moved, unmatched,
                            sample_cleared, len(restored))

    def unmatched(self) -> list[UnmatchedDecision]:
        """Every decision set aside because its record was no longer in the source (kept forever)."""
        return [UnmatchedDecision(r[0], r[1], r[2], decision_from_json(json.loads(r[3])), r[4])
                for r in self.store.query("SELECT old_line, content_hash, source_sha256, decision, at "
                                          "FROM unmatched ORDER BY id")]

    # ---- estimate and status ---------------------------------------------------------------------

    def estimate(self, target: float = DEFAULT_TARGET) -> Estimate | None:
        """The acceptance estimate from the sample's decisions, or None if no sample was drawn."""
        self._stack.refresh()
        sample = self.sample_lines()
        if sample is None:
            return None
        with self._lock:
            dec = self._decisions
            reviewed = defects = skipped = 0
            for ln in sample:
                d = dec.get(ln)
                if d is None:
                    continue
                if d.status in VERDICTS:
                    reviewed += 1
                    defects += d.status in (REJECTED, FIXED)
                elif d.status == SKIPPED:
                    skipped += 1
            with_verdict = sum(1 for ln, d in dec.items() if d.status in VERDICTS and ln in self._lines)
        return estimate(population=len(self.dataset.records), sample_size=len(sample), reviewed=reviewed,
                        defects=defects, skipped=skipped, remainder=len(self.dataset.records) - with_verdict,
                        target=target)

    def counts(self) -> dict[str, int]:
        """Decisions per status, plus ``undecided``."""
        self._stack.refresh()
        with self._lock:
            out = {s: 0 for s in STATUSES}
            for ln, d in self._decisions.items():
                if ln in self._lines:
                    out[d.status] += 1
        out[UNDECIDED] = len(self.dataset.records) - sum(out.values())
        return out

    def unresolved_findings(self) -> dict[str, int]:
        """Findings with at least one member still undecided (skipped counts as undecided here)."""
        self._stack.refresh()
        dec = self._decisions

        def open_(lines: Iterable[int]) -> bool:
            return any((d := dec.get(ln)) is None or d.status == SKIPPED for ln in lines)

        scan = self.scan
        return {
            "invalid": sum(1 for r in self.dataset.records if not r.valid and open_((r.line,))),
            "exact_duplicates": sum(1 for g in scan.exact_duplicates if open_(g.lines)),
            "near_duplicates": sum(1 for c in scan.near_duplicates if open_(c.lines)),
            "contradictions": sum(1 for k in scan.contradictions if open_((k.a, k.b))),
            "lint": sum(1 for f in scan.lint if open_((f.line,))),
        }

    def reviewer_counts(self) -> dict[str, dict[str, int]]:
        """reviewer → {status: decisions}, for the records of the file, most decisions first."""
        self._stack.refresh()
        return by_reviewer(d for ln, d in self._decisions.items() if ln in self._lines)

    def status(self, *, lines: bool = False, target: float = DEFAULT_TARGET) -> dict:
        """What ``curator status --json`` prints (see the README for the keys)."""
        self._stack.refresh()
        counts = self.counts()
        kind = self.current_queue()
        queue = self._current_queue_lines()
        in_queue = [self._decisions.get(ln) for ln in queue]
        est = self.estimate(target)
        spec = self.sample_spec()
        out = {
            "records": len(self.dataset.records),
            "decisions": {k: counts[k] for k in (APPROVED, REJECTED, FIXED, SKIPPED, UNDECIDED)},
            "queue": {"kind": kind, "size": len(queue),
                      "decided": sum(1 for d in in_queue if d is not None and d.status in VERDICTS),
                      "skipped": sum(1 for d in in_queue if d is not None and d.status == SKIPPED),
                      "undecided": sum(1 for d in in_queue if d is None),
                      "next": self.resume_line()},
            "estimate": est.to_json() if est else None,
            "project": str(self.path),
            "source": self._source_meta(),
            "sample": spec.to_json() if spec else None,
            "findings": self.unresolved_findings(),
            "unmatched": len(self.unmatched()),
            "undo": self.undo_label,
            "redo": self.redo_label,
            # who decided what: reviewer → decisions per status (a team lead found no way to see it)
            "reviewers": self.reviewer_counts(),
        }
        if lines:
            by: dict[str, list[int]] = {s: [] for s in (APPROVED, REJECTED, FIXED, SKIPPED)}
            for ln in sorted(self._decisions):
                if ln in self._lines:
                    by[self._decisions[ln].status].append(ln)
            out["lines"] = by
        return out
