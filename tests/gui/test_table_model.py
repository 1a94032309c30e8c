"""The one table model over ids: qtmodeltester, named roles, core-driven filter/sort, and
100,000 rows that stay fast (data() reads precomputed columns, no I/O)."""

from __future__ import annotations

import builtins
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt

from curator.core.dataset import load_dataset
from curator.core.findings import ExactGroup, ScanResult
from curator.core.table import ExamplesTable, TableQuery
from curator.gui.table_model import (
    COL_FLAGS,
    COL_FORMAT,
    COL_LENGTH,
    COL_LINE,
    COL_PROMPT,
    COL_RESPONSE,
    COL_STATUS,
    COLUMNS,
    ExampleIdRole,
    FlagsRole,
    FormatRole,
    LengthRole,
    LineRole,
    QtExamplesModel,
    StatusRole,
)


@pytest.fixture
def small_table(tmp_path, make_chat_file):
    p = make_chat_file(tmp_path / "s.jsonl", 1200)
    ds = load_dataset(p)
    lines = [r.line for r in ds.records if r.valid]
    scan = ScanResult(exact_duplicates=[ExactGroup((lines[0], lines[1]), lines[0])])
    return ExamplesTable(ds, scan, {lines[2]: "approved", lines[3]: "rejected"})


def test_qtmodeltester_empty_filtered_and_sorted(qtmodeltester, small_table):
    qtmodeltester.check(QtExamplesModel(), force_py=True)          # no table yet
    for query in (TableQuery(), TableQuery(flag="any"), TableQuery(sort="length", descending=True),
                  TableQuery(text="no such words anywhere")):
        model = QtExamplesModel()
        model.set_table(small_table, query)
        qtmodeltester.check(model, force_py=True)
        # the tester stays connected: resets done by the core queries must be well-formed too
        model.set_query(TableQuery(status="approved"))
        model.sort(COL_LENGTH, Qt.SortOrder.DescendingOrder)
        model.refresh_statuses({int(small_table.lines[0]): "skipped"})
        model.set_table(None)
        assert model.rowCount() == 0


def test_named_roles_and_cells(small_table):
    model = QtExamplesModel()
    model.set_table(small_table)
    t = small_table
    for row in (0, 1, 2, 3, 14):
        i = model.index(row, 0).data(ExampleIdRole)
        rec = t.dataset.records[i]
        assert model.index(row, 0).data(LineRole) == rec.line
        assert model.index(row, COL_LINE).data() == str(rec.line)
        assert model.index(row, 0).data(StatusRole) == t.status_of(i)
        assert model.index(row, 0).data(FlagsRole) == t.flag_names(i)
        assert model.index(row, 0).data(FormatRole) == rec.format
        assert model.index(row, 0).data(LengthRole) == t.lengths[i]
    assert model.index(0, COL_FLAGS).data() == "duplicate"
    assert model.index(2, COL_STATUS).data() == "approved"
    assert model.index(2, COL_STATUS).data(Qt.ItemDataRole.ForegroundRole) is not None
    assert model.index(14, COL_FLAGS).data(FlagsRole) == ("invalid",)      # the broken JSON line
    assert model.index(14, COL_FLAGS).data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(0, COL_FORMAT).data() == "openai"
    assert model.index(0, COL_PROMPT).data().startswith("How do I")       # the user turn, not the system prompt
    assert model.index(0, COL_RESPONSE).data().startswith("To ")
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(len(COLUMNS))] == [c[0] for c in COLUMNS]


def test_status_refresh_repaints_only_that_row(qtbot, small_table):
    model = QtExamplesModel()
    model.set_table(small_table)
    line = model.index(5, 0).data(LineRole)
    with qtbot.waitSignal(model.dataChanged) as blocker:
        model.refresh_statuses({line: "fixed"})
    top, bottom = blocker.args[0], blocker.args[1]
    assert top.row() == bottom.row() == 5
    assert model.index(5, 0).data(StatusRole) == "fixed"
    model.set_query(TableQuery(status="fixed"))
    assert model.rowCount() == 1 and model.row_of_line(line) == 0


@pytest.mark.slow
def test_100k_rows_stay_fast_and_data_does_no_io(tmp_path, make_chat_file, monkeypatch):
    p = make_chat_file(tmp_path / "big.jsonl", 100_000)
    table = ExamplesTable(load_dataset(p))
    model = QtExamplesModel()
    model.set_table(table)
    n = model.rowCount()
    assert n > 100_000                       # the generator adds duplicate lines
    real_open = builtins.open

    def no_io(*a, **k):
        raise AssertionError(f"data() opened a file: {a}")

    monkeypatch.setattr(builtins, "open", no_io)
    roles = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, FlagsRole, StatusRole)
    t0 = time.perf_counter()
    for start in (0, n // 2, n - 50):        # three screenfuls anywhere in the table
        for row in range(start, start + 50):
            for col in range(len(COLUMNS)):
                for role in roles:
                    model.index(row, col).data(role)
    screen_ms = (time.perf_counter() - t0) * 1000 / 3
    monkeypatch.setattr(builtins, "open", real_open)
    assert screen_ms < 50, f"a screenful of cells took {screen_ms:.0f} ms"
    timings = {}
    for name, q in (("search", TableQuery(text="refund")), ("sort prompt", TableQuery(sort="prompt")),
                    ("sort status desc", TableQuery(sort="status", descending=True)),
                    ("flag filter", TableQuery(flag="invalid"))):
        t0 = time.perf_counter()
        model.set_query(q)
        timings[name] = time.perf_counter() - t0
        assert isinstance(model.ids(), np.ndarray)
    assert model.rowCount() == sum(1 for r in table.dataset.records if r.errors)
    assert max(timings.values()) < 0.5, timings
