"""With the 'Undecided' filter on, a decided example leaves the list at once and the count follows
(clinician trial: approved rows stayed and the count still said '600 of 600 examples'). The next
undecided example is selected, as the desk moves on; an undo brings the example back, selected."""

from __future__ import annotations

import shutil

from gui_helpers import when_modal
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from curator.core.decisions import APPROVED, REJECTED, UNDECIDED
from curator.gui.review_view import RejectDialog
from curator.gui.table_model import LineRole


def _shown_lines(w) -> list[int]:
    return [w.model.index(r, 0).data(LineRole) for r in range(w.model.rowCount())]


def _press(qtbot, key, mod=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(QApplication.focusWidget(), key, mod)


def test_undecided_filter_drops_decided_rows_and_counts_them(window, sample_data, tmp_path, qtbot):
    shutil.copy(sample_data / "clinical_notes.jsonl", tmp_path / "clinical_notes.jsonl")
    w = window
    w.open_path(tmp_path / "clinical_notes.jsonl")
    total = len(w.table)
    ex = w.examples
    ex.status_box.setFocus()
    ex.status_box.setCurrentIndex(ex.status_box.findData(UNDECIDED))
    qtbot.waitUntil(lambda: not w.runner.busy(), timeout=2000)
    assert ex.count.text() == f"{total:,} of {total:,} examples"
    with qtbot.waitActive(w):
        w.activateWindow()
    w.select_line(3)
    ex.table.setFocus()
    for expected_next in (4, 5, 6):
        _press(qtbot, Qt.Key.Key_A)
        assert w.current_line() == expected_next            # the next undecided one, none skipped
    assert [w.project.status_of(n) for n in (3, 4, 5)] == [APPROVED] * 3
    shown = _shown_lines(w)
    assert not {3, 4, 5} & set(shown) and len(shown) == total - 3
    assert ex.count.text() == f"{total - 3:,} of {total:,} examples"
    assert w.examples.example.record.line == 6

    # a reject through the reason dialog leaves too
    when_modal(RejectDialog, lambda dlg: _press(qtbot, Qt.Key.Key_4),
               ready=lambda dlg: QApplication.focusWidget() is dlg.panel.list)
    _press(qtbot, Qt.Key.Key_R)
    assert w.project.status_of(6) == REJECTED and w.current_line() == 7
    assert ex.count.text() == f"{total - 4:,} of {total:,} examples"
    qtbot.waitUntil(lambda: QApplication.focusWidget() is ex.table, timeout=2000)   # back from the dialog

    # undo: line 6 is undecided again, back in the list and selected
    _press(qtbot, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert w.project.status_of(6) == UNDECIDED
    assert 6 in _shown_lines(w) and w.current_line() == 6
    assert ex.count.text() == f"{total - 3:,} of {total:,} examples"

    # with 'All statuses' nothing leaves the list
    ex.status_box.setCurrentIndex(0)
    qtbot.waitUntil(lambda: not w.runner.busy(), timeout=2000)
    w.select_line(6)
    ex.table.setFocus()
    _press(qtbot, Qt.Key.Key_A)
    assert len(_shown_lines(w)) == total and w.current_line() == 7
