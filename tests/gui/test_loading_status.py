"""While a file opens: the status bar says what is loading (not the previous file's counts), and
the loading page says how far the whole open is ("Step x of y"), never going back.

New users' reports: opening a second file (File › Open, or dropped on the window) left the first
file's "reviewed · findings · flagged" counts in the status bar, read as the new file's; and the
loading page's bar restarted for every step with nothing saying how many steps were left.
Real files in tmp_path, the real project store, the real scan process for threaded opens."""

from __future__ import annotations

import json
import re
from itertools import pairwise

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from curator import open_project
from curator.core import scan as scan_module
from curator.core.project import default_project_path
from curator.core.table import ExamplesTable
from curator.gui import run_op
from curator.gui.main_window import PAGE_LOADING, PAGE_WELCOME, PAGE_WORKSPACE, open_steps
from curator.gui.run_op import StepProgress

STEP = re.compile(r"^Step (\d+) of (\d+) · (.+)$")


def _drop(window, path) -> None:
    md = QMimeData()
    md.setUrls([QUrl.fromLocalFile(str(path))])
    window.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, md, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier))


def _record_steps(window) -> list[tuple[int, int, str]]:
    """Every "Step x of y · title" the loading page shows while the open runs (read after each poll)."""
    seen: list[tuple[int, int, str]] = []

    def polled(op, _state) -> None:
        if op is window._open_op:
            m = STEP.match(window.loading.overall.text())
            assert m, window.loading.overall.text()
            seen.append((int(m[1]), int(m[2]), m[3]))

    window.runner.progressed.connect(polled)
    return seen


def _assert_forward(seen: list[tuple[int, int, str]]) -> None:
    assert seen, "the loading page never showed a step"
    for (x0, y0, _), (x1, y1, _) in pairwise(seen):
        assert x1 >= x0 and y1 >= y0, seen          # never back
    for x, y, _ in seen:
        assert 1 <= x <= y


@pytest.fixture
def first(window, tmp_path, make_chat_file):
    """The window with a small file open (inline): its status-bar counts and their tooltip."""
    a = make_chat_file(tmp_path / "first.jsonl", 300)
    window.open_path(a)
    assert window.path == a
    text, tip = window.count_label.text(), window.count_label.toolTip()
    assert "reviewed" in text and "findings" in text and "flagged" in text
    return window, text, tip


def test_dropping_a_second_file_shows_what_loads_then_its_own_counts(first, tmp_path, qtbot, make_chat_file):
    w, before, _tip = first
    assert "Opened first.jsonl" in w.statusBar().currentMessage()
    b = make_chat_file(tmp_path / "second.jsonl", 6000, seed=2)
    run_op.set_inline(False)
    _drop(w, b)
    assert w.stack.currentIndex() == PAGE_LOADING
    # the first file is still open behind the loading page, but its numbers are not on show
    assert w.count_label.text() == "Opening second.jsonl…"
    assert "second.jsonl" in w.count_label.toolTip()
    assert "first.jsonl" not in w.statusBar().currentMessage()
    qtbot.waitUntil(lambda: w.path == b and not w.runner.busy(), timeout=120000)
    n = len(w.project.dataset.records)
    assert n > 6000 and f"of {n:,} reviewed" in w.count_label.text() and w.count_label.text() != before


def test_file_open_while_one_is_open_then_cancel_brings_its_counts_back(first, tmp_path, qtbot, make_chat_file):
    from curator.gui.main_window import LoadingPage

    w, before, tip = first
    previous = w.project
    big = make_chat_file(tmp_path / "big.jsonl", 40000, seed=3)
    run_op.set_inline(False)
    w.open_path(big)                       # what File › Open does with the chosen name
    assert w.count_label.text() == "Opening big.jsonl…"
    w._update_counts()                     # anything refreshing counts meanwhile keeps it so
    assert w.count_label.text() == "Opening big.jsonl…"
    qtbot.waitUntil(lambda: " / " in w.loading.step.text(), timeout=60000)
    assert w.count_label.text() == "Opening big.jsonl…"
    # mid-load: the words on the loading page fit their labels
    page: LoadingPage = w.loading
    for label in (page.title, page.overall, page.step):
        assert label.width() >= label.sizeHint().width(), label.text()
    qtbot.mouseClick(w.loading.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not w.runner.busy(), timeout=60000)
    assert w.project is previous and w.stack.currentIndex() == PAGE_WORKSPACE
    assert w.count_label.text() == before and w.count_label.toolTip() == tip
    assert "cancelled" in w.statusBar().currentMessage().lower()


def test_a_failed_open_brings_the_counts_back_and_its_steps_only_go_forward(first, tmp_path, qtbot,
                                                                             make_chat_file):
    """A damaged project file beside the new dataset: the scan process fails after reading it,
    the window reads it again itself (the plan grows by those steps) and fails the same way."""
    w, before, tip = first
    previous = w.project
    b = make_chat_file(tmp_path / "damaged.jsonl", 4000, seed=4)
    default_project_path(b).write_bytes(b"not a database" * 50)
    run_op.set_inline(False)
    seen = _record_steps(w)
    w.open_path(b)
    assert w.count_label.text() == "Opening damaged.jsonl…"
    qtbot.waitUntil(lambda: not w.runner.busy(), timeout=120000)
    assert w.project is previous and w.stack.currentIndex() == PAGE_WORKSPACE
    assert w.count_label.text() == before and w.count_label.toolTip() == tip
    assert "Could not open damaged.jsonl" in w.statusBar().currentMessage()
    _assert_forward(seen)
    titles = [t for _x, _y, t in seen]
    assert "Reading the file again" in titles or "Checking schema again" in titles, seen
    w._last_box.close()


