"""The project store: SQLite settings, schema versions, append-only log, bad files."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

import curator
from curator.core.decisions import APPROVED, Decision
from curator.core.store import (SCHEMA_VERSION, ProjectFileError, ProjectTooNewError, Store, set_aside)


def write_dataset(path: Path, n: int = 10) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"instruction": f"Question {i}?", "input": "", "output": f"Answer {i}."}) + "\n")
    return path


def test_new_store_uses_wal_full_sync_and_current_schema(tmp_path: Path) -> None:
    s = Store(tmp_path / "p.curator")
    try:
        assert s.query("PRAGMA journal_mode")[0][0] == "wal"
        assert s.query("PRAGMA synchronous")[0][0] == 2  # FULL
        assert s.schema_version() == SCHEMA_VERSION
        assert s.get_meta("app") == "curator-project"
        assert s.integrity_check() == "ok"
    finally:
        s.close()


def test_decisions_and_meta_persist_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "p.curator"
    s = Store(path)
    with s.transaction() as tx:
        tx.put_decisions([(3, Decision(3, APPROVED, "ana", "2026-01-01T00:00:00Z"), "h3")])
        tx.set_meta("position", 3)
        tx.log("do", reviewer="ana", line=3, status=APPROVED)
    s.close()
    s = Store(path)
    try:
        assert s.load_decisions() == {3: Decision(3, APPROVED, "ana", "2026-01-01T00:00:00Z")}
        assert s.decision_hashes() == {3: "h3"}
        assert s.get_meta("position") == 3
        assert [e["action"] for e in s.events()] == ["do"]
    finally:
        s.close()


def test_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    s = Store(tmp_path / "p.curator")
    try:
        with pytest.raises(RuntimeError):
            with s.transaction() as tx:
                tx.put_decisions([(1, Decision(1, APPROVED, "", "t"), "h")])
                raise RuntimeError("boom")
        assert s.load_decisions() == {}
        with pytest.raises(ValueError, match="unknown decision status"):
            with s.transaction() as tx:
                tx.put_decisions([(1, Decision(1, "maybe", "", "t"), "h")])
        assert s.load_decisions() == {}
    finally:
        s.close()


def test_event_log_is_append_only(tmp_path: Path) -> None:
    s = Store(tmp_path / "p.curator")
    try:
        with s.transaction() as tx:
            tx.log("do", line=1, status=APPROVED)
        for sql in ("DELETE FROM events", "UPDATE events SET status='rejected'"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                with s.transaction() as tx:
                    tx.execute(sql)
        assert len(s.events()) == 1
    finally:
        s.close()


def test_refuses_a_project_from_a_newer_curator_and_leaves_it_alone(tmp_path: Path) -> None:
    path = tmp_path / "p.curator"
    Store(path).close()
    with sqlite3.connect(path) as c:
        c.execute("UPDATE schema_version SET version=?", (SCHEMA_VERSION + 1,))
    before = path.read_bytes()
    with pytest.raises(ProjectTooNewError, match="newer Curator") as info:
        Store(path)
    assert info.value.found == SCHEMA_VERSION + 1 and isinstance(info.value, ProjectFileError)
    assert path.read_bytes() == before


def test_foreign_sqlite_database_is_refused_without_being_changed(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as c:
        c.execute("CREATE TABLE notes (x TEXT)")
        c.execute("INSERT INTO notes VALUES ('mine')")
    before = path.read_bytes()
    with pytest.raises(ProjectFileError, match="not a Curator project"):
        Store(path)
    assert path.read_bytes() == before
    with sqlite3.connect(path) as c:  # still the other program's rollback-journal database
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_non_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.curator"
    path.write_text("this is a text file, not a project\n")
    with pytest.raises(ProjectFileError, match="not an SQLite database"):
        Store(path)


def test_corrupted_pages_give_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "p.curator"
    s = Store(path)
    with s.transaction() as tx:
        tx.put_decisions([(i, Decision(i, APPROVED, "ana", "t", None, "x" * 200), "h") for i in range(1, 400)])
    s.close()
    raw = bytearray(path.read_bytes())
    assert len(raw) > 4096 * 4
    # overwrite everything after the first page (the header stays valid): the btrees are garbage
    for i in range(4096, len(raw)):
        raw[i] = (i * 7) & 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(ProjectFileError) as info:
        Store(path)
    assert "damaged" in info.value.reason or "not a Curator project" in info.value.reason


def test_set_aside_keeps_the_file_and_its_wal(tmp_path: Path) -> None:
    path = tmp_path / "p.curator"
    path.write_bytes(b"garbage")
    (tmp_path / "p.curator-wal").write_bytes(b"wal")
    moved = set_aside(path)
    assert not path.exists() and moved.read_bytes() == b"garbage"
    assert moved.name.startswith("p.curator.damaged-")
    assert Path(str(moved) + "-wal").read_bytes() == b"wal"


def test_open_project_on_damaged_file_raises_with_dataset_then_starts_fresh(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "support.jsonl")
    proj = tmp_path / "support.jsonl.curator"
    proj.write_bytes(b"\x00\x01 not sqlite")
    with pytest.raises(ProjectFileError) as info:
        curator.open_project(data, scan=False)
    # the error names the file and carries the loaded dataset, so the data can still be shown
    assert info.value.path == proj
    assert len(info.value.dataset.records) == 10  # type: ignore[attr-defined]
    with curator.open_project(data, scan=False, on_damaged="fresh") as project:
        assert project.set_aside is not None and project.set_aside.read_bytes() == b"\x00\x01 not sqlite"
        assert project.path == proj
        project.approve(1)
    with curator.open_project(data, scan=False) as project:
        assert project.decision(1).status == APPROVED
        assert project.set_aside is None


def test_older_project_is_migrated_in_order_and_keeps_its_data(tmp_path: Path, monkeypatch) -> None:
    import curator.core.store as store_mod

    path = tmp_path / "p.curator"
    s = Store(path)
    with s.transaction() as tx:
        tx.put_decisions([(2, Decision(2, APPROVED, "ana", "t"), "h2")])
    s.close()
    # a later Curator adds migration 2 (a new table and column); the v1 file must come up to v2
    v2 = ("CREATE TABLE tags (line INTEGER NOT NULL, tag TEXT NOT NULL)",
          "ALTER TABLE decisions ADD COLUMN confidence REAL")
    monkeypatch.setattr(store_mod, "MIGRATIONS", [*store_mod.MIGRATIONS, v2])
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", 2)
    s = Store(path)
    try:
        assert s.schema_version() == 2
        assert s.query("SELECT count(*) FROM tags") == [(0,)]
        assert s.query("SELECT line, confidence FROM decisions") == [(2, None)]
        assert s.load_decisions()[2].reviewer == "ana"
    finally:
        s.close()
    monkeypatch.undo()                       # back to this Curator: the v2 file is now "too new"
    with pytest.raises(ProjectTooNewError):
        Store(path)


def test_empty_database_left_by_an_interrupted_creation_is_initialised(tmp_path: Path) -> None:
    path = tmp_path / "p.curator"
    with sqlite3.connect(path) as c:          # a valid SQLite file with nothing in it
        c.execute("PRAGMA journal_mode=WAL")
    assert path.exists()
    s = Store(path)
    try:
        assert s.schema_version() == SCHEMA_VERSION and s.get_meta("app") == "curator-project"
    finally:
        s.close()
