"""One meaning of 'reviewed' on every screen: approved + rejected + fixed, skips counted apart.
The clinician's desk said '6 of 600 examples reviewed · 1 skipped' while the status bar said
'7 of 600 decided' and the dashboard '22 reviewed' against the desk's 21 + 1 skipped."""

from __future__ import annotations

import re
import shutil

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from curator.gui.dashboard import DashboardPage
from curator.gui.review_view import ReviewDesk
from curator.gui.settings import REVIEWER


def _typed(qtbot, k):
    qtbot.keyClick(QApplication.focusWidget(), k)


def test_desk_status_bar_and_dashboard_count_alike(window, sample_data, tmp_path, qtbot, prefs):
    shutil.copy(sample_data / "clinical_notes.jsonl", tmp_path / "clinical_notes.jsonl")
    prefs.set(REVIEWER, "Dr. Reyes")
    w = window
    w.open_path(tmp_path / "clinical_notes.jsonl")
    total = len(w.table)
    w.show_view("review")
    desk = w.findChild(ReviewDesk)
    qtbot.waitUntil(lambda: desk.isVisible() and desk.hasFocus(), timeout=2000)
    for k in (Qt.Key.Key_A, Qt.Key.Key_A, Qt.Key.Key_S, Qt.Key.Key_A, Qt.Key.Key_R, Qt.Key.Key_2,
              Qt.Key.Key_S, Qt.Key.Key_A):
        _typed(qtbot, k)
    statuses = [d.status for d in w.project.decisions().values()]
    assert sorted(statuses).count("skipped") == 2 and len(statuses) == 7

    assert desk.progress_label.text() == f"5 of {total:,} examples reviewed · 2 skipped"
    assert w.count_label.text().startswith(f"5 of {total:,} reviewed · 2 skipped · ")
    assert "skipped" in w.count_label.toolTip()
    w.show_view("dashboard")
    page = w.findChild(DashboardPage)
    qtbot.waitUntil(lambda: page.view is not None and "reviewed" in page.view.summary.text(), timeout=5000)
    summary = page.view.summary.text()
    assert re.match(rf"{total:,} records · 5 reviewed · 2 skipped · ~[\d,]+ usable for export", summary), summary

    # an undo changes all three alike
    w.show_view("review")
    qtbot.waitUntil(lambda: desk.hasFocus(), timeout=2000)
    qtbot.keyClick(desk, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)       # the last approval
    assert desk.progress_label.text() == f"4 of {total:,} examples reviewed · 2 skipped"
    assert w.count_label.text().startswith(f"4 of {total:,} reviewed · 2 skipped · ")
    w.show_view("dashboard")
    qtbot.waitUntil(lambda: " 4 reviewed · 2 skipped" in page.view.summary.text(), timeout=5000)