def test_a_failed_open_from_the_welcome_page_says_what_loads_then_leaves_no_counts(window, tmp_path, qtbot,
                                                                                   make_chat_file):
    b = make_chat_file(tmp_path / "damaged.jsonl", 2000, seed=8)
    default_project_path(b).write_bytes(b"not a database" * 50)
    run_op.set_inline(False)
    window.open_path(b)
    assert window.count_label.text() == "Opening damaged.jsonl…"
    qtbot.waitUntil(lambda: not window.runner.busy(), timeout=120000)
    assert window.project is None and window.stack.currentIndex() == PAGE_WELCOME
    assert window.count_label.text() == "" and window.count_label.toolTip() == ""
    window._last_box.close()


def test_overall_step_counts_every_step_of_a_first_open_in_order(window, tmp_path, qtbot, make_chat_file):
    p = make_chat_file(tmp_path / "fresh.jsonl", 8000, seed=5)
    run_op.set_inline(False)
    seen = _record_steps(window)
    op = window.open_path(p)
    plan = open_steps(window.prefs.scan_settings(), child=True)
    assert window.loading.overall.text() == f"Step 1 of {len(plan)} · Reading the file"
    assert "1. Reading the file" in window.loading.overall.toolTip()
    qtbot.waitUntil(lambda: window.project is not None and not window.runner.busy(), timeout=120000)
    _assert_forward(seen)
    assert {y for _x, y, _t in seen} == {len(plan)}
    assert seen[-1] == (len(plan), len(plan), "Building the table")
    # every planned step ran and was recognised, in the plan's order; no label went unclaimed
    assert op.progress.visited == [s.key for s in plan] and op.progress.unclaimed == []


def test_a_scan_found_in_the_project_is_passed_over_not_waited_for(window, sample, qtbot):
    run_op.set_inline(False)
    seen = _record_steps(window)
    op = window.open_path(sample)          # its project already holds the scan
    qtbot.waitUntil(lambda: window.project is not None and not window.runner.busy(), timeout=120000)
    _assert_forward(seen)
    n = len(op.progress.steps)
    assert seen[-1] == (n, n, "Building the table")
    assert op.progress.visited == ["read", "schema", "reload", "table"] and op.progress.unclaimed == []


def test_inline_open_walks_the_in_window_plan(window, tmp_path, make_chat_file):
    p = make_chat_file(tmp_path / "inline.jsonl", 500, seed=6)
    op = window.open_path(p)
    assert window.project is not None
    assert op.progress.visited == [s.key for s in open_steps(window.prefs.scan_settings(), child=False)]
    assert op.progress.unclaimed == []


@pytest.mark.parametrize("settings, workers, helper", [
    ({}, 1, False),
    ({}, 2, False),
    ({}, 2, True),
    ({"near": False}, 1, False),
    ({"contradictions": False}, 2, False),
    ({"near": False, "contradictions": False}, 1, False),
    ({"lint": False}, 1, False),
])
def test_the_plan_is_what_the_open_reports(tmp_path, make_chat_file, monkeypatch, settings, workers, helper):
    """The steps come from what the open runs: with each scan setting, every planned step reports
    (none is waited for in vain) and every label the core reports belongs to a step, in order.
    ``helper``: the scan's MinHash passes run in its helper process (as for 8,000+ records), whose
    waits report labels of their own."""
    monkeypatch.setattr(scan_module, "HELPER_MIN_RECORDS", 0 if helper else 10**9)
    p = make_chat_file(tmp_path / "plan.jsonl", 1200, seed=7)
    steps = StepProgress(open_steps(settings, child=False))
    with open_project(p, scan_settings=settings, progress=steps, scan_workers=workers) as project:
        steps.advance_to("table")
        ExamplesTable(project.dataset, project.scan, {}, progress=steps)
    assert steps.unclaimed == []
    assert steps.visited == [s.key for s in steps.steps]
    assert ("similar" in steps.visited) == bool(settings.get("near", True) or settings.get("contradictions", True))
    assert ("lint" in steps.visited) == settings.get("lint", True)


def test_a_json_array_file_is_read_in_the_first_step(tmp_path):
    rows = [{"messages": [{"role": "user", "content": f"Question {i} about parcels?"},
                          {"role": "assistant", "content": f"Answer {i}: track it online."}]} for i in range(300)]
    p = tmp_path / "array.json"
    p.write_text(json.dumps(rows), encoding="utf-8")
    steps = StepProgress(open_steps(None, child=False))
    with open_project(p, progress=steps):
        pass
    assert steps.visited[:2] == ["read", "schema"] and steps.unclaimed == []


def test_the_second_reading_after_the_scan_process_says_so():
    # a trial read "Checking schema… 47,104 / 60,000" under "Loading the results into the window"
    # as the file being checked all over again for nothing
    steps = StepProgress(open_steps(None, child=True))
    steps.update(done=0, total=10, label="Reading lines")
    assert steps.snapshot().label == "Reading lines"
    steps.update(done=0, total=10, label="Normalising text")
    steps.update(done=5, total=10, label="Checking schema")
    state = steps.snapshot()
    assert state.label == "Checking schema again, for the window" and steps.visited[-1] == "reload"
