"""Deciding every example the Examples table shows at once (a clinician found 160 answers with a
leaked "Patient:" turn by searching and could only reject them one by one)."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QMessageBox

from curator.core.decisions import APPROVED, REJECTED, UNDECIDED
from curator.gui.review_view import RejectDialog

from gui_helpers import when_modal


def _search(w, text):
    w.examples.search.setText(text)
    w.apply_filters()
    return w.shown_lines()


def test_reject_all_shown_is_one_confirmed_undoable_step(opened, qtbot):
    w = opened
    lines = _search(w, "kettle")
    total = w.project.dataset.records
    assert 1 < len(lines) < len(total)
    # cancelled at the confirmation: nothing decided
    when_modal(QMessageBox, lambda box: box.button(QMessageBox.StandardButton.Cancel).click())
    assert not w.reject_shown_action.trigger() and all(w.project.status_of(x) == UNDECIDED for x in lines)
    # confirmed, with a reason: every shown example rejected, nothing else
    seen = {}

    def confirm(box):
        seen["text"] = box.text()
        box.button(QMessageBox.StandardButton.Yes).click()
        when_modal(RejectDialog, lambda dlg: (dlg.panel.list.setCurrentRow(2), dlg.accept()),
                   ready=lambda dlg: QApplication.focusWidget() is dlg.panel.list)

    when_modal(QMessageBox, confirm)
    w.reject_shown_action.trigger()
    qtbot.waitUntil(lambda: all(w.project.status_of(x) == REJECTED for x in lines), timeout=10000)
    assert f"{len(lines):,} examples" in seen["text"] and "search “kettle”" in seen["text"]
    others = [r.line for r in total if r.line not in set(lines)]
    assert all(w.project.status_of(x) == UNDECIDED for x in others[:50])
    assert len({w.project.decision(x).reason for x in lines}) == 1
    # one undo takes it all back
    w.undo()
    qtbot.waitUntil(lambda: all(w.project.status_of(x) == UNDECIDED for x in lines), timeout=10000)


def test_approve_all_shown_says_what_it_replaces(opened, qtbot):
    w = opened
    lines = _search(w, "warranty")
    assert len(lines) > 2
    w.project.reject(lines[0])
    seen = {}

    def confirm(box):
        seen["text"] = box.text()
        box.button(QMessageBox.StandardButton.Yes).click()

    when_modal(QMessageBox, confirm)
    w.approve_shown_action.trigger()
    qtbot.waitUntil(lambda: all(w.project.status_of(x) == APPROVED for x in lines), timeout=10000)
    assert "1 of them already have a decision" in seen["text"]
