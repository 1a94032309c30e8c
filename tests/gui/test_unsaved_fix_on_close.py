"""Closing the window (or the dataset) while a Fix editor holds typed edits asks first, with the
editor's own 'Discard your changes?' question (a clinician lost an edit by closing the window)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from curator.gui.example_view import FixDialog
from curator.gui.review_view import ReviewDesk
from curator.gui.settings import REVIEWER


def _answer(qtbot, dlg, button, asked):
    """Press ``button`` on the discard question once it shows (gives up after about 2 s)."""
    tries = [100]

    def go():
        box = dlg.discard_box
        if box is None or not box.isVisible():
            tries[0] -= 1
            if tries[0] > 0 and dlg.isVisible():
                QTimer.singleShot(20, go)
            return
        asked.append(box.text())
        box.button(button).click()
    QTimer.singleShot(0, go)


def _type_in_answer(qtbot, dlg, text):
    box = dlg.form_boxes[-1]
    box.setFocus()
    box.moveCursor(box.textCursor().MoveOperation.End)
    qtbot.keyClicks(box, text)
    assert dlg.edited()


def test_closing_the_window_with_an_edited_fix_asks_and_cancel_keeps_it_open(opened, qtbot):
    w = opened
    w.examples.table.setFocus()
    qtbot.keyClick(w.examples.table, Qt.Key.Key_E)
    dlg = w.fix_dialog
    qtbot.waitExposed(dlg)
    _type_in_answer(qtbot, dlg, " Call us on 0800.")
    asked: list[str] = []
    _answer(qtbot, dlg, QMessageBox.StandardButton.Cancel, asked)
    assert w.close() is False
    assert asked == ["Discard your changes?"]
    assert w.isVisible() and dlg.isVisible() and w.project is not None
    assert dlg.form_boxes[-1].toPlainText().endswith(" Call us on 0800.")      # the edit is still there
    # Ctrl+W's Close action asks the same, and Cancel keeps the dataset open
    _answer(qtbot, dlg, QMessageBox.StandardButton.Cancel, asked)
    w.close_action.trigger()
    assert len(asked) == 2 and w.project is not None and dlg.isVisible()
    # Discard: the editor goes, then the window closes
    _answer(qtbot, dlg, QMessageBox.StandardButton.Discard, asked)
    assert w.close() is True
    assert len(asked) == 3 and not dlg.isVisible() and not w.isVisible() and w.project is None


def test_closing_the_window_with_an_untouched_fix_does_not_ask(opened, qtbot):
    w = opened
    dlg = w.open_fix_dialog(w.current_line())
    qtbot.waitExposed(dlg)
    assert w.close() is True
    assert dlg.discard_box is None and not dlg.isVisible() and not w.isVisible()


def test_closing_the_window_during_the_desks_fix_asks_too(opened, qtbot, prefs):
    """The review desk's editor runs its own event loop; a close arriving then asks as well."""
    w = opened
    prefs.set(REVIEWER, "Ana")
    w.show_view("review")
    desk = w.findChild(ReviewDesk)
    qtbot.waitUntil(lambda: desk.isVisible(), timeout=2000)
    seen: dict = {}

    def inside():
        dlgs = [d for d in QApplication.topLevelWidgets() if isinstance(d, FixDialog) and d.isVisible()]
        if not dlgs:
            if desk.state != "editing":
                return
            QTimer.singleShot(20, inside)
            return
        dlg = seen["dlg"] = dlgs[0]
        _type_in_answer(qtbot, dlg, " (checked)")
        asked: list[str] = []
        seen["asked"] = asked
        _answer(qtbot, dlg, QMessageBox.StandardButton.Cancel, asked)
        seen["first"] = (w.close(), w.isVisible(), dlg.isVisible())
        _answer(qtbot, dlg, QMessageBox.StandardButton.Discard, asked)
        seen["second"] = (w.close(), w.isVisible(), dlg.isVisible())

    QTimer.singleShot(0, inside)
    qtbot.keyClick(desk, Qt.Key.Key_E)
    assert seen["asked"] == ["Discard your changes?", "Discard your changes?"]
    assert seen["first"] == (False, True, True)
    assert seen["second"] == (True, False, False)
    assert w.project is None
